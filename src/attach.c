// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attach mode: the same per-BAR knobs for devices bound to stock vfio-pci,
 * for the many VFIO users that accept only a driver named "vfio-pci".
 *
 * While this module is loaded, every device bound to vfio-pci gets the
 * memattr/ sysfs group, a debugfs file and the policy (rules.c), at bind
 * (a PCI bus notifier) or at module load. Such a device is "engaged" from
 * the first time one of its BARs gets a value other than default until it
 * is unbound: its vfio_device_ops are then a copy of vfio-pci's with
 * open_device, close_device, mmap and request wrapped, and the wrappers do
 * what the variant driver does. A device with nothing configured keeps
 * vfio-pci's own ops, so it is stock vfio-pci, code path included.
 * vfio-pci.ko itself is never changed.
 *
 * Why switching vdev->ops is safe. vfio core reads device->ops afresh at
 * every call, and calls:
 *
 *  - open_device and close_device (and the iommufd ops) under
 *    dev_set->lock; read, write, ioctl, device_feature and mmap only
 *    through an open device file;
 *  - match (group path, under the group's device_lock), request (in
 *    vfio_unregister_group_dev(), from vfio-pci's remove()), release (the
 *    last put of the vfio device), name (vfio-pci-core's bus notifier, for
 *    a PF's VFs) and match_token_uuid (7.x) at any time.
 *
 * The ops are switched to the copy only under dev_set->lock, and back to
 * vfio-pci's only once vfio-pci's remove() has taken the device off its
 * group (no reader is left then but the last put). The copy keeps
 * vfio-pci's own match, release, name and match_token_uuid, so a reader
 * that loaded either pointer gets the same thing. Each attached device
 * holds a reference on its vfio device, so release runs only after this
 * module put vfio-pci's ops back.
 *
 * Module lifetime. The wrappers and the VMAs' vm_ops copies (vma.c) are
 * this module's code, and vfio core pins only vfio-pci while a device is
 * open. So an engaged device holds a reference on this module, taken with
 * try_module_get() (refused once rmmod has begun) and dropped when the
 * device is unbound: rmmod is refused while any device on vfio-pci was
 * configured since its bind, and once it has begun no device is or
 * becomes engaged. Nothing is left behind: a copy is only freed after
 * its device left its group, when no reader can hold it any more. The
 * reference is dropped in the bus notifier, which the exit path waits for
 * (bus_unregister_notifier()).
 *
 * The exit path detaches each device under its device_lock, with the bus
 * notifier still registered: the device is then either still bound to
 * vfio-pci (so vfio-pci's remove(), and its module's unload, wait) or was
 * detached by the notifier already; and no attach can start once it has
 * begun (memattr_attach_exiting).
 *
 * Engaging while open: a device can be open already when it is attached
 * (bound and opened before this module was loaded, or opened between
 * vfio-pci's registration and the bind notifier). Its ops are switched at
 * once, but that open is not managed (no barmap, mmap passes through), so
 * nothing is claimed that the open did not get; the policy applies from
 * the next open.
 */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "compat.h"
#include "memattr.h"
#include "policy.h"

#define MEMATTR_STOCK_DRIVER "vfio-pci"

struct memattr_attached;

/* What an engaged device's vdev->ops points at. */
struct memattr_attach_ops {
	struct vfio_device_ops ops;
	struct memattr_attached *ad;
};

struct memattr_attached {
	struct list_head node;			/* memattr_attached_list */
	struct pci_dev *pdev;
	const struct vfio_device_ops *orig;	/* vfio-pci's */
	struct memattr_attach_ops *ops;		/* the copy */
	bool sysfs;				/* the group is there */
	struct memattr_device mdev;
};

/* Attached devices; taken inside the PCI device's device_lock. */
static DEFINE_MUTEX(memattr_attached_lock);
static LIST_HEAD(memattr_attached_list);
static bool memattr_attach_exiting;		/* under memattr_attached_lock */

static struct memattr_attached *memattr_attached(struct vfio_device *core_vdev)
{
	return container_of(core_vdev->ops, struct memattr_attach_ops, ops)->ad;
}

static struct memattr_attached *memattr_attached_find(struct pci_dev *pdev)
{
	struct memattr_attached *ad;

	lockdep_assert_held(&memattr_attached_lock);
	list_for_each_entry(ad, &memattr_attached_list, node)
		if (ad->pdev == pdev)
			return ad;
	return NULL;
}

/*
 * For sysfs show and store: the state stays valid after the lock is
 * dropped, because it is freed only after the sysfs group is removed,
 * which waits for them.
 */
struct memattr_device *memattr_attached_from_dev(struct device *dev)
{
	struct memattr_attached *ad;

	if (!dev_is_pci(dev))
		return NULL;
	mutex_lock(&memattr_attached_lock);
	ad = memattr_attached_find(to_pci_dev(dev));
	mutex_unlock(&memattr_attached_lock);
	return ad ? &ad->mdev : NULL;
}

static int memattr_attach_open_device(struct vfio_device *core_vdev)
{
	struct memattr_attached *ad = memattr_attached(core_vdev);
	int ret;

	ret = ad->orig->open_device(core_vdev);
	if (ret)
		return ret;

	/*
	 * vfio-pci has enabled the device; the user gets the file only
	 * after this returns, so no BAR is mapped or accessed yet.
	 */
	memattr_barmap_apply(&ad->mdev);
	WRITE_ONCE(ad->mdev.managed, true);
	return 0;
}

static void memattr_attach_close_device(struct vfio_device *core_vdev)
{
	struct memattr_attached *ad = memattr_attached(core_vdev);

	ad->orig->close_device(core_vdev);
	WRITE_ONCE(ad->mdev.managed, false);
}

static int memattr_attach_mmap(struct vfio_device *core_vdev,
			       struct vm_area_struct *vma)
{
	return memattr_device_mmap(&memattr_attached(core_vdev)->mdev, vma);
}

static void memattr_attach_request(struct vfio_device *core_vdev,
				   unsigned int count)
{
	memattr_device_request(&memattr_attached(core_vdev)->mdev, count);
}

/*
 * Called with dev_set->lock held when a BAR gets a value of its own:
 * switches the device to the copy. Open only when called at attach.
 */
int memattr_attach_engage(struct memattr_device *mdev)
{
	struct memattr_attached *ad =
		container_of(mdev, struct memattr_attached, mdev);
	struct vfio_device *core_vdev = &mdev->core->vdev;

	lockdep_assert_held(&core_vdev->dev_set->lock);
	if (core_vdev->ops == &ad->ops->ops)
		return 0;
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;

	if (core_vdev->open_count) {
		pci_notice(ad->pdev,
			   "memattr: attached while open: its BAR values apply from the next open\n");
		WRITE_ONCE(mdev->managed, false);
	}
	/* The copy was filled at attach; readers without the lock see it. */
	smp_store_release(&core_vdev->ops, &ad->ops->ops);
	return 0;
}

/*
 * Back to vfio-pci's ops, dev_set->lock held: only for a device that
 * vfio-pci's remove() has unregistered (closed, off its group).
 */
static void memattr_attach_disengage(struct memattr_attached *ad)
{
	struct vfio_device *core_vdev = &ad->mdev.core->vdev;

	lockdep_assert_held(&core_vdev->dev_set->lock);
	if (core_vdev->ops != &ad->ops->ops)
		return;
	WARN_ON(core_vdev->open_count);
	WRITE_ONCE(core_vdev->ops, ad->orig);
	module_put(THIS_MODULE);
}

/*
 * The ops of a device this module knows how to wrap: vfio-pci's, whose
 * mmap and request are vfio-pci-core's (memattr_device_mmap() and
 * memattr_device_request() call those).
 */
static bool memattr_attach_known_ops(const struct vfio_device_ops *ops)
{
	return ops && ops->open_device && ops->close_device &&
	       ops->mmap == vfio_pci_core_mmap &&
	       ops->request == vfio_pci_core_request;
}

static struct memattr_attach_ops *
memattr_attach_ops_alloc(struct memattr_attached *ad)
{
	struct memattr_attach_ops *ops = kzalloc(sizeof(*ops), GFP_KERNEL);

	if (!ops)
		return NULL;
	ops->ops = *ad->orig;
	ops->ops.open_device = memattr_attach_open_device;
	ops->ops.close_device = memattr_attach_close_device;
	ops->ops.mmap = memattr_attach_mmap;
	ops->ops.request = memattr_attach_request;
	ops->ad = ad;
	return ops;
}

static bool memattr_attach_configured(struct memattr_device *mdev)
{
	unsigned int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		if (mdev->bar[bar].value != MEMATTR_DEFAULT)
			return true;
	return false;
}

static void memattr_attached_free(struct memattr_attached *ad)
{
	put_device(&ad->mdev.core->vdev.device);
	kfree(ad->ops);
	pci_dev_put(ad->pdev);
	kfree(ad);
}

/* device_lock(&pdev->dev) held, the device bound to vfio-pci. */
static void memattr_attach_device(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct memattr_attached *ad;
	bool skip;
	int ret;

	device_lock_assert(&pdev->dev);
	if (!pdev->dev.driver ||
	    strcmp(pdev->dev.driver->name, MEMATTR_STOCK_DRIVER))
		return;
	if (!core || core->pdev != pdev ||
	    !memattr_attach_known_ops(core->vdev.ops)) {
		pci_notice(pdev, "memattr: vfio-pci's device ops are not the ones this driver knows, not attached\n");
		return;
	}

	ad = kzalloc(sizeof(*ad), GFP_KERNEL);
	if (!ad)
		goto fail;
	ad->pdev = pci_dev_get(pdev);
	ad->orig = core->vdev.ops;
	ad->ops = memattr_attach_ops_alloc(ad);
	if (!ad->ops) {
		pci_dev_put(ad->pdev);
		kfree(ad);
		goto fail;
	}
	get_device(&core->vdev.device);
	ad->mdev.attached = true;
	memattr_device_init(&ad->mdev, core);

	/* Seen twice (notifier and module load), or rmmod has begun. */
	mutex_lock(&memattr_attached_lock);
	skip = memattr_attach_exiting || memattr_attached_find(pdev);
	if (!skip)
		list_add(&ad->node, &memattr_attached_list);
	mutex_unlock(&memattr_attached_lock);
	if (skip) {
		memattr_attached_free(ad);
		return;
	}

	/*
	 * The knobs before the policy can engage the device: an engaged
	 * device pins the module, and without them nothing could set it
	 * back to default. Before the bind uevent, as dev_groups would be.
	 */
	ret = sysfs_create_group(&pdev->dev.kobj, &memattr_group);
	if (ret) {
		pci_warn(pdev, "memattr: no sysfs knobs (%d), not attached\n",
			 ret);
		mutex_lock(&memattr_attached_lock);
		list_del(&ad->node);
		mutex_unlock(&memattr_attached_lock);
		memattr_attached_free(ad);
		return;
	}
	ad->sysfs = true;

	mutex_lock(&core->vdev.dev_set->lock);
	if (memattr_attach_configured(&ad->mdev) &&
	    memattr_attach_engage(&ad->mdev))
		memattr_policy_reset(&ad->mdev);
	mutex_unlock(&core->vdev.dev_set->lock);
	memattr_debugfs_add(&ad->mdev);
	return;

fail:
	pci_warn(pdev, "memattr: out of memory, not attached\n");
}

static void memattr_attach_remove_files(struct memattr_attached *ad)
{
	if (ad->sysfs)
		sysfs_remove_group(&ad->pdev->dev.kobj, &memattr_group);
	ad->sysfs = false;
	memattr_debugfs_remove(&ad->mdev);
}

/* The knobs go before vfio-pci's remove(), as a driver's dev_groups do. */
static void memattr_attach_unbind(struct pci_dev *pdev)
{
	struct memattr_attached *ad;

	mutex_lock(&memattr_attached_lock);
	ad = memattr_attached_find(pdev);
	mutex_unlock(&memattr_attached_lock);
	if (ad)
		memattr_attach_remove_files(ad);
}

/*
 * At unbind (UNBOUND: vfio-pci's remove() has taken the device off its
 * group, closed) or at rmmod (no device is engaged then).
 */
static void memattr_detach(struct memattr_attached *ad)
{
	struct vfio_device *core_vdev = &ad->mdev.core->vdev;

	mutex_lock(&memattr_attached_lock);
	list_del(&ad->node);
	mutex_unlock(&memattr_attached_lock);

	memattr_attach_remove_files(ad);

	mutex_lock(&core_vdev->dev_set->lock);
	memattr_attach_disengage(ad);
	mutex_unlock(&core_vdev->dev_set->lock);

	memattr_attached_free(ad);
}

static int memattr_attach_notify(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct memattr_attached *ad;

	switch (action) {
	case BUS_NOTIFY_BOUND_DRIVER:
		memattr_attach_device(pdev);
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		memattr_attach_unbind(pdev);
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
		mutex_lock(&memattr_attached_lock);
		ad = memattr_attached_find(pdev);
		mutex_unlock(&memattr_attached_lock);
		if (ad)
			memattr_detach(ad);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block memattr_attach_nb = {
	.notifier_call = memattr_attach_notify,
};

static int memattr_attach_existing(struct device *dev, void *unused)
{
	device_lock(dev);
	memattr_attach_device(to_pci_dev(dev));
	device_unlock(dev);
	return 0;
}

/*
 * The notifier first, then the devices bound already: a device bound in
 * between is seen twice, and attached once.
 */
int memattr_attach_init(void)
{
	int ret;

	ret = bus_register_notifier(&pci_bus_type, &memattr_attach_nb);
	if (ret)
		return ret;
	bus_for_each_dev(&pci_bus_type, NULL, NULL, memattr_attach_existing);
	return 0;
}

/*
 * rmmod: the module's use count was 0, so no device is engaged, and
 * neither a sysfs store (removed with its device's group, before the
 * device is detached) nor an attach (memattr_attach_exiting) can engage
 * one now. Each device is detached under its device_lock while the
 * notifier is still registered, so an unbind or removal of it either
 * has not started (and waits) or has detached it already.
 */
void memattr_attach_exit(void)
{
	struct memattr_attached *ad;
	struct pci_dev *pdev;

	mutex_lock(&memattr_attached_lock);
	memattr_attach_exiting = true;
	mutex_unlock(&memattr_attached_lock);

	for (;;) {
		mutex_lock(&memattr_attached_lock);
		ad = list_first_entry_or_null(&memattr_attached_list,
					      struct memattr_attached, node);
		pdev = ad ? pci_dev_get(ad->pdev) : NULL;
		mutex_unlock(&memattr_attached_lock);
		if (!pdev)
			break;

		device_lock(&pdev->dev);
		mutex_lock(&memattr_attached_lock);
		ad = memattr_attached_find(pdev);
		mutex_unlock(&memattr_attached_lock);
		if (ad)
			memattr_detach(ad);
		device_unlock(&pdev->dev);
		pci_dev_put(pdev);
	}

	/* Waits for notifier calls in progress; they find nothing to do. */
	bus_unregister_notifier(&pci_bus_type, &memattr_attach_nb);
}
