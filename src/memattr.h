/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device state shared by the driver's files, and their entry points.
 */
#ifndef MEMATTR_H
#define MEMATTR_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "compat.h"
#include "policy.h"

#define MEMATTR_VFIO_PCI_NAME "memattr-vfio-pci"

struct memattr_device;

struct memattr_bar {
	struct memattr_device *mdev;	/* the device it is in */
	/*
	 * Written only under vdev.dev_set->lock while the device is closed,
	 * so it is stable for open_device(), mmap and faults.
	 */
	enum memattr_value value;
	/*
	 * VMAs of this BAR point at vm_ops: a copy of core_vm_ops (set once,
	 * under vm_ops_lock) that tracks them (vma.c), so the BAR is known
	 * from the VMA on every kernel whatever vfio-pci keeps in vm_pgoff.
	 */
	const struct vm_operations_struct *core_vm_ops;
	struct vm_operations_struct vm_ops;	/* not const: filled at mmap */
	atomic_t mappings;			/* live VMAs */
	atomic64_t faults;			/* calls of vfio's fault ops */
	/*
	 * Set once, before the device's mappings are zapped (revoke.c); read
	 * by every fault (vma.c). Per BAR, so a fault needs one load.
	 */
	bool revoked;
	/*
	 * x86, normal-nc: why the kernel's BAR mapping is not WC at this
	 * open (its mmap is refused), or 0. Set in open_device().
	 */
	int barmap_err;
};

/*
 * The driver's state of one device, in either mode: inside the variant
 * driver's own vfio device (main.c), or beside a device bound to stock
 * vfio-pci (attach.c).
 */
struct memattr_device {
	struct vfio_pci_core_device *core;
	struct memattr_bar bar[PCI_STD_NUM_BARS];
	/*
	 * This open of the device was set up by this driver (its barmap
	 * applied): only then does mmap apply the policy. Always true in
	 * the variant driver; in attach mode false for an open that began
	 * before the device was attached. Written under dev_set->lock.
	 */
	bool managed;
	bool attached;			/* attach mode (attach.c) */
	spinlock_t vm_ops_lock;		/* the one-time copies of vm_ops */
	/* Set once (xchg()), when the device is gone: revoke.c's own. */
	bool revoked;
#ifndef MEMATTR_HAVE_VFIO_DEVICE_INODE
	struct rw_semaphore revoke_sem;	/* 6.1 faults against the zap */
	struct mutex vmas_lock;		/* vmas */
	struct list_head vmas;		/* every VMA of every BAR (revoke.c) */
#endif
	/* BARs holding the MSI-X table or PBA, read once at probe. */
	u8 msix_bars;
	/* Per device, so one device's refusals never hide another's. */
	struct ratelimit_state refusal_rs;
	struct dentry *debugfs;
};

static inline struct pci_dev *memattr_pdev(struct memattr_device *mdev)
{
	return mdev->core->pdev;
}

/* device.c: what both modes do the same way. */
void memattr_device_init(struct memattr_device *mdev,
			 struct vfio_pci_core_device *core);
struct memattr_device *memattr_from_dev(struct device *dev);
int memattr_device_mmap(struct memattr_device *mdev,
			struct vm_area_struct *vma);
void memattr_device_request(struct memattr_device *mdev, unsigned int count);
int memattr_device_set_bar(struct memattr_device *mdev, unsigned int bar,
			   enum memattr_value value);

/* main.c */
struct memattr_device *memattr_variant_from_dev(struct device *dev);

/* attach.c */
int memattr_attach_init(void);
void memattr_attach_exit(void);
struct memattr_device *memattr_attached_from_dev(struct device *dev);
int memattr_attach_engage(struct memattr_device *mdev);

/* sysfs.c */
extern const struct attribute_group memattr_group;
extern const struct attribute_group *memattr_dev_groups[];

/* admission.c */
int memattr_admission_check(struct pci_dev *pdev);

/* barmap.c */
const char *memattr_barmap_wc_unavailable(void);
void memattr_barmap_apply(struct memattr_device *mdev);
int memattr_barmap_check(struct memattr_device *mdev,
			 unsigned int bar);

/* vma.c */
void memattr_vma_init(struct memattr_device *mdev);
int memattr_vma_track(struct memattr_device *mdev, unsigned int bar,
		      struct vm_area_struct *vma);
unsigned int memattr_vma_count(struct memattr_device *mdev,
			       unsigned int bar);

/* revoke.c */
void memattr_revoke_init(struct memattr_device *mdev);
int memattr_revoke_track(struct memattr_device *mdev,
			 struct vm_area_struct *vma, gfp_t gfp);
void memattr_revoke_untrack(struct memattr_device *mdev,
			    struct vm_area_struct *vma);
void memattr_revoke_on_request(struct memattr_device *mdev,
			       unsigned int count);
void memattr_revoke_on_error(struct memattr_device *mdev,
			     pci_channel_state_t state);

/* debugfs.c */
void memattr_debugfs_init(void);
void memattr_debugfs_exit(void);
void memattr_debugfs_add(struct memattr_device *mdev);
void memattr_debugfs_remove(struct memattr_device *mdev);

#endif /* MEMATTR_H */
