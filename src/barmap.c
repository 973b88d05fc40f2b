// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's own mapping of each BAR (vdev->barmap) must match the policy.
 *
 * On x86, vmf_insert_pfn*() and remap_pfn_range() take the cache mode of
 * the PAT memtype already reserved for the range, and vfio-pci's pci_iomap()
 * of the BAR reserves UC-: a WC user mapping would silently come out UC-.
 * So a normal-nc BAR gets a write-combining barmap before userspace can map
 * it; vfio's read/write path and ioeventfds then use WC as well. Device
 * values keep vfio's ioremap.
 *
 * vfio-pci either maps BARs lazily on first mmap/read/write, testing
 * !vdev->barmap[bar] (6.1, 6.12), or eagerly in vfio_pci_core_enable(),
 * with IOMEM_ERR_PTR() for soft failures (7.x). The barmap state right
 * after vfio_pci_core_enable() tells which: NULL, a mapping, or an error.
 * Either way vfio_pci_core_disable() unmaps it and releases the region.
 */

#include <linux/err.h>
#include <linux/io.h>
#include <linux/pci.h>

#include "memattr.h"
#include "policy.h"

static int memattr_barmap_wc(struct vfio_pci_core_device *vdev,
			     unsigned int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io = vdev->barmap[bar];
	int ret;

	/* An eager soft failure: keep it, as vfio fails mmap on it. */
	if (IS_ERR(io))
		return 0;

	if (io) {
		/* Eager: swap the UC- mapping, the region stays requested. */
		pci_iounmap(pdev, io);
		vdev->barmap[bar] = pci_iomap_wc(pdev, bar, 0);
		if (vdev->barmap[bar])
			return 0;
		pci_release_selected_regions(pdev, 1 << bar);
		vdev->barmap[bar] = IOMEM_ERR_PTR(-ENOMEM);
		return -ENOMEM;
	}

	/* Lazy: do what vfio would do on first use, but with WC. */
	ret = pci_request_selected_regions(pdev, 1 << bar, "vfio");
	if (ret)
		return ret;

	io = pci_iomap_wc(pdev, bar, 0);
	if (!io) {
		pci_release_selected_regions(pdev, 1 << bar);
		return -ENOMEM;
	}
	vdev->barmap[bar] = io;
	return 0;
}

/*
 * Called from open_device() between vfio_pci_core_enable() and
 * vfio_pci_core_finish_enable(); on error the caller disables the device.
 */
int memattr_barmap_apply(struct memattr_vfio_pci_device *mdev)
{
	struct vfio_pci_core_device *vdev = &mdev->core_device;
	unsigned int bar;
	int ret;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (mdev->bar[bar].value != MEMATTR_NORMAL_NC)
			continue;

		ret = memattr_barmap_wc(vdev, bar);
		if (ret) {
			pci_notice(vdev->pdev,
				   "BAR %u: no write-combining kernel mapping for normal-nc (%d), open refused\n",
				   bar, ret);
			return ret;
		}
	}
	return 0;
}
