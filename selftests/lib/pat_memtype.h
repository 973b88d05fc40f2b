/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_PAT_MEMTYPE_H
#define MEMATTR_SELFTEST_PAT_MEMTYPE_H

#include <stdbool.h>
#include <stddef.h>

/* x86 only, with CONFIG_X86_PAT and debugfs mounted. */
#define PAT_MEMTYPE_LIST "/sys/kernel/debug/x86/pat_memtype_list"

/* A reservation: [start, end) and its type, "write-combining" and such. */
struct pat_memtype {
	unsigned long long start;
	unsigned long long end;
	char type[32];
};

bool pat_memtype_available(void);
int pat_memtype_find(unsigned long long start, unsigned long long size,
		     struct pat_memtype *found, size_t max);

#endif /* MEMATTR_SELFTEST_PAT_MEMTYPE_H */
