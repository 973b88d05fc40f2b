// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user mappings of the BARs. Each BAR's VMAs point at a per-BAR copy of
 * vfio-pci-core's vm_operations_struct whose fault, huge_fault, open and
 * close call vfio's own after doing three things vfio cannot do for us:
 *
 *  - count faults, and keep a list of the VMAs (debugfs shows both);
 *  - zap those VMAs when the device is going away (memattr_vma_revoke());
 *  - and from then on answer every fault with SIGBUS.
 *
 * The copy is taken at run time from the first VMA, so members that only
 * some kernels have pass through untouched.
 *
 * Lifetime: a VMA holds a reference on the vfio device file, so the device
 * stays open while any VMA exists. While it is open, vfio core holds a
 * reference on this module (try_module_get() in the first open, dropped on
 * the last close) and vfio_pci_core_unregister_device() in remove() waits
 * for the last close: neither the copy (inside the device) nor these
 * functions can go away under a VMA.
 *
 * Locking: the mm calls open and close with the mmap lock held, and they
 * take vmas_lock, so the mmap lock comes first. Faults hold revoke_sem for
 * reading across vfio's fault, so once memattr_vma_revoke() has set
 * ->revoked under the write side, no fault can still install an entry.
 */

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "compat.h"
#include "memattr.h"

/* One VMA of a BAR, on mdev->vmas. */
struct memattr_vma {
	struct list_head node;
	struct vm_area_struct *vma;
	unsigned int bar;
	bool zapped;		/* by memattr_vma_revoke() */
};

static struct memattr_bar *memattr_vma_bar(struct vm_area_struct *vma)
{
	return container_of(vma->vm_ops, struct memattr_bar, vm_ops);
}

static void memattr_vma_link(struct memattr_vfio_pci_device *mdev,
			     struct memattr_vma *mv,
			     struct vm_area_struct *vma, unsigned int bar)
{
	mv->vma = vma;
	mv->bar = bar;
	mv->zapped = false;
	mutex_lock(&mdev->vmas_lock);
	list_add(&mv->node, &mdev->vmas);
	mutex_unlock(&mdev->vmas_lock);
}

static void memattr_count_fault(struct memattr_bar *bar, vm_fault_t ret)
{
	if (!(ret & (VM_FAULT_ERROR | VM_FAULT_FALLBACK)))
		atomic64_inc(&bar->faults);
}

static vm_fault_t memattr_vma_fault(struct vm_fault *vmf)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);
	struct memattr_vfio_pci_device *mdev = bar->mdev;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&mdev->revoke_sem);
	if (!mdev->revoked)
		ret = bar->core_vm_ops->fault(vmf);
	up_read(&mdev->revoke_sem);
	memattr_count_fault(bar, ret);
	return ret;
}

#ifdef MEMATTR_WRAP_HUGE_FAULT
static vm_fault_t memattr_vma_huge_fault(struct vm_fault *vmf,
					 unsigned int order)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);
	struct memattr_vfio_pci_device *mdev = bar->mdev;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&mdev->revoke_sem);
	if (!mdev->revoked)
		ret = bar->core_vm_ops->huge_fault(vmf, order);
	up_read(&mdev->revoke_sem);
	memattr_count_fault(bar, ret);
	return ret;
}
#endif

/*
 * A split or a fork: one more VMA of the BAR. It may carry entries without
 * a fault (a fork copies them after this call), so it is tracked like the
 * first. ->open cannot fail, and the entry is a few bytes: __GFP_NOFAIL.
 */
static void memattr_vma_open(struct vm_area_struct *vma)
{
	struct memattr_bar *bar = memattr_vma_bar(vma);
	struct memattr_vma *mv;

	mv = kmalloc(sizeof(*mv), GFP_KERNEL | __GFP_NOFAIL);
	memattr_vma_link(bar->mdev, mv, vma, bar - bar->mdev->bar);
	if (bar->core_vm_ops->open)
		bar->core_vm_ops->open(vma);
}

static void memattr_vma_close(struct vm_area_struct *vma)
{
	struct memattr_bar *bar = memattr_vma_bar(vma);
	struct memattr_vfio_pci_device *mdev = bar->mdev;
	struct memattr_vma *mv, *found = NULL;

	if (bar->core_vm_ops->close)
		bar->core_vm_ops->close(vma);

	mutex_lock(&mdev->vmas_lock);
	list_for_each_entry(mv, &mdev->vmas, node) {
		if (mv->vma == vma) {
			found = mv;
			list_del(&mv->node);
			break;
		}
	}
	mutex_unlock(&mdev->vmas_lock);
	kfree(found);
}

static void memattr_vma_init_ops(struct memattr_bar *bar,
				 const struct vm_operations_struct *core_ops)
{
	bar->vm_ops = *core_ops;
	if (core_ops->fault)
		bar->vm_ops.fault = memattr_vma_fault;
#ifdef MEMATTR_WRAP_HUGE_FAULT
	if (core_ops->huge_fault)
		bar->vm_ops.huge_fault = memattr_vma_huge_fault;
#endif
	bar->vm_ops.open = memattr_vma_open;
	bar->vm_ops.close = memattr_vma_close;
	bar->core_vm_ops = core_ops;
}

/*
 * Called after vfio_pci_core_mmap() succeeded for BAR @index. vfio keeps no
 * state per VMA at mmap, so failing here is clean: the mm frees the VMA
 * without calling ->close. Where the mm core can still fail the mmap after
 * ->mmap, it calls ->close, which unlinks the VMA again.
 */
int memattr_vma_track(struct memattr_vfio_pci_device *mdev,
		      unsigned int index, struct vm_area_struct *vma)
{
	const struct vm_operations_struct *core_ops = vma->vm_ops;
	struct memattr_bar *bar = &mdev->bar[index];
	struct memattr_vma *mv;

	/* vfio-pci maps BARs by faults on every supported kernel. */
	if (WARN_ON_ONCE(!core_ops || !core_ops->fault))
		return -EINVAL;

	mv = kmalloc(sizeof(*mv), GFP_KERNEL);
	if (!mv)
		return -ENOMEM;

	/* Concurrent mmaps from different processes may race to copy. */
	spin_lock(&mdev->vm_ops_lock);
	if (!bar->core_vm_ops)
		memattr_vma_init_ops(bar, core_ops);
	spin_unlock(&mdev->vm_ops_lock);

	/* vfio-pci has one vm_ops for all BARs; anything else is a bug. */
	if (WARN_ON_ONCE(bar->core_vm_ops != core_ops)) {
		kfree(mv);
		return -EINVAL;
	}

	memattr_vma_link(mdev, mv, vma, index);
	vma->vm_ops = &bar->vm_ops;
	return 0;
}

/* The VMAs of BAR @index that exist now. */
unsigned int memattr_vma_count(struct memattr_vfio_pci_device *mdev,
			       unsigned int index)
{
	struct memattr_vma *mv;
	unsigned int n = 0;

	mutex_lock(&mdev->vmas_lock);
	list_for_each_entry(mv, &mdev->vmas, node)
		n += mv->bar == index;
	mutex_unlock(&mdev->vmas_lock);
	return n;
}

/*
 * Zaps, under its mmap lock, every not yet zapped VMA of one mm that still
 * has users, and returns how many, or -ENOENT when no such mm is left. An
 * mm without users is being torn down, and its VMAs with it. The mmap lock
 * has to be taken before vmas_lock, so the mm is picked first, then the
 * list is walked again under both.
 */
static int memattr_vma_zap_one_mm(struct memattr_vfio_pci_device *mdev)
{
	struct mm_struct *mm = NULL;
	struct memattr_vma *mv;
	int n = 0;

	mutex_lock(&mdev->vmas_lock);
	list_for_each_entry(mv, &mdev->vmas, node) {
		if (!mv->zapped && mmget_not_zero(mv->vma->vm_mm)) {
			mm = mv->vma->vm_mm;
			break;
		}
	}
	mutex_unlock(&mdev->vmas_lock);
	if (!mm)
		return -ENOENT;

	mmap_read_lock(mm);
	mutex_lock(&mdev->vmas_lock);
	list_for_each_entry(mv, &mdev->vmas, node) {
		struct vm_area_struct *vma = mv->vma;

		if (mv->zapped || vma->vm_mm != mm)
			continue;
		zap_special_vma_range(vma, vma->vm_start,
				      vma->vm_end - vma->vm_start);
		mv->zapped = true;
		n++;
	}
	mutex_unlock(&mdev->vmas_lock);
	mmap_read_unlock(mm);
	/* Outside vmas_lock: the last mmput() closes the mm's VMAs. */
	mmput(mm);
	return n;
}

/*
 * Takes every user mapping of the device's BARs away: later accesses fault,
 * and the faults get SIGBUS. For a device that is going away and whose user
 * did not let go when asked. Returns how many VMAs were zapped; 0 when it
 * had been done before. VMAs that a fork or split adds meanwhile are on the
 * list by the time their mm's lock is free, so the loop catches them.
 */
unsigned int memattr_vma_revoke(struct memattr_vfio_pci_device *mdev)
{
	unsigned int zapped = 0;
	bool before;
	int n;

	down_write(&mdev->revoke_sem);
	before = mdev->revoked;
	mdev->revoked = true;
	up_write(&mdev->revoke_sem);
	if (before)
		return 0;

	while ((n = memattr_vma_zap_one_mm(mdev)) >= 0)
		zapped += n;
	return zapped;
}

void memattr_vma_init(struct memattr_vfio_pci_device *mdev)
{
	unsigned int bar;

	spin_lock_init(&mdev->vm_ops_lock);
	mutex_init(&mdev->vmas_lock);
	INIT_LIST_HEAD(&mdev->vmas);
	init_rwsem(&mdev->revoke_sem);
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		mdev->bar[bar].mdev = mdev;
}
