// SPDX-License-Identifier: GPL-2.0-only
/* VFIO device regions: their info and mmap() at their offset. */
#include <errno.h>
#include <stdint.h>
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

/*
 * As vfio_region_mmap(), at a virtual address that is a multiple of
 * @align (a power of two), so that the kernel may map the region with
 * PMD or PUD leaves where the physical address is aligned as well.  An
 * anonymous PROT_NONE reservation twice the size finds the address; the
 * region is mapped over it with MAP_FIXED and the rest is given back.
 * Unmap with munmap(map, len).
 */
void *vfio_region_mmap_aligned(int device_fd,
			       const struct vfio_region_info *info,
			       size_t len, size_t align)
{
	uintptr_t base, aligned;
	size_t span;
	void *map;

	if (!len)
		len = info->size;
	if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP) || len > info->size ||
	    !align || (align & (align - 1))) {
		lib_log("region %u: cannot map %zu bytes aligned to 0x%zx",
			info->index, len, align);
		errno = EINVAL;
		return MAP_FAILED;
	}

	span = len + align;
	map = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		(void)lib_errno("reserve 0x%zx bytes of address space", span);
		return MAP_FAILED;
	}
	base = (uintptr_t)map;
	aligned = (base + align - 1) & ~(uintptr_t)(align - 1);

	map = mmap((void *)aligned, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_FIXED, device_fd, info->offset);
	if (map == MAP_FAILED) {
		(void)lib_errno("mmap region %u (%zu bytes at 0x%llx) at 0x%lx",
				info->index, len,
				(unsigned long long)info->offset,
				(unsigned long)aligned);
		munmap((void *)base, span);
		errno = EINVAL;
		return MAP_FAILED;
	}

	if (aligned > base)
		munmap((void *)base, aligned - base);
	if (base + span > aligned + len)
		munmap((void *)(aligned + len), base + span - aligned - len);
	return map;
}
