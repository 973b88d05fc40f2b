// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops.get_region_info_caps with
 * vfio_pci_ioctl_get_region_info() as its vfio-pci-core implementation.
 * From then on the vfio core, not vfio_pci_core_ioctl(), answers
 * VFIO_DEVICE_GET_REGION_INFO and requires the op to be set.
 *
 * Upstream: 775f726a742a ("vfio: Add get_region_info_caps op"), Linux 6.19.
 */
#include <linux/vfio_pci_core.h>

const struct vfio_device_ops *memattr_probe(void);
const struct vfio_device_ops *memattr_probe(void)
{
	static const struct vfio_device_ops ops = {
		.get_region_info_caps = vfio_pci_ioctl_get_region_info,
	};

	return &ops;
}
