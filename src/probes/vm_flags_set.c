// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vm_flags_set() and vm_flags_clear(), the only sanctioned way to
 * change vma->vm_flags once the field became read-only.
 *
 * Upstream: bc292ab00f6c ("mm: introduce vma->vm_flags wrapper functions"),
 * Linux 6.3.
 */
#include <linux/mm.h>

void memattr_probe(struct vm_area_struct *vma);
void memattr_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO);
	vm_flags_clear(vma, VM_IO);
}
