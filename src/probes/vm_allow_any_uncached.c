// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: VM_ALLOW_ANY_UNCACHED, the VMA flag that lets KVM/arm64 map a
 * VFIO BAR Normal-NC at stage 2 instead of Device-nGnRE.
 *
 * Upstream: 5c656fcdd6c6 ("mm: Introduce new flag to indicate wc safe"),
 * Linux 6.9 (used by KVM in 8c47ce3e1d2c and by vfio-pci in the same merge).
 */
#include <linux/mm.h>

vm_flags_t memattr_probe(void);
vm_flags_t memattr_probe(void)
{
	return VM_ALLOW_ANY_UNCACHED;
}
