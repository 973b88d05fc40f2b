// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening a device by whichever VFIO API the kernel has: the group and
 * container API where /dev/vfio/vfio exists (every kernel we test), the
 * cdev and iommufd API otherwise.
 */
#include <unistd.h>

#include "vfio_cdev.h"
#include "vfio_group.h"
#include "vfio_open.h"

int vfio_open_device(const char *bdf, struct vfio_dev *dev)
{
	if (!access(VFIO_CONTAINER_PATH, F_OK))
		return vfio_group_open_device(bdf, dev);
	return vfio_cdev_open_device(bdf, dev);
}
