// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the variant driver (main.c) and attach mode (attach.c) do the same
 * way once they have a struct memattr_device: set it up, find it from the
 * PCI device, map a BAR, and answer vfio's release request.
 */

#include <linux/lockdep.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "compat.h"
#include "memattr.h"
#include "policy.h"

/* Before the device can be opened: the policy is in place at first open. */
void memattr_device_init(struct memattr_device *mdev,
			 struct vfio_pci_core_device *core)
{
	mdev->core = core;
	memattr_vma_init(mdev);
	ratelimit_state_init(&mdev->refusal_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	memattr_policy_init(mdev);
}

/* The state of a PCI device bound to either driver, or NULL. */
struct memattr_device *memattr_from_dev(struct device *dev)
{
	return memattr_variant_from_dev(dev) ?: memattr_attached_from_dev(dev);
}

/*
 * Sets one BAR's value; the caller checked memattr_bar_allows() and holds
 * dev_set->lock with the device closed. A device left on vfio-pci takes
 * this driver's ops when a BAR first gets a value of its own, and keeps
 * them until it is unbound.
 */
int memattr_device_set_bar(struct memattr_device *mdev, unsigned int bar,
			   enum memattr_value value)
{
	int ret;

	lockdep_assert_held(&mdev->core->vdev.dev_set->lock);
	if (mdev->attached && value != MEMATTR_DEFAULT) {
		ret = memattr_attach_engage(mdev);
		if (ret)
			return ret;
	}
	memattr_bar_set(mdev, bar, value);
	return 0;
}

/*
 * The mmap op of both modes. vfio-pci's own is vfio_pci_core_mmap() on
 * every supported kernel (attach.c checks it before it takes a device).
 */
int memattr_device_mmap(struct memattr_device *mdev,
			struct vm_area_struct *vma)
{
	/* Decoded first: vfio-pci on 6.1 rewrites vm_pgoff to the BAR's pfn. */
	unsigned long index = vma->vm_pgoff >>
			      (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT);
	int ret;

	if (!READ_ONCE(mdev->managed))
		return vfio_pci_core_mmap(&mdev->core->vdev, vma);

	if (index < PCI_STD_NUM_BARS) {
		ret = memattr_barmap_check(mdev, index);
		if (ret)
			return ret;
	}

	ret = vfio_pci_core_mmap(&mdev->core->vdev, vma);
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
void memattr_device_request(struct memattr_device *mdev, unsigned int count)
{
	if (READ_ONCE(mdev->managed))
		memattr_revoke_on_request(mdev, count);
	vfio_pci_core_request(&mdev->core->vdev, count);
}
