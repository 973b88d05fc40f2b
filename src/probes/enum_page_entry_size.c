// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: enum page_entry_size, which vm_operations_struct.huge_fault took
 * before it took the page order. Probed by the enum because C treats an
 * enum and unsigned int as compatible: a probe assigning an order-taking
 * handler would build on both kinds of kernel.
 *
 * Upstream: removed by 1d024e7a8dab ("mm: remove enum page_entry_size"),
 * Linux 6.6.
 */
#include <linux/mm.h>

unsigned int memattr_probe(void);
unsigned int memattr_probe(void)
{
	enum page_entry_size pe_size = PE_SIZE_PTE;

	return pe_size;
}
