// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/debug/memattr-vfio-pci/<BDF>: one line per implemented memory
 * BAR, in BAR order, of space-separated key=value fields. No value contains
 * a space, and fields are only ever added at the end of a line:
 *
 *   bar<N> size=0x<hex> prefetchable=<0|1> msix=<0|1> value=<value>
 *          stage1=<type> stage2=<state> mappings=<dec> faults=<dec>
 *
 * value:    the policy, as in sysfs (default, device-ngnrne, device-ngnre,
 *           normal-nc).
 * stage1:   the host page-table type the value gives a user mapping.
 *           arm64: Device-nGnRnE, Device-nGnRE, Normal-NC. x86: UC-, WC.
 * stage2:   what KVM/arm64 may use for a guest mapping of the BAR:
 *           normal-nc-allowed (VM_ALLOW_ANY_UNCACHED set), device
 *           (Device-nGnRE), or unsupported-on-this-kernel (normal-nc
 *           before Linux 6.9, which has no such flag: KVM maps Device).
 *           n/a on other architectures.
 * msix:     the BAR holds the MSI-X table or PBA.
 * mappings: VMAs of the BAR that exist now.
 * faults:   calls of vfio's fault handlers on the BAR since bind, PTE
 *           and huge alike (a huge fault that falls back counts too).
 *
 * stage1 and stage2 describe what the driver asks for; the page tables
 * themselves are the proof.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "memattr.h"
#include "policy.h"

static struct dentry *memattr_debugfs_root;

static int memattr_debugfs_show(struct seq_file *s, void *unused)
{
	struct memattr_device *mdev = s->private;
	struct pci_dev *pdev = memattr_pdev(mdev);
	unsigned int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct memattr_bar *b = &mdev->bar[bar];
		enum memattr_value value = READ_ONCE(b->value);

		if (!memattr_bar_is_mem(pdev, bar))
			continue;

		seq_printf(s, "bar%u size=%#llx prefetchable=%d msix=%d value=%s stage1=%s stage2=%s mappings=%u faults=%lld\n",
			   bar, (unsigned long long)pci_resource_len(pdev, bar),
			   !!(pci_resource_flags(pdev, bar) & IORESOURCE_PREFETCH),
			   !!(mdev->msix_bars & BIT(bar)),
			   memattr_value_name(value), memattr_stage1_name(value),
			   memattr_stage2_name(value),
			   memattr_vma_count(mdev, bar),
			   (long long)atomic64_read(&b->faults));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memattr_debugfs);

void memattr_debugfs_init(void)
{
	memattr_debugfs_root = debugfs_create_dir(MEMATTR_VFIO_PCI_NAME, NULL);
}

void memattr_debugfs_exit(void)
{
	debugfs_remove(memattr_debugfs_root);
}

/* debugfs failures are not fatal: the driver works without it. */
void memattr_debugfs_add(struct memattr_device *mdev)
{
	mdev->debugfs = debugfs_create_file(pci_name(memattr_pdev(mdev)), 0444,
					    memattr_debugfs_root, mdev,
					    &memattr_debugfs_fops);
}

/* Waits for readers, so the device can be freed afterwards. */
void memattr_debugfs_remove(struct memattr_device *mdev)
{
	debugfs_remove(mdev->debugfs);
	mdev->debugfs = NULL;
}
