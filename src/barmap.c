// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's own mapping of each BAR (vdev->barmap), on x86 only.
 *
 * On x86, vmf_insert_pfn*() and remap_pfn_range() take the cache mode of
 * the PAT memtype already reserved for the range, and vfio-pci's pci_iomap()
 * of the BAR reserves UC-: a WC user mapping would silently come out UC-.
 * So a normal-nc BAR gets a write-combining barmap before userspace can map
 * it (vfio's read/write path and ioeventfds then use WC as well), and the
 * type that mapping really got is read back from the kernel's page table:
 * PAT gives UC- instead of WC, without an error, when the range overlaps a
 * UC- reservation. A normal-nc BAR without a verified WC barmap refuses
 * mmap (memattr_barmap_check()), so no user mapping ever claims a type the
 * hardware does not get. Device values keep vfio's ioremap.
 *
 * Other architectures map user pages with the vma's own attributes, so the
 * barmap stays vfio's Device mapping for every value: read/write and
 * ioeventfds keep Device ordering.
 *
 * A BAR the kernel never assigned, or whose region is claimed by someone
 * else, behaves as on stock: the open succeeds, and the BAR's mmap fails.
 *
 * vfio-pci either maps BARs lazily on first mmap/read/write, testing
 * !vdev->barmap[bar] (6.1, 6.12), or eagerly in vfio_pci_core_enable(),
 * with IOMEM_ERR_PTR() for soft failures (7.x). The barmap state right
 * after vfio_pci_core_enable() tells which: NULL, a mapping, or an error.
 * Either way vfio_pci_core_disable() unmaps it and releases the region.
 */

#include <linux/err.h>
#include <linux/io.h>
#include <linux/pci.h>

#ifdef CONFIG_X86
#include <asm/memtype.h>
#include <asm/pgtable.h>
#endif

#include "memattr.h"
#include "policy.h"

#ifdef CONFIG_X86
/* NULL when normal-nc can have a WC mapping here, else why not. */
const char *memattr_barmap_wc_unavailable(void)
{
	return pat_enabled() ? NULL :
	       "x86 PAT is disabled (nopat): no write-combining";
}

/* The cache mode the kernel's page table gives @io, compared with WC. */
static bool memattr_barmap_is_wc(void __iomem *io)
{
	unsigned int level;
	pgprot_t prot;
	pte_t *pte;

	pte = lookup_address((unsigned long)io, &level);
	if (!pte || !pte_present(*pte))
		return false;
	prot = __pgprot(pte_flags(*pte));
	if (level != PG_LEVEL_4K)
		prot = pgprot_large_2_4k(prot);
	return (pgprot_val(prot) & _PAGE_CACHE_MASK) ==
	       cachemode2protval(_PAGE_CACHE_MODE_WC);
}

/*
 * Replaces vfio's mapping (eager) or makes the one vfio would make on first
 * use (lazy), write-combining. Returns 0 or why the BAR has no WC mapping;
 * the BAR is then left as vfio had it.
 */
static int memattr_barmap_wc(struct vfio_pci_core_device *vdev,
			     unsigned int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io = vdev->barmap[bar], *wc;
	int ret;

	/* An eager soft failure: vfio fails the BAR's mmap on it. */
	if (IS_ERR(io))
		return PTR_ERR(io);

	/* The UC- mapping goes first: PAT would give WC's overlap UC-. */
	if (io)
		pci_iounmap(pdev, io);
	else if (pci_request_selected_regions(pdev, 1 << bar, "vfio"))
		return -EBUSY;

	wc = pci_iomap_wc(pdev, bar, 0);
	if (wc && memattr_barmap_is_wc(wc)) {
		vdev->barmap[bar] = wc;
		return 0;
	}

	ret = wc ? -EOPNOTSUPP : -ENOMEM;
	if (wc)
		pci_iounmap(pdev, wc);
	/* Back to what vfio_pci_core_enable() made, or would make later. */
	vdev->barmap[bar] = io ? pci_iomap(pdev, bar, 0) : NULL;
	if (!vdev->barmap[bar]) {
		pci_release_selected_regions(pdev, 1 << bar);
		if (io)
			vdev->barmap[bar] = IOMEM_ERR_PTR(-ENOMEM);
	}
	return ret;
}

/*
 * Called from open_device() between vfio_pci_core_enable() and
 * vfio_pci_core_finish_enable(), so no user can map or access a BAR yet.
 */
void memattr_barmap_apply(struct memattr_device *mdev)
{
	struct vfio_pci_core_device *vdev = mdev->core;
	unsigned int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct memattr_bar *b = &mdev->bar[bar];

		b->barmap_err = 0;
		if (b->value != MEMATTR_NORMAL_NC)
			continue;

		b->barmap_err = memattr_barmap_wc(vdev, bar);
		if (b->barmap_err)
			pci_notice(vdev->pdev,
				   "BAR %u: no write-combining kernel mapping for normal-nc (%s), its mmap is refused\n",
				   bar, b->barmap_err == -EOPNOTSUPP ?
				   "PAT gave another type" :
				   "region not available");
	}
}
#else
const char *memattr_barmap_wc_unavailable(void)
{
	return NULL;
}

void memattr_barmap_apply(struct memattr_device *mdev)
{
}
#endif

/* At mmap of BAR @bar: 0, or the error the user gets instead of a map. */
int memattr_barmap_check(struct memattr_device *mdev,
			 unsigned int bar)
{
	return mdev->bar[bar].value == MEMATTR_NORMAL_NC ?
	       mdev->bar[bar].barmap_err : 0;
}
