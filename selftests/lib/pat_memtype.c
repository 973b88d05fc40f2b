// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86 PAT memtype reservations in debugfs, after a "PAT memtype list:"
 * header, one per line (arch/x86/mm/pat/memtype.c, memtype_seq_show()):
 *
 *   PAT: [mem 0x00000000fe000000-0x00000000fe800000] write-combining
 *
 * with an exclusive end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pat_memtype.h"

bool pat_memtype_available(void)
{
	return access(PAT_MEMTYPE_LIST, R_OK) == 0;
}

/*
 * Fills @found with up to @max reservations that overlap
 * [start, start + size) and returns how many overlap in all, or a negative
 * errno.
 */
int pat_memtype_find(unsigned long long start, unsigned long long size,
		     struct pat_memtype *found, size_t max)
{
	struct pat_memtype m;
	char line[256];
	size_t n = 0;
	FILE *f;

	f = fopen(PAT_MEMTYPE_LIST, "r");
	if (!f)
		return lib_errno("open " PAT_MEMTYPE_LIST);

	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PAT: ", 5))
			continue;
		if (sscanf(line, "PAT: [mem %llx-%llx] %31s", &m.start, &m.end,
			   m.type) != 3) {
			lib_log("unexpected line in " PAT_MEMTYPE_LIST ": %s",
				line);
			fclose(f);
			return -EPROTO;
		}
		if (m.start >= start + size || m.end <= start)
			continue;
		if (n < max)
			found[n] = m;
		n++;
	}
	fclose(f);
	return n;
}
