// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: a vfio-pci variant driver that lets the admin choose the
 * memory type of each BAR's mappings (sysfs.c, policy.c). Everything else is
 * handed to vfio-pci-core. The policy is applied in two places: the kernel's
 * own BAR mapping at open (barmap.c, x86) and each user mapping at mmap.
 * Mappings of a device that is gone are revoked (revoke.c).
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

static int memattr_vfio_pci_open_device(struct vfio_device *core_vdev)
{
	struct memattr_vfio_pci_device *mdev = memattr_from_vdev(core_vdev);
	struct vfio_pci_core_device *vdev = &mdev->core_device;
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
	struct memattr_vfio_pci_device *mdev = memattr_from_vdev(core_vdev);
	/* Decoded first: vfio-pci on 6.1 rewrites vm_pgoff to the BAR's pfn. */
	unsigned long index = vma->vm_pgoff >>
			      (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT);
	int ret;

	if (index < PCI_STD_NUM_BARS) {
		ret = memattr_barmap_check(mdev, index);
		if (ret)
			return ret;
	}

	ret = vfio_pci_core_mmap(core_vdev, vma);
	if (ret || index >= PCI_STD_NUM_BARS)
		return ret;

	memattr_vma_apply(vma, mdev->bar[index].value);
	return memattr_vma_track(mdev, index, vma);
}

/*
 * vfio asks the user to let go of a device that is being removed. Where
 * revoke.c takes the mappings away, it does so before the user is told,
 * so a user woken by this request finds them gone already.
 */
static void memattr_vfio_pci_request(struct vfio_device *core_vdev,
				     unsigned int count)
{
	memattr_revoke_on_request(memattr_from_vdev(core_vdev), count);
	vfio_pci_core_request(core_vdev, count);
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
	struct memattr_vfio_pci_device *mdev;
	int ret;

	ret = memattr_admission_check(pdev);
	if (ret)
		return ret;

	mdev = vfio_alloc_device(memattr_vfio_pci_device, core_device.vdev,
				 &pdev->dev, &memattr_vfio_pci_ops);
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);

	memattr_vma_init(mdev);
	/* Before registration: from then on the device can be opened. */
	memattr_policy_init(mdev);
	ratelimit_state_init(&mdev->refusal_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);

	/* vfio-pci-core's error handlers expect the core device here. */
	dev_set_drvdata(&pdev->dev, &mdev->core_device);

	ret = vfio_pci_core_register_device(&mdev->core_device);
	if (ret)
		goto out_put;

	memattr_debugfs_add(mdev);
	return 0;

out_put:
	vfio_put_device(&mdev->core_device.vdev);
	return ret;
}

static void memattr_vfio_pci_remove(struct pci_dev *pdev)
{
	struct memattr_vfio_pci_device *mdev = memattr_from_dev(&pdev->dev);

	memattr_debugfs_remove(mdev);
	vfio_pci_core_unregister_device(&mdev->core_device);
	vfio_put_device(&mdev->core_device.vdev);
}

static bool enable_sriov;
module_param(enable_sriov, bool, 0644);
MODULE_PARM_DESC(enable_sriov,
		 "Allow creating VFs through sriov_numvfs, as vfio-pci's parameter of the same name (needs a user-space PF driver; default: false)");

static int memattr_vfio_pci_sriov_configure(struct pci_dev *pdev,
					    int nr_virtfn)
{
	struct memattr_vfio_pci_device *mdev = memattr_from_dev(&pdev->dev);

	if (!READ_ONCE(enable_sriov))
		return -ENOENT;
	return vfio_pci_core_sriov_configure(&mdev->core_device, nr_virtfn);
}

/* vfio's handler signals the user; a device given up loses its mappings. */
static pci_ers_result_t
memattr_vfio_pci_error_detected(struct pci_dev *pdev,
				pci_channel_state_t state)
{
	pci_ers_result_t ret;

	ret = vfio_pci_core_err_handlers.error_detected(pdev, state);
	memattr_revoke_on_error(memattr_from_dev(&pdev->dev), state);
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

static int __init memattr_vfio_pci_init(void)
{
	int ret;

	memattr_debugfs_init();
	ret = pci_register_driver(&memattr_vfio_pci_driver);
	if (ret)
		memattr_debugfs_exit();
	return ret;
}
module_init(memattr_vfio_pci_init);

static void __exit memattr_vfio_pci_exit(void)
{
	pci_unregister_driver(&memattr_vfio_pci_driver);
	memattr_debugfs_exit();
}
module_exit(memattr_vfio_pci_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("memattr-vfio-pci developers");
MODULE_DESCRIPTION("VFIO PCI variant driver with per-BAR memory attribute control");
