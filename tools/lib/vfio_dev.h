/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_TOOLS_VFIO_DEV_H
#define MEMATTR_TOOLS_VFIO_DEV_H

#include <linux/types.h>

/*
 * An open VFIO device and what keeps it attached to an IOMMU domain: a
 * group and a container (legacy API) or an iommufd and an IOAS (cdev API).
 * Unused descriptors are -1.
 */
struct vfio_dev {
	int container_fd;
	int group_fd;
	int iommufd;
	__u32 ioas_id;
	int device_fd;
};

void vfio_dev_init(struct vfio_dev *dev);
void vfio_dev_close(struct vfio_dev *dev);

#endif /* MEMATTR_TOOLS_VFIO_DEV_H */
