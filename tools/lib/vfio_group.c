// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening a device through the VFIO group and container API
 * (Documentation/driver-api/vfio.rst), which every kernel we test has.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "log.h"
#include "vfio_group.h"

/*
 * The group number, the basename of the device's iommu_group link, or a
 * negative errno.
 */
static int iommu_group_of(const char *bdf)
{
	char path[PATH_MAX];
	char target[PATH_MAX];
	char *name, *end;
	ssize_t ret;
	long group;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	ret = readlink(path, target, sizeof(target) - 1);
	if (ret < 0)
		return lib_errno("readlink %s (no IOMMU?)", path);
	target[ret] = '\0';

	name = basename(target);
	group = strtol(name, &end, 10);
	if (end == name || *end || group < 0 || group > INT_MAX) {
		lib_log("%s: unexpected target %s", path, target);
		return -EINVAL;
	}
	return group;
}

static int open_container(struct vfio_dev *dev)
{
	int ret;

	dev->container_fd = open(VFIO_CONTAINER_PATH, O_RDWR);
	if (dev->container_fd < 0)
		return lib_errno("open " VFIO_CONTAINER_PATH);

	ret = ioctl(dev->container_fd, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		lib_log("VFIO_GET_API_VERSION: %d, expected %d",
			ret, VFIO_API_VERSION);
		return -EPROTO;
	}

	ret = ioctl(dev->container_fd, VFIO_CHECK_EXTENSION,
		    VFIO_TYPE1v2_IOMMU);
	if (ret <= 0) {
		lib_log("VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU): %d", ret);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int open_group(const char *bdf, struct vfio_dev *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX];
	int group;

	group = iommu_group_of(bdf);
	if (group < 0)
		return group;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	dev->group_fd = open(path, O_RDWR);
	if (dev->group_fd < 0)
		return lib_errno("open %s", path);

	if (ioctl(dev->group_fd, VFIO_GROUP_GET_STATUS, &status))
		return lib_errno("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		lib_log("group %d is not viable: bind all its devices to vfio",
			group);
		return -EBUSY;
	}
	return 0;
}

int vfio_group_open_device(const char *bdf, struct vfio_dev *dev)
{
	int ret;

	vfio_dev_init(dev);

	ret = open_container(dev);
	if (ret)
		goto err;

	ret = open_group(bdf, dev);
	if (ret)
		goto err;

	if (ioctl(dev->group_fd, VFIO_GROUP_SET_CONTAINER,
		  &dev->container_fd)) {
		ret = lib_errno("VFIO_GROUP_SET_CONTAINER");
		goto err;
	}

	if (ioctl(dev->container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		ret = lib_errno("VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)");
		goto err;
	}

	dev->device_fd = ioctl(dev->group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (dev->device_fd < 0) {
		ret = lib_errno("VFIO_GROUP_GET_DEVICE_FD(%s)", bdf);
		goto err;
	}
	return 0;

err:
	vfio_dev_close(dev);
	return ret;
}
