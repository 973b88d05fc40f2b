// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops.match_token_uuid and
 * vfio_pci_core_match_token_uuid(), used for the VF token check on
 * VFIO_DEVICE_BIND_IOMMUFD.
 *
 * Upstream: 86624ba3b522 ("vfio/pci: Do vf_token checks for
 * VFIO_DEVICE_BIND_IOMMUFD"), Linux 6.17.
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
		.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
		/* Before 6.17: the group path checks the VF token in .match. */
		.match = vfio_pci_core_match,
#endif
	};

	return &ops;
}
