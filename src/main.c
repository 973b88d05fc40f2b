// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: a vfio-pci variant driver that will let the admin choose
 * the memory type of BAR mappings. For now it behaves exactly like vfio-pci:
 * every operation is handed to vfio-pci-core, and mmap goes through
 * memattr_vfio_pci_mmap() so the policy has one place to hook in.
 *
 * It binds only when driver_override names it, like vfio-pci itself.
 */

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "compat.h"

#define MEMATTR_VFIO_PCI_NAME "memattr-vfio-pci"

struct memattr_vfio_pci_device {
	/* Must stay first: vfio_alloc_device() requires offset 0. */
	struct vfio_pci_core_device core_device;
};

static int memattr_vfio_pci_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;

	vfio_pci_core_finish_enable(vdev);
	return 0;
}

/* The memory-type policy for BAR mappings will be applied here. */
static int memattr_vfio_pci_mmap(struct vfio_device *core_vdev,
				 struct vm_area_struct *vma)
{
	return vfio_pci_core_mmap(core_vdev, vma);
}

static const struct vfio_device_ops memattr_vfio_pci_ops = {
	.name = MEMATTR_VFIO_PCI_NAME,
	.init = vfio_pci_core_init_dev,
	.release = vfio_pci_core_release_dev,
	.open_device = memattr_vfio_pci_open_device,
	.close_device = vfio_pci_core_close_device,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = memattr_vfio_pci_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	MEMATTR_COMPAT_REGION_INFO_OPS
	MEMATTR_COMPAT_MATCH_TOKEN_OPS
	MEMATTR_COMPAT_IOMMUFD_OPS
	MEMATTR_COMPAT_DETACH_IOAS_OPS
	MEMATTR_COMPAT_PASID_OPS
};

static int memattr_vfio_pci_probe(struct pci_dev *pdev,
				  const struct pci_device_id *id)
{
	struct memattr_vfio_pci_device *mdev;
	int ret;

	mdev = vfio_alloc_device(memattr_vfio_pci_device, core_device.vdev,
				 &pdev->dev, &memattr_vfio_pci_ops);
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);

	/* vfio-pci-core's error handlers expect the core device here. */
	dev_set_drvdata(&pdev->dev, &mdev->core_device);

	ret = vfio_pci_core_register_device(&mdev->core_device);
	if (ret)
		goto out_put;

	return 0;

out_put:
	vfio_put_device(&mdev->core_device.vdev);
	return ret;
}

static void memattr_vfio_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core_device = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(core_device);
	vfio_put_device(&core_device->vdev);
}

static const struct pci_device_id memattr_vfio_pci_table[] = {
	/* Any device, but only through driver_override. */
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{}
};
MODULE_DEVICE_TABLE(pci, memattr_vfio_pci_table);

static struct pci_driver memattr_vfio_pci_driver = {
	.name = MEMATTR_VFIO_PCI_NAME,
	.id_table = memattr_vfio_pci_table,
	.probe = memattr_vfio_pci_probe,
	.remove = memattr_vfio_pci_remove,
	.err_handler = &vfio_pci_core_err_handlers,
	/* DMA ownership is claimed by vfio when userspace opens the device. */
	.driver_managed_dma = true,
};
module_pci_driver(memattr_vfio_pci_driver);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("memattr-vfio-pci developers");
MODULE_DESCRIPTION("VFIO PCI variant driver with per-BAR memory attribute control");
