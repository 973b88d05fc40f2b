// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-BAR memory-type policy: values, names, which values a BAR allows,
 * the module parameters that shape them, and the user mapping of a value.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "compat.h"
#include "memattr.h"
#include "policy.h"

static const char * const memattr_value_names[MEMATTR_NR_VALUES] = {
	[MEMATTR_DEFAULT] = "default",
	[MEMATTR_DEVICE_NGNRNE] = "device-ngnrne",
	[MEMATTR_DEVICE_NGNRE] = "device-ngnre",
	[MEMATTR_NORMAL_NC] = "normal-nc",
};

/*
 * The host page-table type each value gives a user mapping. "default" is
 * what stock vfio-pci does: pgprot_noncached().
 */
static const char * const memattr_stage1_names[MEMATTR_NR_VALUES] = {
#if defined(CONFIG_ARM64)
	[MEMATTR_DEFAULT] = "Device-nGnRnE",
	[MEMATTR_DEVICE_NGNRNE] = "Device-nGnRnE",
	[MEMATTR_DEVICE_NGNRE] = "Device-nGnRE",
	[MEMATTR_NORMAL_NC] = "Normal-NC",
#elif defined(CONFIG_X86)
	/* PAT has no Device-nGnRE: both device values are UC-. */
	[MEMATTR_DEFAULT] = "UC-",
	[MEMATTR_DEVICE_NGNRNE] = "UC-",
	[MEMATTR_DEVICE_NGNRE] = "UC-",
	[MEMATTR_NORMAL_NC] = "WC",
#else
	[MEMATTR_DEFAULT] = "noncached",
	[MEMATTR_DEVICE_NGNRNE] = "noncached",
	[MEMATTR_DEVICE_NGNRE] = "device",
	[MEMATTR_NORMAL_NC] = "writecombine",
#endif
};

static enum memattr_value default_attr = MEMATTR_DEFAULT;

static int default_attr_set(const char *val, const struct kernel_param *kp)
{
	enum memattr_value value;
	int ret;

	/* An unknown value fails the module load (or the write) with -EINVAL. */
	ret = memattr_value_parse(val, &value);
	if (ret)
		return ret;

	WRITE_ONCE(default_attr, value);
	return 0;
}

static int default_attr_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n",
			 memattr_value_name(READ_ONCE(default_attr)));
}

static const struct kernel_param_ops default_attr_ops = {
	.set = default_attr_set,
	.get = default_attr_get,
};

module_param_cb(default_attr, &default_attr_ops, NULL, 0644);
MODULE_PARM_DESC(default_attr,
		 "Value given at bind to this driver to every BAR that allows it and that no policy rule names (not to devices on vfio-pci): default, device-ngnrne, device-ngnre or normal-nc (alias wc); other BARs get default");

static bool unsafe_nonprefetchable_nc;
module_param(unsafe_nonprefetchable_nc, bool, 0444);
MODULE_PARM_DESC(unsafe_nonprefetchable_nc,
		 "Allow normal-nc on non-prefetchable BARs; taints the kernel when used (default: false)");

const char *memattr_value_name(enum memattr_value value)
{
	if (value >= MEMATTR_NR_VALUES)
		return "unknown";
	return memattr_value_names[value];
}

/* Accepts a trailing newline, as sysfs writes usually carry one. */
int memattr_value_parse(const char *buf, enum memattr_value *value)
{
	int i;

	i = sysfs_match_string(memattr_value_names, buf);
	if (i >= 0) {
		*value = i;
		return 0;
	}
	if (sysfs_streq(buf, "wc")) {
		*value = MEMATTR_NORMAL_NC;
		return 0;
	}
	return -EINVAL;
}

const char *memattr_stage1_name(enum memattr_value value)
{
	if (value >= MEMATTR_NR_VALUES)
		return "unknown";
	return memattr_stage1_names[value];
}

/*
 * KVM/arm64 stage 2 follows VM_ALLOW_ANY_UNCACHED of the user mapping;
 * without the flag (before 6.9) KVM maps every VFIO BAR Device-nGnRE, so
 * only normal-nc cannot be honoured there.
 */
const char *memattr_stage2_name(enum memattr_value value)
{
	if (!IS_ENABLED(CONFIG_ARM64))
		return "n/a";
	if (value == MEMATTR_DEVICE_NGNRNE || value == MEMATTR_DEVICE_NGNRE)
		return "device";
	if (!memattr_stage2_control())
		return value == MEMATTR_NORMAL_NC ?
		       "unsupported-on-this-kernel" : "device";
	/* default: stock vfio-pci sets the flag as well. */
	return "normal-nc-allowed";
}

/* An implemented memory BAR, and not the upper half of a 64-bit one. */
bool memattr_bar_is_mem(struct pci_dev *pdev, unsigned int bar)
{
	if (bar >= PCI_STD_NUM_BARS || !pci_resource_len(pdev, bar))
		return false;
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM))
		return false;
	return !(bar > 0 &&
		 (pci_resource_flags(pdev, bar - 1) & IORESOURCE_MEM_64));
}

/*
 * Returns 0 if @bar may take @value, else -EOPNOTSUPP with the reason in
 * @why. Depends only on the hardware and a read-only parameter, so the
 * answer never changes while the driver is bound.
 */
int memattr_bar_allows(struct memattr_device *mdev,
		       unsigned int bar, enum memattr_value value,
		       const char **why)
{
	struct pci_dev *pdev = memattr_pdev(mdev);

	if (value == MEMATTR_DEFAULT)
		return 0;
	if (!memattr_bar_is_mem(pdev, bar)) {
		*why = "not an implemented memory BAR";
		return -EOPNOTSUPP;
	}
	if (value != MEMATTR_NORMAL_NC)
		return 0;
	/* On x86, PAT would make the kernel's own MSI-X mapping WC too. */
	if (mdev->msix_bars & BIT(bar)) {
		*why = "the BAR holds the MSI-X table or PBA";
		return -EOPNOTSUPP;
	}
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_PREFETCH) &&
	    !unsafe_nonprefetchable_nc) {
		*why = "the BAR is not prefetchable (see unsafe_nonprefetchable_nc)";
		return -EOPNOTSUPP;
	}
	*why = memattr_barmap_wc_unavailable();
	return *why ? -EOPNOTSUPP : 0;
}

/* The caller has checked memattr_bar_allows() and holds dev_set->lock. */
void memattr_bar_set(struct memattr_device *mdev, unsigned int bar,
		     enum memattr_value value)
{
	struct pci_dev *pdev = memattr_pdev(mdev);

	if (value == MEMATTR_NORMAL_NC && mdev->bar[bar].value != value &&
	    !(pci_resource_flags(pdev, bar) & IORESOURCE_PREFETCH)) {
		/* Like vfio's enable_unsafe_noiommu_mode: allowed, but marked. */
		pci_warn(pdev,
			 "BAR %u: normal-nc on a non-prefetchable BAR (unsafe_nonprefetchable_nc), tainting kernel\n",
			 bar);
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	}
	WRITE_ONCE(mdev->bar[bar].value, value);
}

static u8 memattr_msix_bars(struct pci_dev *pdev)
{
	u32 table, pba;

	if (!pdev->msix_cap)
		return 0;

	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_PBA, &pba);

	/* BIR 6 and 7 are reserved; a failed read gives ~0 and lands there. */
	return (BIT(table & PCI_MSIX_TABLE_BIR) | BIT(pba & PCI_MSIX_PBA_BIR)) &
	       GENMASK(PCI_STD_NUM_BARS - 1, 0);
}

/*
 * At probe or attach, before the device can be opened: each BAR's value
 * comes from the first policy rule for it (rules.c), else, for the
 * variant driver only, default_attr: a device left on vfio-pci changes
 * only where a rule or its sysfs knob says so. The state lives beside the
 * vfio device, so unbind and bind reset it.
 */
void memattr_policy_init(struct memattr_device *mdev)
{
	struct pci_dev *pdev = memattr_pdev(mdev);
	enum memattr_value dflt, value;
	const char *why, *source;
	unsigned int bar;

	mdev->msix_bars = memattr_msix_bars(pdev);
	dflt = mdev->attached ? MEMATTR_DEFAULT : READ_ONCE(default_attr);

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		mdev->bar[bar].value = MEMATTR_DEFAULT;
		if (!memattr_bar_is_mem(pdev, bar))
			continue;
		source = "policy rule";
		if (!memattr_rules_lookup(pdev, bar, &value)) {
			source = "default_attr";
			value = dflt;
		}
		if (memattr_bar_allows(mdev, bar, value, &why)) {
			pci_info(pdev, "BAR %u: %s %s not allowed (%s), using default\n",
				 bar, source, memattr_value_name(value), why);
			continue;
		}
		memattr_bar_set(mdev, bar, value);
	}
}

/* Every BAR back to default. */
void memattr_policy_reset(struct memattr_device *mdev)
{
	unsigned int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		WRITE_ONCE(mdev->bar[bar].value, MEMATTR_DEFAULT);
}

/*
 * Called after vfio_pci_core_mmap() succeeded. The type is rebuilt from the
 * VMA's base protection rather than layered on vfio's pgprot_noncached():
 * on x86 the cache-mode bits are OR-ed in, so UC- plus WC would give UC.
 * Everything else matches stock: pgprot_decrypted() as vfio (6.12+) and
 * io_remap_pfn_range() (6.1) apply it. Every fault path (6.1
 * io_remap_pfn_range(), 6.12+ vmf_insert_pfn{,_pmd,_pud}()) maps with
 * vma->vm_page_prot, and KVM/arm64 reads the flag from the VMA.
 */
void memattr_vma_apply(struct vm_area_struct *vma, enum memattr_value value)
{
	pgprot_t prot = vm_get_page_prot(vma->vm_flags);

	switch (value) {
	case MEMATTR_DEVICE_NGNRNE:
		prot = pgprot_noncached(prot);
		break;
	case MEMATTR_DEVICE_NGNRE:
		prot = pgprot_device(prot);
		break;
	case MEMATTR_NORMAL_NC:
		prot = pgprot_writecombine(prot);
		break;
	default:
		/* Exactly what stock vfio-pci set up. */
		return;
	}

	vma->vm_page_prot = pgprot_decrypted(prot);
	if (value == MEMATTR_NORMAL_NC)
		vm_flags_set(vma, VM_ALLOW_ANY_UNCACHED);
	else
		vm_flags_clear(vma, VM_ALLOW_ANY_UNCACHED);
}
