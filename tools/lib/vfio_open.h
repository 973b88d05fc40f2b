/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_TOOLS_VFIO_OPEN_H
#define MEMATTR_TOOLS_VFIO_OPEN_H

#include "vfio_dev.h"

int vfio_open_device(const char *bdf, struct vfio_dev *dev);

#endif /* MEMATTR_TOOLS_VFIO_OPEN_H */
