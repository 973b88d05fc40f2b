// SPDX-License-Identifier: GPL-2.0-only
#include <unistd.h>

#include "vfio_dev.h"

void vfio_dev_init(struct vfio_dev *dev)
{
	dev->container_fd = -1;
	dev->group_fd = -1;
	dev->iommufd = -1;
	dev->ioas_id = 0;
	dev->device_fd = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Device first: closing it detaches it from the IOAS or container, which
 * can then go.  The device is unbound only once every descriptor and every
 * mapping of it is gone; until then a driver unbind blocks.
 */
void vfio_dev_close(struct vfio_dev *dev)
{
	close_fd(&dev->device_fd);
	close_fd(&dev->group_fd);
	close_fd(&dev->container_fd);
	close_fd(&dev->iommufd);
	dev->ioas_id = 0;
}
