/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_MEMATTR_PTE_H
#define MEMATTR_SELFTEST_MEMATTR_PTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Created by selftests/modules/memattr-pte.ko. */
#define MEMATTR_PTE_PATH "/sys/kernel/debug/memattr-pte"
#define MEMATTR_BARMAP_PATH "/sys/kernel/debug/memattr-barmap"

/* The page-table entry that maps a user address, as the helper reports it. */
struct memattr_pte {
	char level[8];		/* "pud", "pmd" or "pte" */
	uint64_t entry;
	char attr[32];		/* "Normal-NC", "Device-nGnRE", "WC", "UC-", ... */
	unsigned int idx;	/* MAIR slot (arm64) or PAT index (x86) */
	char mt[32];		/* arm64: the kernel's MT_* name; "" elsewhere */
	char allow[4];		/* VM_ALLOW_ANY_UNCACHED: "1", "0" or "na" */
	unsigned long vm_flags;
	char line[256];		/* as read, for messages */
};

bool memattr_pte_available(void);
int memattr_pte_query(const volatile void *addr, struct memattr_pte *pte);
/* The same for an address of process @pid (mapped there already). */
int memattr_pte_query_pid(pid_t pid, uintptr_t addr, struct memattr_pte *pte);
/*
 * The memory type of vfio's own kernel mapping of BAR @bar of an open
 * device bound to vfio-pci or memattr-vfio-pci ("Device-nGnRE", "WC",
 * "UC-", ...); -ENOENT while vfio has not mapped it.
 */
int memattr_barmap_query(const char *bdf, unsigned int bar, char *attr,
			 size_t len);

#endif /* MEMATTR_SELFTEST_MEMATTR_PTE_H */
