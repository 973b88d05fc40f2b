// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops.{bind,unbind}_iommufd/.attach_ioas and the
 * vfio_iommufd_physical_*() helpers for physical devices.
 *
 * Upstream: a4d1f91db502 ("vfio-iommufd: Support iommufd for physical VFIO
 * devices"), Linux 6.2.
 */
#include <linux/vfio.h>

const struct vfio_device_ops *memattr_probe(void);
const struct vfio_device_ops *memattr_probe(void)
{
	static const struct vfio_device_ops ops = {
		.bind_iommufd = vfio_iommufd_physical_bind,
		.unbind_iommufd = vfio_iommufd_physical_unbind,
		.attach_ioas = vfio_iommufd_physical_attach_ioas,
	};

	return &ops;
}
