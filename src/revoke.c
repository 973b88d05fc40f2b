// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revocation: taking every user mapping of a device's BARs away, so that
 * later accesses fault and the faults get SIGBUS (vma.c checks each BAR's
 * ->revoked after vfio's fault, without a lock). It is done when the
 * device is really gone: vfio asks the user to let go (the ->request op)
 * of a device whose channel is
 * offline (surprise removal, pciehp and AER mark it so before removing
 * it), or error recovery reports a permanent failure. Every access to such
 * a device is dead anyway, and DPDK's hot-unplug handling expects SIGBUS.
 *
 * An orderly removal (unbind, rmmod, a managed hot-unplug) behaves as
 * stock vfio-pci: it waits for the user to close the device, mappings
 * intact, so a mistaken unbind never kills a running VM. The admin can opt
 * in (revoke_after_request=1) to revoking at vfio's second request, 10 s
 * after the first, which leaves the first round for an orderly unplug.
 *
 * Revocation covers CPU mappings. IOMMU mappings made through vfio type1
 * (peer-to-peer DMA to the BAR) stay until the user closes the device, as
 * on stock vfio-pci. So do the BARs' dma-bufs (7.x): vfio-pci-core revokes
 * them itself at reset, when memory decoding is turned off and at the
 * close, as on stock, and exports nothing that revokes them earlier
 * (vfio_pci_dma_buf_move() is internal to vfio-pci-core.ko). Each of them
 * holds a registration of the vfio device, so the removal waits for them
 * as it waits for the close.
 */

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "memattr.h"

static bool revoke_after_request;
module_param(revoke_after_request, bool, 0644);
MODULE_PARM_DESC(revoke_after_request,
		 "On an orderly removal, revoke the BAR mappings a user still holds at vfio's second release request, 10 s after the first (default: false, wait for the close as stock vfio-pci does)");

#ifdef MEMATTR_HAVE_VFIO_DEVICE_INODE
/*
 * Every open file of a vfio device has the device's own inode mapping as
 * f_mapping (vfio_device_open_file(), vfio_device_fops_cdev_open()), so
 * every VMA of a BAR, in any process, split or forked, is on its i_mmap
 * tree. unmap_mapping_range() walks that tree under i_mmap_rwsem, and
 * munmap and exit unlink a VMA from it (free_pgtables() ->
 * unlink_file_vma()) before they free its page tables: a VMA is either
 * zapped while its tables exist or not seen at all. vfio_pci_zap_bars()
 * relies on the same. No list of our own, no mm reference taken.
 */
static void memattr_revoke_list_init(struct memattr_device *mdev)
{
}

/* Faults take no lock here (vma.c). */
static void memattr_revoke_faults_lock(struct memattr_device *mdev)
{
}

static void memattr_revoke_faults_unlock(struct memattr_device *mdev)
{
}

int memattr_revoke_track(struct memattr_device *mdev,
			 struct vm_area_struct *vma, gfp_t gfp)
{
	return 0;
}

void memattr_revoke_untrack(struct memattr_device *mdev,
			    struct vm_area_struct *vma)
{
}

static unsigned int memattr_revoke_zap(struct memattr_device *mdev)
{
	struct vfio_device *vdev = &mdev->core->vdev;
	loff_t start = VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
	loff_t end = VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX);
	unsigned int bar, n = 0;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		n += atomic_read(&mdev->bar[bar].mappings);
	unmap_mapping_range(vdev->inode->i_mapping, start, end - start, true);
	return n;
}
#else
/*
 * Before Linux 6.10 every vfio device file shares the anonymous inode, so
 * its mapping cannot tell devices apart: the driver keeps its own list of
 * the BARs' VMAs, linked at mmap and ->open, unlinked in ->close.
 *
 * A VMA on the list may already be detached: munmap removes VMAs from the
 * tree under the mmap write lock, then downgrades it to read before it
 * zaps and frees their page tables and calls ->close (6.1
 * do_mas_align_munmap()). Zapping such a VMA under the read lock would use
 * page tables being freed, and on x86 untrack its PAT range twice. So each
 * VMA is looked up in its mm's tree under the mmap lock first; a detached
 * one is being unmapped by its munmap already and is skipped.
 *
 * The list node keeps the VMA struct alive (->close comes before the VMA
 * is freed and unlinks it under vmas_lock), and the VMA its mm_struct.
 */
struct memattr_vma {
	struct list_head node;
	struct vm_area_struct *vma;
	bool done;		/* zapped, or found detached */
};

static void memattr_revoke_list_init(struct memattr_device *mdev)
{
	mutex_init(&mdev->vmas_lock);
	INIT_LIST_HEAD(&mdev->vmas);
	init_rwsem(&mdev->revoke_sem);
}

/* Waits for the faults inside vfio's handler, and holds off new ones. */
static void memattr_revoke_faults_lock(struct memattr_device *mdev)
{
	down_write(&mdev->revoke_sem);
}

static void memattr_revoke_faults_unlock(struct memattr_device *mdev)
{
	up_write(&mdev->revoke_sem);
}

int memattr_revoke_track(struct memattr_device *mdev,
			 struct vm_area_struct *vma, gfp_t gfp)
{
	struct memattr_vma *mv = kmalloc(sizeof(*mv), gfp);

	if (!mv)
		return -ENOMEM;
	mv->vma = vma;
	mv->done = false;
	mutex_lock(&mdev->vmas_lock);
	list_add(&mv->node, &mdev->vmas);
	mutex_unlock(&mdev->vmas_lock);
	return 0;
}

void memattr_revoke_untrack(struct memattr_device *mdev,
			    struct vm_area_struct *vma)
{
	struct memattr_vma *mv, *found = NULL;

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

/*
 * Zaps the VMAs of one mm that has users and still has VMAs not done, and
 * returns how many, or -ENOENT when no such mm is left. The mmap lock comes
 * before vmas_lock (the mm calls ->open and ->close under it), so the mm
 * is picked first, then the list is walked again under both.
 *
 * The mm reference is dropped with mmput_async(): this runs in the task
 * removing the device, which vfio makes wait for the last close of the
 * device file. If the mapping process exited meanwhile, this is the last
 * reference, and exit_mmap() would then queue the last fput() of that file
 * as task_work of this very task, which never gets to run it.
 */
static int memattr_revoke_zap_one_mm(struct memattr_device *mdev)
{
	struct mm_struct *mm = NULL;
	struct memattr_vma *mv;
	int n = 0;

	mutex_lock(&mdev->vmas_lock);
	list_for_each_entry(mv, &mdev->vmas, node) {
		if (!mv->done && mmget_not_zero(mv->vma->vm_mm)) {
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

		if (mv->done || vma->vm_mm != mm)
			continue;
		mv->done = true;
		if (vma_lookup(mm, vma->vm_start) != vma)
			continue;
		zap_special_vma_range(vma, vma->vm_start,
				      vma->vm_end - vma->vm_start);
		n++;
	}
	mutex_unlock(&mdev->vmas_lock);
	mmap_read_unlock(mm);
	mmput_async(mm);
	return n;
}

/*
 * VMAs that a fork or split adds meanwhile are on the list by the time
 * their mm's lock is free, so the loop catches them.
 */
static unsigned int memattr_revoke_zap(struct memattr_device *mdev)
{
	unsigned int zapped = 0;
	int n;

	while ((n = memattr_revoke_zap_one_mm(mdev)) >= 0)
		zapped += n;
	return zapped;
}
#endif

/* Every BAR's flag, which the faults read (vma.c). */
static void memattr_revoke_mark(struct memattr_device *mdev)
{
	unsigned int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		WRITE_ONCE(mdev->bar[bar].revoked, true);
}

/*
 * Returns how many VMAs were zapped; 0 when it had been done before.
 * The barrier orders the BARs' flags before the zap's reads of the page
 * tables: a fault whose entry the zap misses sees its flag (vma.c).
 */
static unsigned int memattr_revoke(struct memattr_device *mdev)
{
	bool first;

	memattr_revoke_faults_lock(mdev);
	first = !xchg(&mdev->revoked, true);
	if (first) {
		memattr_revoke_mark(mdev);
		smp_mb();	/* the flags before the zap: pairs with vma.c */
	}
	memattr_revoke_faults_unlock(mdev);
	return first ? memattr_revoke_zap(mdev) : 0;
}

static void memattr_revoke_log(struct memattr_device *mdev,
			       const char *why)
{
	unsigned int zapped = memattr_revoke(mdev);

	if (zapped)
		pci_warn(memattr_pdev(mdev),
			 "%s: revoked %u BAR mapping(s), accesses now get SIGBUS\n",
			 why, zapped);
}

/* vfio's release request: count 0 at once, then 1, 2, ... every 10 s. */
void memattr_revoke_on_request(struct memattr_device *mdev,
			       unsigned int count)
{
	if (pci_channel_offline(memattr_pdev(mdev)))
		memattr_revoke_log(mdev, "device is offline");
	else if (count && READ_ONCE(revoke_after_request))
		memattr_revoke_log(mdev, "still in use at the release request");
}

/* AER or DPC recovery gave the device up. */
void memattr_revoke_on_error(struct memattr_device *mdev,
			     pci_channel_state_t state)
{
	if (state == pci_channel_io_perm_failure)
		memattr_revoke_log(mdev, "device failed permanently");
}

void memattr_revoke_init(struct memattr_device *mdev)
{
	memattr_revoke_list_init(mdev);
}
