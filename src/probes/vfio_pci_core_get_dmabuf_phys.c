// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_pci_core_device.pci_ops and vfio_pci_core_get_dmabuf_phys(),
 * which vfio-pci sets to export BARs as dma-bufs
 * (VFIO_DEVICE_FEATURE_DMA_BUF, drivers/vfio/pci/vfio_pci_dmabuf.c; in
 * Debian's 7.2 with CONFIG_VFIO_PCI_DMABUF=y, absent from 6.1 and 6.12).
 *
 * Paired: with MEMATTR_PROBE_OLD it proves the kernel has no such ops
 * struct (defining one of that name compiles only then), so a probe broken
 * for an unrelated reason never drops the export silently.
 */
#include <linux/vfio_pci_core.h>

#ifdef MEMATTR_PROBE_OLD
/* Compiles only where the header has no struct of this name. */
struct vfio_pci_device_ops {
	int memattr_probe;
};
#endif

int memattr_probe(struct vfio_pci_core_device *vdev);
int memattr_probe(struct vfio_pci_core_device *vdev)
{
#ifndef MEMATTR_PROBE_OLD
	static const struct vfio_pci_device_ops ops = {
		.get_dmabuf_phys = vfio_pci_core_get_dmabuf_phys,
	};

	vdev->pci_ops = &ops;
	return 0;
#else
	static const struct vfio_pci_device_ops ops = { .memattr_probe = 1 };

	return ops.memattr_probe;
#endif
}
