// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops.get_region_info_caps with
 * vfio_pci_ioctl_get_region_info() as its vfio-pci-core implementation.
 * From then on the vfio core, not vfio_pci_core_ioctl(), answers
 * VFIO_DEVICE_GET_REGION_INFO and requires the op to be set.
 *
 * Upstream: 775f726a742a ("vfio: Add get_region_info_caps op"), Linux 6.19.
 *
 * Paired: with MEMATTR_PROBE_OLD it compiles the older kernels' API
 * instead. probe-features.sh stops the build when neither compiles, so a
 * probe broken for an unrelated reason never drops the feature silently.
 */
#include <linux/vfio_pci_core.h>

const struct vfio_device_ops *memattr_probe(void);
const struct vfio_device_ops *memattr_probe(void)
{
	static const struct vfio_device_ops ops = {
#ifndef MEMATTR_PROBE_OLD
		.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#else
		/* Before 6.19: .ioctl answers VFIO_DEVICE_GET_REGION_INFO. */
		.ioctl = vfio_pci_core_ioctl,
#endif
	};

	return &ops;
}
