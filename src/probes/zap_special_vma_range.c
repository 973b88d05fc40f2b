// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: zap_special_vma_range(), the name zap_vma_ptes() has in the 7.x
 * kernels we build for (first seen here in Debian's 7.2): it removes the
 * entries of a VM_PFNMAP VMA, which refill on the next fault.
 */
#include <linux/mm.h>

void memattr_probe(struct vm_area_struct *vma);
void memattr_probe(struct vm_area_struct *vma)
{
	zap_special_vma_range(vma, vma->vm_start, PAGE_SIZE);
}
