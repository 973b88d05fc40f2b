// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only: report the page-table entry that the MMU uses for a user
 * address of the calling process, read from the page tables themselves
 * rather than from any driver's bookkeeping.
 *
 * /sys/kernel/debug/memattr-pte: write a user address in hex, then read one
 * line back from the same open file (a write moves the file position back
 * to 0). "PID ADDRESS" (PID in decimal) asks about another process's
 * address, such as a DPDK application's BAR mapping. For example (arm64,
 * then x86):
 *
 *   level=pmd entry=0x68000010200f05 attr=Normal-NC idx=2 mt=MT_NORMAL_NC
 *     allow_any_uncached=1 vm_flags=0x80440fb
 *   level=pte entry=0x8000000fe800027 attr=WC idx=1 pat=0x407050600070106
 *     allow_any_uncached=na vm_flags=0x440fb
 *
 * (one line each). level is the leaf that maps the address: pud, pmd or
 * pte. attr is the memory type the entry selects: on arm64 the MAIR_EL1
 * byte its AttrIndx names, on x86 the PAT MSR entry its PAT/PCD/PWT bits
 * name. allow_any_uncached is VM_ALLOW_ANY_UNCACHED of the VMA, "na" on
 * kernels without that flag.
 *
 * The write fails with ENXIO when no VMA covers the address and ENOENT
 * when nothing is mapped there yet (touch the address first).
 *
 * /sys/kernel/debug/memattr-barmap: the same for vfio-pci-core's own kernel
 * mapping of a BAR (vdev->barmap[N]), which its read/write path and
 * ioeventfds use. Write "BDF N", then read one line back, for example
 *
 *   barmap=0xffff80008a400000 attr=Device-nGnRE mair=0x04
 *
 * on arm64 from the MMU itself (AT S1E1R and PAR_EL1.ATTR), on x86 from
 * the kernel's page table (lookup_address()). ENODEV: no such device, or
 * it is not bound to vfio-pci or memattr-vfio-pci; ENOENT: no mapping
 * (6.1 and 6.12 make it at the first read, write or mmap of the region).
 * Only meaningful while the caller holds the device open: vfio unmaps the
 * BARs at the last close.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pgtable.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio_pci_core.h>

#ifdef CONFIG_ARM64
#include <asm/memory.h>
#include <asm/sysreg.h>
#endif
#ifdef CONFIG_X86
#include <asm/msr.h>
#include <asm/pgtable_types.h>
#endif

#define MEMATTR_PTE_LINE_MAX	256
#define MEMATTR_REQ_MAX		64	/* "PID ADDRESS" or "BDF N" */

struct memattr_pte_leaf {
	const char *level;
	u64 entry;
};

/*
 * The leaf entry that maps @addr in @mm, or -ENOENT. Leaves are checked
 * before *_bad(): on x86 a huge entry counts as a bad table pointer.
 * Called with the mmap lock held, which keeps the tables of a VM_PFNMAP
 * VMA in place.
 */
static int memattr_pte_walk(struct mm_struct *mm, unsigned long addr,
			    struct memattr_pte_leaf *leaf)
{
	pgd_t *pgdp;
	p4d_t *p4dp;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;

	pgdp = pgd_offset(mm, addr);
	if (pgd_none(READ_ONCE(*pgdp)) || pgd_bad(READ_ONCE(*pgdp)))
		return -ENOENT;

	p4dp = p4d_offset(pgdp, addr);
	if (p4d_none(READ_ONCE(*p4dp)) || p4d_bad(READ_ONCE(*p4dp)))
		return -ENOENT;

	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud))
		return -ENOENT;
	if (pud_leaf(pud)) {
		leaf->level = "pud";
		leaf->entry = pud_val(pud);
		return 0;
	}
	if (pud_bad(pud))
		return -ENOENT;

	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	if (pmd_none(pmd))
		return -ENOENT;
	if (pmd_leaf(pmd)) {
		leaf->level = "pmd";
		leaf->entry = pmd_val(pmd);
		return 0;
	}
	if (pmd_bad(pmd))
		return -ENOENT;

	/* 64-bit only: no HIGHPTE, so the user table is in the linear map. */
	ptep = pte_offset_kernel(pmdp, addr);
	pte = READ_ONCE(*ptep);
	if (!pte_present(pte))
		return -ENOENT;
	leaf->level = "pte";
	leaf->entry = pte_val(pte);
	return 0;
}

#ifdef CONFIG_ARM64
static const char *memattr_pte_mair_name(u8 attr)
{
	switch (attr) {
	case 0x00:
		return "Device-nGnRnE";
	case 0x04:
		return "Device-nGnRE";
	case 0x08:
		return "Device-nGRE";
	case 0x0c:
		return "Device-GRE";
	case 0x44:
		return "Normal-NC";
	case 0xbb:
		return "Normal-WT";
	case 0xf0:
		return "Normal-Tagged";
	case 0xff:
		return "Normal";
	default:
		return "unknown";
	}
}

static const char *memattr_pte_mt_name(unsigned int idx)
{
	switch (idx) {
	case MT_NORMAL:
		return "MT_NORMAL";
	case MT_NORMAL_TAGGED:
		return "MT_NORMAL_TAGGED";
	case MT_NORMAL_NC:
		return "MT_NORMAL_NC";
	case MT_DEVICE_nGnRnE:
		return "MT_DEVICE_nGnRnE";
	case MT_DEVICE_nGnRE:
		return "MT_DEVICE_nGnRE";
	default:
		return "unknown";
	}
}

/*
 * AttrIndx, bits [4:2] of page and block descriptors alike, selects a byte
 * of MAIR_EL1. With VHE the kernel runs at EL2 and the same encoding reads
 * MAIR_EL2, the register of the regime that translates user addresses.
 */
static int memattr_pte_attr(u64 entry, char *buf, size_t len)
{
	unsigned int idx = (entry & PTE_ATTRINDX_MASK) >> 2;
	u8 attr = read_sysreg(mair_el1) >> (8 * idx);

	return scnprintf(buf, len, "attr=%s idx=%u mt=%s mair=0x%02x",
			 memattr_pte_mair_name(attr), idx,
			 memattr_pte_mt_name(idx), attr);
}
#elif defined(CONFIG_X86)
static const char *memattr_pte_pat_name(u8 type)
{
	switch (type) {
	case 0:
		return "UC";
	case 1:
		return "WC";
	case 4:
		return "WT";
	case 5:
		return "WP";
	case 6:
		return "WB";
	case 7:
		return "UC-";
	default:
		return "unknown";
	}
}

/* The PAT bit is bit 7 in a 4K entry and bit 12 in a huge one. */
static int memattr_pte_attr(u64 entry, bool huge, char *buf, size_t len)
{
	u64 pat_bit = huge ? _PAGE_PAT_LARGE : _PAGE_PAT;
	unsigned int idx = 0;
	u64 pat;

#ifdef rdmsrq
	rdmsrq(MSR_IA32_CR_PAT, pat);
#else
	rdmsrl(MSR_IA32_CR_PAT, pat);
#endif
	if (entry & _PAGE_PWT)
		idx |= 1;
	if (entry & _PAGE_PCD)
		idx |= 2;
	if (entry & pat_bit)
		idx |= 4;

	return scnprintf(buf, len, "attr=%s idx=%u pat=0x%llx",
			 memattr_pte_pat_name((pat >> (8 * idx)) & 7), idx,
			 pat);
}
#endif

static const char *memattr_pte_allow_any_uncached(struct vm_area_struct *vma)
{
#ifdef VM_ALLOW_ANY_UNCACHED
	if (VM_ALLOW_ANY_UNCACHED != VM_NONE)
		return vma->vm_flags & VM_ALLOW_ANY_UNCACHED ? "1" : "0";
#endif
	return "na";
}

static int memattr_pte_report(struct mm_struct *mm, unsigned long addr,
			      char *buf, size_t len)
{
	struct memattr_pte_leaf leaf;
	struct vm_area_struct *vma;
	int n, ret;

	mmap_read_lock(mm);
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr) {
		ret = -ENXIO;
		goto out;
	}

	ret = memattr_pte_walk(mm, addr, &leaf);
	if (ret)
		goto out;

	n = scnprintf(buf, len, "level=%s entry=0x%llx ", leaf.level,
		      leaf.entry);
#ifdef CONFIG_ARM64
	n += memattr_pte_attr(leaf.entry, buf + n, len - n);
#elif defined(CONFIG_X86)
	n += memattr_pte_attr(leaf.entry, strcmp(leaf.level, "pte"),
			      buf + n, len - n);
#else
	n += scnprintf(buf + n, len - n, "attr=unknown");
#endif
	scnprintf(buf + n, len - n, " allow_any_uncached=%s vm_flags=0x%lx\n",
		  memattr_pte_allow_any_uncached(vma),
		  (unsigned long)vma->vm_flags);
out:
	mmap_read_unlock(mm);
	return ret;
}

/* The drivers whose drvdata is a struct vfio_pci_core_device. */
static bool memattr_barmap_driver(struct pci_dev *pdev)
{
	struct device_driver *drv = pdev->dev.driver;

	return drv && (!strcmp(drv->name, "vfio-pci") ||
		       !strcmp(drv->name, "memattr-vfio-pci"));
}

#ifdef CONFIG_ARM64
/* The attribute the MMU uses for a kernel address, as it translates it. */
static int memattr_barmap_attr(unsigned long addr, char *buf, size_t len)
{
	unsigned long flags;
	u64 par;
	u8 attr;

	local_irq_save(flags);
	asm volatile("at s1e1r, %0" : : "r" (addr));
	isb();
	par = read_sysreg(par_el1);
	local_irq_restore(flags);
	if (par & 1)	/* PAR_EL1.F: the translation faulted */
		return -ENOENT;
	attr = par >> 56;
	return scnprintf(buf, len, "attr=%s mair=0x%02x",
			 memattr_pte_mair_name(attr), attr);
}
#elif defined(CONFIG_X86)
static int memattr_barmap_attr(unsigned long addr, char *buf, size_t len)
{
	unsigned int level;
	pte_t *pte;

	pte = lookup_address(addr, &level);
	if (!pte || !pte_present(*pte))
		return -ENOENT;
	return memattr_pte_attr(pte_val(*pte), level != PG_LEVEL_4K, buf, len);
}
#else
static int memattr_barmap_attr(unsigned long addr, char *buf, size_t len)
{
	return scnprintf(buf, len, "attr=unknown");
}
#endif

static int memattr_barmap_report(const char *req, char *buf, size_t len)
{
	unsigned int domain, bus, slot, fn, bar;
	struct vfio_pci_core_device *vdev;
	void __iomem *io = NULL;
	struct pci_dev *pdev;
	int n, ret = -ENODEV;

	if (sscanf(req, "%x:%x:%x.%x %u", &domain, &bus, &slot, &fn,
		   &bar) != 5 || bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(slot, fn));
	if (!pdev)
		return -ENODEV;

	/* Bound now, and stays bound while we read its drvdata. */
	device_lock(&pdev->dev);
	if (memattr_barmap_driver(pdev)) {
		vdev = dev_get_drvdata(&pdev->dev);
		io = vdev ? READ_ONCE(vdev->barmap[bar]) : NULL;
		ret = IS_ERR_OR_NULL(io) ? -ENOENT : 0;
	}
	if (!ret) {
		n = scnprintf(buf, len, "barmap=0x%lx ", (unsigned long)io);
		ret = memattr_barmap_attr((unsigned long)io, buf + n, len - n);
		if (ret > 0) {
			n += ret;
			scnprintf(buf + n, len - n, "\n");
			ret = 0;
		}
	}
	device_unlock(&pdev->dev);
	pci_dev_put(pdev);
	return ret;
}

/*
 * The caller's mm (@pid 0) or process @pid's, with a reference
 * (mm_users): the process may exit meanwhile, but its page tables stay
 * until mmput(), and mmap_read_lock() keeps its VMAs as they are.
 */
static struct mm_struct *memattr_pte_get_mm(int pid)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *p;

	if (!pid) {
		mm = get_task_mm(current);
		return mm ?: ERR_PTR(-EINVAL);
	}
	p = find_get_pid(pid);
	task = p ? get_pid_task(p, PIDTYPE_PID) : NULL;
	put_pid(p);
	if (!task)
		return ERR_PTR(-ESRCH);
	mm = get_task_mm(task);
	put_task_struct(task);
	return mm ?: ERR_PTR(-EINVAL);
}

/* Each open file keeps the line of its last successful write. */
static int memattr_pte_open(struct inode *inode, struct file *file)
{
	file->private_data = kzalloc(MEMATTR_PTE_LINE_MAX, GFP_KERNEL);
	return file->private_data ? 0 : -ENOMEM;
}

static int memattr_pte_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/* A request written to either file, into @buf, trimmed; or ERR_PTR. */
static char *memattr_req_from_user(const char __user *ubuf, size_t count,
				   char buf[MEMATTR_REQ_MAX])
{
	if (!count || count >= MEMATTR_REQ_MAX)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(buf, ubuf, count))
		return ERR_PTR(-EFAULT);
	buf[count] = '\0';
	return strim(buf);
}

static ssize_t memattr_pte_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char *line = file->private_data, buf[MEMATTR_REQ_MAX], *req;
	struct mm_struct *mm;
	unsigned long addr;
	int ret, pid = 0;

	req = memattr_req_from_user(ubuf, count, buf);
	if (IS_ERR(req))
		return PTR_ERR(req);
	if (strchr(req, ' ')) {
		if (sscanf(req, "%d %lx", &pid, &addr) != 2 || pid <= 0)
			return -EINVAL;
	} else if (kstrtoul(req, 16, &addr)) {
		return -EINVAL;
	}

	mm = memattr_pte_get_mm(pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	line[0] = '\0';
	ret = memattr_pte_report(mm, addr, line, MEMATTR_PTE_LINE_MAX);
	mmput(mm);
	if (ret)
		return ret;

	/* The next read() starts at the new line. */
	*ppos = 0;
	return count;
}

static ssize_t memattr_barmap_write(struct file *file,
				    const char __user *ubuf, size_t count,
				    loff_t *ppos)
{
	char *line = file->private_data, buf[MEMATTR_REQ_MAX], *req;
	int ret;

	req = memattr_req_from_user(ubuf, count, buf);
	if (IS_ERR(req))
		return PTR_ERR(req);

	line[0] = '\0';
	ret = memattr_barmap_report(req, line, MEMATTR_PTE_LINE_MAX);
	if (ret)
		return ret;
	*ppos = 0;
	return count;
}

static ssize_t memattr_pte_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	const char *line = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, line, strlen(line));
}

static const struct file_operations memattr_pte_fops = {
	.owner = THIS_MODULE,
	.open = memattr_pte_open,
	.release = memattr_pte_release,
	.read = memattr_pte_read,
	.write = memattr_pte_write,
	.llseek = default_llseek,
};

static const struct file_operations memattr_barmap_fops = {
	.owner = THIS_MODULE,
	.open = memattr_pte_open,
	.release = memattr_pte_release,
	.read = memattr_pte_read,
	.write = memattr_barmap_write,
	.llseek = default_llseek,
};

static struct dentry *memattr_pte_file, *memattr_barmap_file;

static int __init memattr_pte_init(void)
{
	memattr_pte_file = debugfs_create_file("memattr-pte", 0600, NULL, NULL,
					       &memattr_pte_fops);
	if (IS_ERR(memattr_pte_file))
		return PTR_ERR(memattr_pte_file);
	memattr_barmap_file = debugfs_create_file("memattr-barmap", 0600, NULL,
						  NULL, &memattr_barmap_fops);
	if (IS_ERR(memattr_barmap_file)) {
		debugfs_remove(memattr_pte_file);
		return PTR_ERR(memattr_barmap_file);
	}
	return 0;
}
module_init(memattr_pte_init);

static void __exit memattr_pte_exit(void)
{
	debugfs_remove(memattr_barmap_file);
	debugfs_remove(memattr_pte_file);
}
module_exit(memattr_pte_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memattr-vfio-pci test: report the page-table entry of a user address or of vfio's BAR mapping");
