// SPDX-License-Identifier: GPL-2.0-only
/* VFIO device regions: their info and mmap() at their offset. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "log.h"
#include "vfio_region.h"

/*
 * The fixed part of the info only: capability chains (sparse mmap areas and
 * the like) are not asked for, and the kernel reports argsz larger than
 * ours when there are some.
 */
int vfio_region_get_info(int device_fd, __u32 index,
			 struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;

	if (ioctl(device_fd, VFIO_DEVICE_GET_REGION_INFO, info))
		return lib_errno("VFIO_DEVICE_GET_REGION_INFO(%u)", index);
	return 0;
}

/*
 * Maps the first @len bytes of the region (all of it when @len is 0)
 * shared, read and write.  Returns MAP_FAILED with errno set on failure.
 */
void *vfio_region_mmap(int device_fd, const struct vfio_region_info *info,
		       size_t len)
{
	void *map;

	if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		lib_log("region %u cannot be mmapped", info->index);
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (!len)
		len = info->size;
	if (len > info->size) {
		lib_log("region %u: %zu bytes asked, %llu there", info->index,
			len, (unsigned long long)info->size);
		errno = EINVAL;
		return MAP_FAILED;
	}

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, device_fd,
		   info->offset);
	if (map == MAP_FAILED)
		(void)lib_errno("mmap region %u (%zu bytes at 0x%llx)",
				info->index, len,
				(unsigned long long)info->offset);
	return map;
}
