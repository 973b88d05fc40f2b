/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_TOOLS_VFIO_REGION_H
#define MEMATTR_TOOLS_VFIO_REGION_H

#include <stddef.h>
#include <linux/vfio.h>

/* The vfio-pci ABI: region N lives at file offset N << 40. */
#define VFIO_PCI_REGION_OFFSET(index)	((__u64)(index) << 40)

int vfio_region_get_info(int device_fd, __u32 index,
			 struct vfio_region_info *info);
void *vfio_region_mmap(int device_fd, const struct vfio_region_info *info,
		       size_t len);
void *vfio_region_mmap_aligned(int device_fd,
			       const struct vfio_region_info *info,
			       size_t len, size_t align);

#endif /* MEMATTR_TOOLS_VFIO_REGION_H */
