// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only: PCI conditions that emulated hardware cannot produce on
 * demand, made with the kernel's own PCI calls.
 *
 * /sys/kernel/debug/memattr-pci-inject/surprise_remove: write a BDF. The
 *   device is marked disconnected (error_state pci_channel_io_perm_failure,
 *   what pci_dev_set_disconnected() does for pciehp and DPC when a device
 *   vanished), then removed with pci_stop_and_remove_bus_device_locked(),
 *   pciehp's path. The write returns once the removal is complete, that is
 *   once the driver's users let go. A rescan (/sys/bus/pci/rescan) brings
 *   the device back.
 *
 * /sys/kernel/debug/memattr-pci-inject/claim: write "BDF N" to claim BAR N
 *   of a device as busy, as another driver holding the region would, or
 *   "release" to let every claim go. Module removal releases them too.
 *
 * /sys/kernel/debug/memattr-pci-inject/unassign: write "BDF N" to take
 *   memory BAR N of a device bound to no driver out of the resource tree
 *   and leave it as the PCI core leaves a BAR that no bridge window had
 *   room for: pci_assign_resource() failed and setup-bus.c's
 *   reset_resource() cleared it (start, end and flags 0; Linux 6.1 to
 *   6.12). Write "assign BDF N" to give it its size, flags and an address
 *   again (pci_assign_resource()). One BAR at a time.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#define INJECT_NAME	"memattr-pci-inject"
#define INJECT_CLAIMS	8
#define INJECT_LINE_MAX	64

static struct dentry *inject_dir;
static DEFINE_MUTEX(inject_lock);	/* claims, unassigned */
static struct resource *claims[INJECT_CLAIMS];

/* The BAR taken away, and what it was. */
static struct {
	struct pci_dev *pdev;		/* a reference, or NULL */
	unsigned int bar;
	unsigned long flags;
	resource_size_t size;
} unassigned;

static int inject_read_line(const char __user *ubuf, size_t count,
			    char *line)
{
	if (!count || count >= INJECT_LINE_MAX)
		return -EINVAL;
	if (copy_from_user(line, ubuf, count))
		return -EFAULT;
	line[count] = '\0';
	strim(line);
	return 0;
}

static struct pci_dev *inject_find(const char *bdf)
{
	unsigned int domain, bus, slot, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &domain, &bus, &slot, &fn) != 4)
		return NULL;
	return pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(slot, fn));
}

static ssize_t inject_surprise_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	char line[INJECT_LINE_MAX];
	struct pci_dev *pdev;
	int ret;

	ret = inject_read_line(ubuf, count, line);
	if (ret)
		return ret;
	pdev = inject_find(line);
	if (!pdev)
		return -ENODEV;

	device_lock(&pdev->dev);
	WRITE_ONCE(pdev->error_state, pci_channel_io_perm_failure);
	device_unlock(&pdev->dev);
	pci_info(pdev, INJECT_NAME ": surprise removal\n");
	pci_stop_and_remove_bus_device_locked(pdev);
	pci_dev_put(pdev);
	return count;
}

static const struct file_operations inject_surprise_fops = {
	.owner = THIS_MODULE,
	.write = inject_surprise_write,
	.llseek = noop_llseek,
};

static void inject_release_all(void)
{
	int i;

	for (i = 0; i < INJECT_CLAIMS; i++) {
		if (claims[i])
			release_mem_region(claims[i]->start,
					   resource_size(claims[i]));
		claims[i] = NULL;
	}
}

static int inject_claim(const char *line)
{
	char bdf[INJECT_LINE_MAX];
	struct pci_dev *pdev;
	unsigned int bar;
	int i, ret = -ENOSPC;

	if (sscanf(line, "%63s %u", bdf, &bar) != 2 || bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	pdev = inject_find(bdf);
	if (!pdev)
		return -ENODEV;
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
	    !pci_resource_len(pdev, bar)) {
		pci_dev_put(pdev);
		return -EINVAL;
	}

	for (i = 0; i < INJECT_CLAIMS; i++) {
		if (claims[i])
			continue;
		claims[i] = request_mem_region(pci_resource_start(pdev, bar),
					       pci_resource_len(pdev, bar),
					       INJECT_NAME);
		ret = claims[i] ? 0 : -EBUSY;
		break;
	}
	if (!ret)
		pci_info(pdev, INJECT_NAME ": BAR %u claimed\n", bar);
	pci_dev_put(pdev);
	return ret;
}

static ssize_t inject_claim_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char line[INJECT_LINE_MAX];
	int ret;

	ret = inject_read_line(ubuf, count, line);
	if (ret)
		return ret;
	mutex_lock(&inject_lock);
	if (!strcmp(line, "release"))
		inject_release_all();
	else
		ret = inject_claim(line);
	mutex_unlock(&inject_lock);
	return ret ? ret : count;
}

static const struct file_operations inject_claim_fops = {
	.owner = THIS_MODULE,
	.write = inject_claim_write,
	.llseek = noop_llseek,
};

/* "BDF N": the device and BAR N of it; or an ERR_PTR(). */
static struct pci_dev *inject_find_bar(const char *line, unsigned int *bar)
{
	char bdf[INJECT_LINE_MAX];
	struct pci_dev *pdev;

	if (sscanf(line, "%63s %u", bdf, bar) != 2 || *bar >= PCI_STD_NUM_BARS)
		return ERR_PTR(-EINVAL);
	pdev = inject_find(bdf);
	return pdev ?: ERR_PTR(-ENODEV);
}

/* Called with inject_lock and the unbound device's lock held. */
static int inject_unassign(struct pci_dev *pdev, unsigned int bar)
{
	struct resource *r = pci_resource_n(pdev, bar);

	if (unassigned.pdev)
		return -EBUSY;
	if (!(r->flags & IORESOURCE_MEM) || !r->parent)
		return -EINVAL;
	unassigned.flags = r->flags;
	unassigned.size = resource_size(r);
	release_resource(r);
	r->start = 0;
	r->end = 0;
	r->flags = 0;
	unassigned.pdev = pci_dev_get(pdev);
	unassigned.bar = bar;
	return 0;
}

static int inject_assign(struct pci_dev *pdev, unsigned int bar)
{
	struct resource *r = pci_resource_n(pdev, bar);
	int ret;

	if (unassigned.pdev != pdev || unassigned.bar != bar)
		return -EINVAL;
	r->start = 0;
	r->end = unassigned.size - 1;
	r->flags = unassigned.flags | IORESOURCE_UNSET;
	ret = pci_assign_resource(pdev, bar);
	if (ret) {
		r->start = 0;
		r->end = 0;
		r->flags = 0;
		return ret;
	}
	pci_dev_put(unassigned.pdev);
	unassigned.pdev = NULL;
	return 0;
}

static ssize_t inject_unassign_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	char line[INJECT_LINE_MAX];
	bool assign = false;
	struct pci_dev *pdev;
	unsigned int bar;
	const char *arg;
	int ret;

	ret = inject_read_line(ubuf, count, line);
	if (ret)
		return ret;
	arg = line;
	if (!strncmp(line, "assign ", 7)) {
		assign = true;
		arg = line + 7;
	}
	pdev = inject_find_bar(arg, &bar);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);

	mutex_lock(&inject_lock);
	/* Unbound, and no driver binds while the device lock is held. */
	device_lock(&pdev->dev);
	if (pdev->dev.driver)
		ret = -EBUSY;
	else if (assign)
		ret = inject_assign(pdev, bar);
	else
		ret = inject_unassign(pdev, bar);
	device_unlock(&pdev->dev);
	mutex_unlock(&inject_lock);
	if (!ret)
		pci_info(pdev, INJECT_NAME ": BAR %u %s\n", bar,
			 assign ? "assigned" : "unassigned");
	pci_dev_put(pdev);
	return ret ? ret : count;
}

static const struct file_operations inject_unassign_fops = {
	.owner = THIS_MODULE,
	.write = inject_unassign_write,
	.llseek = noop_llseek,
};

static int __init inject_init(void)
{
	inject_dir = debugfs_create_dir(INJECT_NAME, NULL);
	debugfs_create_file("surprise_remove", 0200, inject_dir, NULL,
			    &inject_surprise_fops);
	debugfs_create_file("claim", 0200, inject_dir, NULL,
			    &inject_claim_fops);
	debugfs_create_file("unassign", 0200, inject_dir, NULL,
			    &inject_unassign_fops);
	return 0;
}
module_init(inject_init);

static void __exit inject_exit(void)
{
	debugfs_remove(inject_dir);
	mutex_lock(&inject_lock);
	inject_release_all();
	/* A BAR still unassigned stays so: its device may be bound by now. */
	pci_dev_put(unassigned.pdev);
	mutex_unlock(&inject_lock);
}
module_exit(inject_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memattr-vfio-pci selftests: PCI surprise removal, busy and unassigned BARs");
