/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The only place that knows about older kernels. Each block is keyed on a
 * MEMATTR_HAVE_* result from the Kbuild feature probes (src/probes/), never
 * on LINUX_VERSION_CODE, so distribution backports are honoured.
 *
 * The MEMATTR_COMPAT_*_OPS macros expand to vfio_device_ops initializers
 * for members that not every supported kernel has, or to nothing.
 */
#ifndef MEMATTR_COMPAT_H
#define MEMATTR_COMPAT_H

#include <linux/mm.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "memattr-features.h"

/*
 * 2022-11, Linux 6.2 (a4d1f91db502): iommufd binding for physical devices.
 * Without it only the legacy group/container interface exists (6.1).
 */
#ifdef MEMATTR_HAVE_VFIO_DEVICE_OPS_BIND_IOMMUFD
#define MEMATTR_COMPAT_IOMMUFD_OPS					\
	.bind_iommufd = vfio_iommufd_physical_bind,			\
	.unbind_iommufd = vfio_iommufd_physical_unbind,			\
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
#else
#define MEMATTR_COMPAT_IOMMUFD_OPS
#endif

/*
 * 2023-07, Linux 6.6 (9048c7341c4d): detach_ioas, needed for
 * VFIO_DEVICE_DETACH_IOMMUFD_PT on the vfio device cdev.
 */
#ifdef MEMATTR_HAVE_VFIO_DEVICE_OPS_DETACH_IOAS
#define MEMATTR_COMPAT_DETACH_IOAS_OPS					\
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
#else
#define MEMATTR_COMPAT_DETACH_IOAS_OPS
#endif

/* 2025-03, Linux 6.15 (290641346d0d): attach/detach by PASID. */
#ifdef MEMATTR_HAVE_VFIO_DEVICE_OPS_PASID_ATTACH_IOAS
#define MEMATTR_COMPAT_PASID_OPS					\
	.pasid_attach_ioas = vfio_iommufd_physical_pasid_attach_ioas,	\
	.pasid_detach_ioas = vfio_iommufd_physical_pasid_detach_ioas,
#else
#define MEMATTR_COMPAT_PASID_OPS
#endif

/*
 * 2025-07, Linux 6.17 (86624ba3b522): VF token check on
 * VFIO_DEVICE_BIND_IOMMUFD; before that only the group path checked it.
 */
#ifdef MEMATTR_HAVE_VFIO_DEVICE_OPS_MATCH_TOKEN_UUID
#define MEMATTR_COMPAT_MATCH_TOKEN_OPS					\
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
#define MEMATTR_COMPAT_MATCH_TOKEN_OPS
#endif

/*
 * 2025-11, Linux 6.19 (775f726a742a): the vfio core answers
 * VFIO_DEVICE_GET_REGION_INFO through this op; older kernels leave it to
 * vfio_pci_core_ioctl(), which .ioctl already reaches.
 */
#ifdef MEMATTR_HAVE_VFIO_DEVICE_OPS_GET_REGION_INFO_CAPS
#define MEMATTR_COMPAT_REGION_INFO_OPS					\
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#else
#define MEMATTR_COMPAT_REGION_INFO_OPS
#endif

/*
 * 2023-01, Linux 6.3 (bc292ab00f6c): vma->vm_flags became read-only behind
 * vm_flags_set()/vm_flags_clear(). Before, the field was written directly.
 */
#ifndef MEMATTR_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * 2024-02, Linux 6.9 (5c656fcdd6c6): VM_ALLOW_ANY_UNCACHED lets KVM/arm64
 * map a VMA Normal-NC at stage 2. Before it, KVM always used Device-nGnRE
 * for VFIO BARs: setting or clearing "no flag" is then a no-op, and the
 * stage-2 attribute is not under the driver's control. 32-bit kernels also
 * define the flag as VM_NONE.
 */
#ifdef MEMATTR_HAVE_VM_ALLOW_ANY_UNCACHED
#define memattr_stage2_control()	(VM_ALLOW_ANY_UNCACHED != VM_NONE)
#else
#define VM_ALLOW_ANY_UNCACHED		VM_NONE
#define memattr_stage2_control()	false
#endif

/*
 * 2023-08, Linux 6.6 (1d024e7a8dab): vm_operations_struct.huge_fault takes
 * the page order instead of an enum page_entry_size. vfio-pci implements
 * huge_fault only on later kernels (6.12), so older ones are left alone.
 */
#ifndef MEMATTR_HAVE_ENUM_PAGE_ENTRY_SIZE
#define MEMATTR_WRAP_HUGE_FAULT 1
#endif

/*
 * Linux 7.x: zap_vma_ptes() was renamed zap_special_vma_range(), same
 * arguments and the same VM_PFNMAP-only use. The new name is used.
 */
#ifndef MEMATTR_HAVE_ZAP_SPECIAL_VMA_RANGE
static inline void zap_special_vma_range(struct vm_area_struct *vma,
					 unsigned long address,
					 unsigned long size)
{
	zap_vma_ptes(vma, address, size);
}
#endif

/*
 * Linux 7.x (drivers/vfio/pci/vfio_pci_dmabuf.c): vfio-pci-core exports a
 * BAR as a dma-buf for peer-to-peer importers when the driver gives it
 * pci_ops with get_dmabuf_phys, as vfio-pci does. Before, there is no such
 * feature, and nothing to set.
 */
#ifdef MEMATTR_HAVE_VFIO_PCI_CORE_GET_DMABUF_PHYS
static inline void memattr_compat_set_pci_ops(struct vfio_pci_core_device *vdev)
{
	static const struct vfio_pci_device_ops memattr_pci_ops = {
		.get_dmabuf_phys = vfio_pci_core_get_dmabuf_phys,
	};

	vdev->pci_ops = &memattr_pci_ops;
}
#else
static inline void memattr_compat_set_pci_ops(struct vfio_pci_core_device *vdev)
{
}
#endif

#endif /* MEMATTR_COMPAT_H */
