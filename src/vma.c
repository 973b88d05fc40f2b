// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counts live mappings and served faults per BAR for debugfs, by pointing
 * each BAR's VMAs at a per-BAR copy of vfio-pci-core's vm_operations_struct
 * whose fault, huge_fault, open and close count and then call vfio's own.
 * The copy is taken at run time from the first VMA, so members that only
 * some kernels have pass through untouched.
 *
 * Lifetime: a VMA holds a reference on the vfio device file, so the device
 * stays open while any VMA exists. While it is open, vfio core holds a
 * reference on this module (try_module_get() in the first open, dropped on
 * the last close) and vfio_pci_core_unregister_device() in remove() waits
 * for the last close: neither the copy (inside the device) nor these
 * functions can go away under a VMA.
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

static void memattr_count_fault(struct memattr_bar *bar, vm_fault_t ret)
{
	if (!(ret & (VM_FAULT_ERROR | VM_FAULT_FALLBACK)))
		atomic64_inc(&bar->faults);
}

static vm_fault_t memattr_vma_fault(struct vm_fault *vmf)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);
	vm_fault_t ret;

	ret = bar->core_vm_ops->fault(vmf);
	memattr_count_fault(bar, ret);
	return ret;
}

#ifdef MEMATTR_WRAP_HUGE_FAULT
static vm_fault_t memattr_vma_huge_fault(struct vm_fault *vmf,
					 unsigned int order)
{
	struct memattr_bar *bar = memattr_vma_bar(vmf->vma);
	vm_fault_t ret;

	ret = bar->core_vm_ops->huge_fault(vmf, order);
	memattr_count_fault(bar, ret);
	return ret;
}
#endif

/* A split or a fork: one more VMA of the BAR. */
static void memattr_vma_open(struct vm_area_struct *vma)
{
	struct memattr_bar *bar = memattr_vma_bar(vma);

	atomic_inc(&bar->mappings);
	if (bar->core_vm_ops->open)
		bar->core_vm_ops->open(vma);
}

static void memattr_vma_close(struct vm_area_struct *vma)
{
	struct memattr_bar *bar = memattr_vma_bar(vma);

	if (bar->core_vm_ops->close)
		bar->core_vm_ops->close(vma);
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
 * Called after vfio_pci_core_mmap() succeeded for BAR @index. Where the mm
 * core can still fail the mmap after ->mmap, it calls ->close, which
 * balances the count taken here.
 */
void memattr_vma_track(struct memattr_vfio_pci_device *mdev,
		       unsigned int index, struct vm_area_struct *vma)
{
	const struct vm_operations_struct *core_ops = vma->vm_ops;
	struct memattr_bar *bar = &mdev->bar[index];

	if (!core_ops)
		return;

	/* Concurrent mmaps from different processes may race to copy. */
	spin_lock(&mdev->vm_ops_lock);
	if (!bar->core_vm_ops)
		memattr_vma_init_ops(bar, core_ops);
	spin_unlock(&mdev->vm_ops_lock);

	/* Not the ops the copy was made from: leave the VMA uncounted. */
	if (bar->core_vm_ops != core_ops)
		return;

	atomic_inc(&bar->mappings);
	vma->vm_ops = &bar->vm_ops;
}
