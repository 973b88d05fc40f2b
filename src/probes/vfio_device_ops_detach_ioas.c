// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops.detach_ioas and vfio_iommufd_physical_detach_ioas().
 *
 * Upstream: 9048c7341c4d ("vfio-iommufd: Add detach_ioas support for physical
 * VFIO devices"), Linux 6.6.
 */
#include <linux/vfio.h>

const struct vfio_device_ops *memattr_probe(void);
const struct vfio_device_ops *memattr_probe(void)
{
	static const struct vfio_device_ops ops = {
		.detach_ioas = vfio_iommufd_physical_detach_ioas,
	};

	return &ops;
}
