// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops.pasid_{attach,detach}_ioas and the
 * vfio_iommufd_physical_pasid_*() helpers.
 *
 * Upstream: 290641346d0d ("vfio-iommufd: Support pasid [at|de]tach for
 * physical VFIO devices"), Linux 6.15.
 */
#include <linux/vfio.h>

const struct vfio_device_ops *memattr_probe(void);
const struct vfio_device_ops *memattr_probe(void)
{
	static const struct vfio_device_ops ops = {
		.pasid_attach_ioas = vfio_iommufd_physical_pasid_attach_ioas,
		.pasid_detach_ioas = vfio_iommufd_physical_pasid_detach_ioas,
	};

	return &ops;
}
