// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: a memory BAR the driver cannot have behaves as on
 * stock vfio-pci, whatever its value: the open succeeds, that BAR's mmap
 * fails with stock's error, and the other BARs still work. Two ways a BAR
 * is out of reach, both made by selftests/modules/memattr-pci-inject.ko:
 *
 *   claimed.*     another owner holds its region busy;
 *   unassigned.*  it has no address: released with pci_release_resource(),
 *                 the state the PCI core leaves a BAR in when no bridge
 *                 window has room for it (a GPU's large BAR, say).
 *
 * For normal-nc on x86 this also means no UC- kernel mapping ever sits
 * under a WC user mapping.
 *
 * Device: the ivshmem given as the last argument or in $MEMATTR_BDF
 * (BAR0 registers, BAR2 shared memory); it ends on its previous driver.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "memattr_sysfs.h"
#include "pci_inject.h"
#include "pci_sysfs.h"
#include "vfio_dev.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define BAR0		0
#define BAR2		2

static const char *bdf;

struct claimed_result {
	int open_err;		/* 0 or -errno */
	int mmap_errno;		/* BAR2: 0 if it mapped */
	ssize_t bar0_read;	/* pread of 4 bytes of BAR0 */
};

FIXTURE(claimed) {
	struct pci_sysfs_state saved;
	bool saved_valid;
	pid_t test_pid;
	struct vfio_dev dev;
};

FIXTURE_VARIANT(claimed) {
	const char *value;	/* bar2 of memattr-vfio-pci */
	bool unassigned;	/* else claimed */
};

FIXTURE_VARIANT_ADD(claimed, default) {
	.value = "default",
};

FIXTURE_VARIANT_ADD(claimed, device_ngnre) {
	.value = "device-ngnre",
};

FIXTURE_VARIANT_ADD(claimed, normal_nc) {
	.value = "normal-nc",
};

FIXTURE_VARIANT_ADD(claimed, unassigned_default) {
	.value = "default", .unassigned = true,
};

FIXTURE_VARIANT_ADD(claimed, unassigned_device_ngnre) {
	.value = "device-ngnre", .unassigned = true,
};

FIXTURE_VARIANT_ADD(claimed, unassigned_normal_nc) {
	.value = "normal-nc", .unassigned = true,
};

FIXTURE_SETUP(claimed)
{
	self->test_pid = getpid();
	self->saved_valid = false;
	vfio_dev_init(&self->dev);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	if (!pci_inject_available())
		SKIP(return, "no %s: memattr-pci-inject.ko not loaded",
		     PCI_INJECT_DIR);
	ASSERT_EQ(0, pci_sysfs_save(bdf, &self->saved));
	self->saved_valid = true;
}

/* BAR2 gets an address again, on the unbound device (0 if it had one). */
static int reassign_bar2(void)
{
	int ret = pci_sysfs_unbind(bdf);

	if (!ret)
		ret = pci_inject_assign(bdf, BAR2);
	return ret == -EINVAL || ret == -EBUSY ? 0 : ret;
}

FIXTURE_TEARDOWN_PARENT(claimed)
{
	if (getpid() == self->test_pid)
		vfio_dev_close(&self->dev);
	if (pci_inject_available())
		pci_inject_release_all();
	if (variant->unassigned && pci_inject_available()) {
		EXPECT_EQ(0, reassign_bar2());
	}
	if (self->saved_valid)
		ASSERT_EQ(0, pci_sysfs_restore(bdf, &self->saved));
}

/* BAR2 out of reach, then @driver bound (and @value set, if not NULL). */
static void bar2_out_of_reach(struct __test_metadata *_metadata,
			      bool unassigned, const char *driver,
			      const char *value)
{
	if (unassigned) {
		ASSERT_EQ(0, pci_sysfs_unbind(bdf));
		ASSERT_EQ(0, pci_inject_unassign(bdf, BAR2));
	}
	ASSERT_EQ(0, pci_sysfs_bind_override(bdf, driver));
	if (value)
		ASSERT_EQ(0, memattr_bar_write(bdf, BAR2, value));
	if (!unassigned)
		ASSERT_EQ(0, pci_inject_claim(bdf, BAR2));
}

/* Opens the device on @driver with BAR2 out of reach; tries both BARs. */
static void try_claimed(struct __test_metadata *_metadata,
			struct vfio_dev *dev, bool unassigned,
			const char *driver, const char *value,
			struct claimed_result *r)
{
	struct vfio_region_info ri;
	uint32_t reg;
	void *m;

	bar2_out_of_reach(_metadata, unassigned, driver, value);

	r->open_err = vfio_open_device(bdf, dev);
	if (r->open_err)
		goto out;
	ASSERT_EQ(0, vfio_region_get_info(dev->device_fd, BAR2, &ri));
	m = vfio_region_mmap(dev->device_fd, &ri, 0);
	r->mmap_errno = m == MAP_FAILED ? errno : 0;
	if (m != MAP_FAILED)
		munmap(m, ri.size);
	ASSERT_EQ(0, vfio_region_get_info(dev->device_fd, BAR0, &ri));
	r->bar0_read = pread(dev->device_fd, &reg, sizeof(reg), ri.offset);
	vfio_dev_close(dev);
out:
	if (unassigned) {
		ASSERT_EQ(0, reassign_bar2());
	} else {
		ASSERT_EQ(0, pci_inject_release_all());
	}
	TH_LOG("%s%s%s: open %s, BAR2 mmap %s, BAR0 read %zd", driver,
	       value ? " bar2=" : "", value ? value : "",
	       r->open_err ? strerror(-r->open_err) : "ok",
	       r->mmap_errno ? strerror(r->mmap_errno) : "mapped",
	       r->bar0_read);
}

TEST_F(claimed, open_ok_mmap_fails_as_stock)
{
	struct claimed_result stock = { 0 }, ours = { 0 };

	try_claimed(_metadata, &self->dev, variant->unassigned, STOCK_DRIVER,
		    NULL, &stock);
	try_claimed(_metadata, &self->dev, variant->unassigned,
		    MEMATTR_DRIVER, variant->value, &ours);

	/* The condition must bite at all, or this proves nothing. */
	ASSERT_EQ(0, stock.open_err);
	ASSERT_NE(0, stock.mmap_errno) TH_LOG("stock mapped BAR2 out of reach");

	ASSERT_EQ(0, ours.open_err);
	ASSERT_EQ(stock.mmap_errno, ours.mmap_errno);
	ASSERT_EQ((ssize_t)sizeof(uint32_t), ours.bar0_read);
	ASSERT_EQ(stock.bar0_read, ours.bar0_read);
}

int main(int argc, char *argv[])
{
	bdf = bdf_from_args(&argc, argv);
	if (!bdf) {
		ksft_print_header();
		ksft_exit_skip("no device: pass a BDF or set %s\n", BDF_ENV);
	}
	return test_harness_run(argc, argv);
}
