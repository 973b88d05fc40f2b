// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user mappings of the BARs. Each BAR's VMAs point at a per-BAR copy of
 * vfio-pci-core's vm_operations_struct whose fault, huge_fault, open and
 * close call vfio's own after doing what vfio cannot do for us:
 *
 *  - count fault calls and live VMAs (debugfs shows both);
 *  - answer every fault with SIGBUS once the device's mappings have been
 *    revoked (revoke.c), and tell revoke.c about each VMA.
 *
 * The copy is taken at run time from the first VMA, so members that only
 * some kernels have pass through untouched.
 *
 * Lifetime: a VMA holds a reference on the vfio device file, so the device
 * stays open while any VMA exists. While it is open this module is pinned:
 * by vfio core for the variant driver (try_module_get() of the driver's
 * owner in the first open, dropped on the last close), by the engaged
 * device itself in attach mode (attach.c). vfio-pci's and this driver's
 * remove() wait for the last close: neither the copy (in the device's
 * state) nor these functions can go away under a VMA.
 *
 * Revocation takes no lock on the fault path (Linux 6.10+). revoke.c sets
 * each BAR's ->revoked, issues a full barrier and then zaps every VMA of
 * the device. A fault lets vfio install its entry and, after a full
 * barrier, reads ->revoked. If the zap ran before the entry was in the
 * page table (so did not see it), that read comes after the barrier that
 * follows the store, so it sees ->revoked, and the fault removes its own
 * entry. No entry survives a revocation, and a fault that races it gets
 * SIGBUS. (Before 6.10 faults hold a lock across vfio's fault instead,
 * see the second memattr_vma_fault().)
 */

#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/spinlock.h>

#include "compat.h"
#include "memattr.h"

static struct memattr_bar *memattr_vma_bar(struct vm_area_struct *vma)
{
	return container_of(vma->vm_ops, struct memattr_bar, vm_ops);
}

#ifdef MEMATTR_HAVE_VFIO_DEVICE_INODE
/*
 * The fault of a revoked mapping: SIGBUS, and no entry of vfio's left
 * behind. Out of line: it runs once per mapping, when the device is gone.
 */
static noinline vm_fault_t memattr_vma_fault_revoked(struct vm_fault *vmf,
						     vm_fault_t ret)
{
	if (!(ret & VM_FAULT_ERROR))
		zap_special_vma_range(vmf->vma, vmf->vma->vm_start,
				      vmf->vma->vm_end - vmf->vma->vm_start);
	return VM_FAULT_SIGBUS;
}

/*
 * After vfio's fault: the one check (see the top). Every fault of every
 * BAR mapping runs this, so it stays a barrier, a load, a branch and a
 * counter; a fault that comes after the revocation lets vfio install its
 * entry and then removes it, which costs only the revoked case.
 */
static __always_inline vm_fault_t memattr_vma_after(struct memattr_bar *bar,
						    struct vm_fault *vmf,
						    vm_fault_t ret)
{
	smp_mb();	/* the entry is in the page table before the read */
	if (unlikely(READ_ONCE(bar->revoked)))
		return memattr_vma_fault_revoked(vmf, ret);
	atomic64_inc(&bar->faults);
	return ret;
}

static vm_fault_t memattr_vma_fault(struct vm_fault *vmf)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);

	return memattr_vma_after(bar, vmf, bar->core_vm_ops->fault(vmf));
}

#ifdef MEMATTR_WRAP_HUGE_FAULT
static vm_fault_t memattr_vma_huge_fault(struct vm_fault *vmf,
					 unsigned int order)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);

	return memattr_vma_after(bar, vmf,
				 bar->core_vm_ops->huge_fault(vmf, order));
}
#endif
#else
/*
 * Before 6.10 vfio fills the whole VMA with remap_pfn_range(), which marks
 * it VM_PAT before the entries are in; a zap in between would find the
 * flag without the entries (untrack_pfn() WARNs). So faults hold
 * revoke_sem for reading, the revocation takes it for writing before its
 * zap, and the check before vfio's fault decides.
 */
static vm_fault_t memattr_vma_fault(struct vm_fault *vmf)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&bar->mdev->revoke_sem);
	if (!READ_ONCE(bar->revoked)) {
		ret = bar->core_vm_ops->fault(vmf);
		atomic64_inc(&bar->faults);
	}
	up_read(&bar->mdev->revoke_sem);
	return ret;
}

#ifdef MEMATTR_WRAP_HUGE_FAULT
static vm_fault_t memattr_vma_huge_fault(struct vm_fault *vmf,
					 unsigned int order)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&bar->mdev->revoke_sem);
	if (!READ_ONCE(bar->revoked)) {
		ret = bar->core_vm_ops->huge_fault(vmf, order);
		atomic64_inc(&bar->faults);
	}
	up_read(&bar->mdev->revoke_sem);
	return ret;
}
#endif
#endif

/*
 * A split or a fork: one more VMA of the BAR. It may carry entries without
 * a fault (a fork copies them after this call), so revoke.c tracks it like
 * the first. ->open cannot fail; where revoke.c needs memory for it (before
 * 6.10), it is a few bytes: __GFP_NOFAIL.
 */
static void memattr_vma_open(struct vm_area_struct *vma)
{
	struct memattr_bar *bar = memattr_vma_bar(vma);

	atomic_inc(&bar->mappings);
	memattr_revoke_track(bar->mdev, vma, GFP_KERNEL | __GFP_NOFAIL);
	if (bar->core_vm_ops->open)
		bar->core_vm_ops->open(vma);
}

static void memattr_vma_close(struct vm_area_struct *vma)
{
	struct memattr_bar *bar = memattr_vma_bar(vma);

	if (bar->core_vm_ops->close)
		bar->core_vm_ops->close(vma);
	memattr_revoke_untrack(bar->mdev, vma);
	atomic_dec(&bar->mappings);
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
 * ->mmap, it calls ->close, which undoes this.
 */
int memattr_vma_track(struct memattr_device *mdev,
		      unsigned int index, struct vm_area_struct *vma)
{
	const struct vm_operations_struct *core_ops = vma->vm_ops;
	struct memattr_bar *bar = &mdev->bar[index];
	int ret;

	/* vfio-pci maps BARs by faults on every supported kernel. */
	if (WARN_ON_ONCE(!core_ops || !core_ops->fault))
		return -EINVAL;

	/* Concurrent mmaps from different processes may race to copy. */
	spin_lock(&mdev->vm_ops_lock);
	if (!bar->core_vm_ops)
		memattr_vma_init_ops(bar, core_ops);
	spin_unlock(&mdev->vm_ops_lock);

	/* vfio-pci has one vm_ops for all BARs; anything else is a bug. */
	if (WARN_ON_ONCE(bar->core_vm_ops != core_ops))
		return -EINVAL;

	ret = memattr_revoke_track(mdev, vma, GFP_KERNEL);
	if (ret)
		return ret;
	atomic_inc(&bar->mappings);
	vma->vm_ops = &bar->vm_ops;
	return 0;
}

/* The VMAs of BAR @index that exist now. */
unsigned int memattr_vma_count(struct memattr_device *mdev,
			       unsigned int index)
{
	return atomic_read(&mdev->bar[index].mappings);
}

void memattr_vma_init(struct memattr_device *mdev)
{
	unsigned int bar;

	spin_lock_init(&mdev->vm_ops_lock);
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		mdev->bar[bar].mdev = mdev;
	memattr_revoke_init(mdev);
}
