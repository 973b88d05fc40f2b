/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_TOOLS_VFIO_CDEV_H
#define MEMATTR_TOOLS_VFIO_CDEV_H

#include <stddef.h>

#include "vfio_dev.h"

#define IOMMUFD_PATH "/dev/iommu"

int vfio_cdev_name(const char *bdf, char *buf, size_t len);
int vfio_cdev_open_device(const char *bdf, struct vfio_dev *dev);

#endif /* MEMATTR_TOOLS_VFIO_CDEV_H */
