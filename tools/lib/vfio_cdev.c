// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening a device through its VFIO character device and iommufd
 * (CONFIG_VFIO_DEVICE_CDEV, Linux 6.6+; iommufd itself since 6.2).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * memattr-bench is also built on hosts whose uapi headers predate iommufd
 * (Debian 12: 6.1); there only the group API is available.
 */
#if __has_include("linux/iommufd.h")
#include <linux/iommufd.h>
#endif
#include <linux/vfio.h>

#include "log.h"
#include "vfio_cdev.h"

/*
 * The name of the device's cdev ("vfioN"), the one entry of
 * /sys/bus/pci/devices/BDF/vfio-dev/.  That entry exists from 6.2 on, but
 * it has a device number ("dev") only with CONFIG_VFIO_DEVICE_CDEV.
 * -ENOENT, without a message, when there is no cdev.
 */
int vfio_cdev_name(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	char devt[NAME_MAX + sizeof("/dev")];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir) {
		if (errno == ENOENT)
			return -ENOENT;
		return lib_errno("opendir %s", path);
	}

	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(devt, sizeof(devt), "%s/dev", de->d_name);
		if (faccessat(dirfd(dir), devt, F_OK, 0))
			break;
		if ((size_t)snprintf(buf, len, "%s", de->d_name) >= len)
			ret = -ENAMETOOLONG;
		else
			ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

#ifdef VFIO_DEVICE_BIND_IOMMUFD
static int bind_iommufd(struct vfio_dev *dev)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = dev->iommufd,
	};

	if (ioctl(dev->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return lib_errno("VFIO_DEVICE_BIND_IOMMUFD");
	return 0;
}

static int alloc_ioas(struct vfio_dev *dev)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(dev->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return lib_errno("IOMMU_IOAS_ALLOC");
	dev->ioas_id = alloc.out_ioas_id;
	return 0;
}

static int attach_ioas(struct vfio_dev *dev)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = dev->ioas_id,
	};

	if (ioctl(dev->device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return lib_errno("VFIO_DEVICE_ATTACH_IOMMUFD_PT(%u)",
				 dev->ioas_id);
	return 0;
}

int vfio_cdev_open_device(const char *bdf, struct vfio_dev *dev)
{
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
	int ret;

	vfio_dev_init(dev);

	ret = vfio_cdev_name(bdf, name, sizeof(name));
	if (ret) {
		lib_log("%s: no vfio-dev entry in sysfs", bdf);
		return ret;
	}

	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	dev->device_fd = open(path, O_RDWR);
	if (dev->device_fd < 0) {
		ret = lib_errno("open %s", path);
		goto err;
	}

	dev->iommufd = open(IOMMUFD_PATH, O_RDWR);
	if (dev->iommufd < 0) {
		ret = lib_errno("open " IOMMUFD_PATH);
		goto err;
	}

	ret = bind_iommufd(dev);
	if (ret)
		goto err;

	ret = alloc_ioas(dev);
	if (ret)
		goto err;

	ret = attach_ioas(dev);
	if (ret)
		goto err;
	return 0;

err:
	vfio_dev_close(dev);
	return ret;
}
#else
int vfio_cdev_open_device(const char *bdf, struct vfio_dev *dev)
{
	vfio_dev_init(dev);
	lib_log("%s: built without iommufd uapi headers: no cdev API", bdf);
	return -EOPNOTSUPP;
}
#endif
