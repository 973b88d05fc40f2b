// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: a vfio-pci variant driver that lets the admin choose the
 * memory type of each BAR's mappings (sysfs.c, policy.c). Everything else is
 * handed to vfio-pci-core. The policy is applied in two places: the kernel's
 * own BAR mapping at open (barmap.c, x86) and each user mapping at mmap.
 * Mappings of a device that is gone are revoked (revoke.c). The same
 * knobs serve devices left on stock vfio-pci (attach.c), and a policy
 * keyed by PCI ID or address gives the values before the first open in
 * both modes (rules.c).
 *
 * It binds only when driver_override names it, like vfio-pci itself.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "compat.h"
#include "memattr.h"
#include "policy.h"

/* The variant driver's vfio device, with this driver's state beside it. */
struct memattr_variant {
	/* Must stay first: vfio_alloc_device() requires offset 0. */
	struct vfio_pci_core_device core_device;
	struct memattr_device mdev;
};

static struct memattr_device *memattr_variant(struct vfio_device *core_vdev)
{
	return &container_of(core_vdev, struct memattr_variant,
			     core_device.vdev)->mdev;
}

static int memattr_vfio_pci_open_device(struct vfio_device *core_vdev)
{
	struct memattr_device *mdev = memattr_variant(core_vdev);
	struct vfio_pci_core_device *vdev = mdev->core;
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;

	/* Before finish_enable, so no user can map or access a BAR yet. */
	memattr_barmap_apply(mdev);
	vfio_pci_core_finish_enable(vdev);
	return 0;
}

static int memattr_vfio_pci_mmap(struct vfio_device *core_vdev,
				 struct vm_area_struct *vma)
{
	return memattr_device_mmap(memattr_variant(core_vdev), vma);
}

static void memattr_vfio_pci_request(struct vfio_device *core_vdev,
				     unsigned int count)
{
	memattr_device_request(memattr_variant(core_vdev), count);
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
	.request = memattr_vfio_pci_request,
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
	struct memattr_variant *variant;
	int ret;

	ret = memattr_admission_check(pdev);
	if (ret)
		return ret;

	variant = vfio_alloc_device(memattr_variant, core_device.vdev,
				    &pdev->dev, &memattr_vfio_pci_ops);
	if (IS_ERR(variant))
		return PTR_ERR(variant);

	/* Before registration: from then on the device can be opened. */
	memattr_device_init(&variant->mdev, &variant->core_device);
	variant->mdev.managed = true;

	/* vfio-pci-core's error handlers expect the core device here. */
	dev_set_drvdata(&pdev->dev, &variant->core_device);
	/* dma-buf export of the BARs where the kernel has it, as vfio-pci. */
	memattr_compat_set_pci_ops(&variant->core_device);

	ret = vfio_pci_core_register_device(&variant->core_device);
	if (ret)
		goto out_put;

	memattr_debugfs_add(&variant->mdev);
	return 0;

out_put:
	vfio_put_device(&variant->core_device.vdev);
	return ret;
}

static void memattr_vfio_pci_remove(struct pci_dev *pdev)
{
	struct memattr_device *mdev = memattr_variant_from_dev(&pdev->dev);

	memattr_debugfs_remove(mdev);
	vfio_pci_core_unregister_device(mdev->core);
	vfio_put_device(&mdev->core->vdev);
}

static bool enable_sriov;
module_param(enable_sriov, bool, 0644);
MODULE_PARM_DESC(enable_sriov,
		 "Allow creating VFs through sriov_numvfs, as vfio-pci's parameter of the same name (needs a user-space PF driver; default: false)");

static int memattr_vfio_pci_sriov_configure(struct pci_dev *pdev,
					    int nr_virtfn)
{
	struct memattr_device *mdev = memattr_variant_from_dev(&pdev->dev);

	if (!READ_ONCE(enable_sriov))
		return -ENOENT;
	return vfio_pci_core_sriov_configure(mdev->core, nr_virtfn);
}

/* vfio's handler signals the user; a device given up loses its mappings. */
static pci_ers_result_t
memattr_vfio_pci_error_detected(struct pci_dev *pdev,
				pci_channel_state_t state)
{
	pci_ers_result_t ret;

	ret = vfio_pci_core_err_handlers.error_detected(pdev, state);
	memattr_revoke_on_error(memattr_variant_from_dev(&pdev->dev), state);
	return ret;
}

static const struct pci_error_handlers memattr_vfio_pci_err_handlers = {
	.error_detected = memattr_vfio_pci_error_detected,
};

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
	.sriov_configure = memattr_vfio_pci_sriov_configure,
	.err_handler = &memattr_vfio_pci_err_handlers,
	/* DMA ownership is claimed by vfio when userspace opens the device. */
	.driver_managed_dma = true,
	/* Created by the driver core before the bind uevent. */
	.dev_groups = memattr_dev_groups,
};

/* The state of a device bound to this driver, or NULL. */
struct memattr_device *memattr_variant_from_dev(struct device *dev)
{
	struct vfio_pci_core_device *core;

	if (dev->driver != &memattr_vfio_pci_driver.driver)
		return NULL;
	core = dev_get_drvdata(dev);
	return &container_of(core, struct memattr_variant, core_device)->mdev;
}

static int __init memattr_vfio_pci_init(void)
{
	int ret;

	memattr_debugfs_init();
	ret = pci_register_driver(&memattr_vfio_pci_driver);
	if (ret)
		goto out_debugfs;
	ret = memattr_attach_init();
	if (ret)
		goto out_driver;
	return 0;

out_driver:
	pci_unregister_driver(&memattr_vfio_pci_driver);
out_debugfs:
	memattr_debugfs_exit();
	return ret;
}
module_init(memattr_vfio_pci_init);

static void __exit memattr_vfio_pci_exit(void)
{
	memattr_attach_exit();
	pci_unregister_driver(&memattr_vfio_pci_driver);
	memattr_debugfs_exit();
}
module_exit(memattr_vfio_pci_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("memattr-vfio-pci developers");
MODULE_DESCRIPTION("VFIO PCI variant driver with per-BAR memory attribute control");
