/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_TOOLS_VFIO_GROUP_H
#define MEMATTR_TOOLS_VFIO_GROUP_H

#include "vfio_dev.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"

int vfio_group_open_device(const char *bdf, struct vfio_dev *dev);

#endif /* MEMATTR_TOOLS_VFIO_GROUP_H */
