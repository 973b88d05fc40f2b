// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: a memory BAR the driver cannot have behaves as on
 * stock vfio-pci, whatever its value: the open succeeds, that BAR's mmap
 * fails with stock's error, and the other BARs still work. Three ways a
 * BAR is out of reach:
 *
 *   claimed.*     another owner holds its region busy
 *                 (selftests/modules/memattr-pci-inject.ko);
 *   unassigned.*  it has no address, as the PCI core leaves a BAR that no
 *                 bridge window had room for (a GPU's large BAR, say), made
 *                 by the same module on the 8 MiB ivshmem;
 *   no_window.*   the PCI core itself left it so: the arm64 lowmem boot
 *                 (QEMU virt highmem=off, a 32-bit window of about 750 MiB)
 *                 has no room for the 1 GiB ivshmem's BAR2. Other boots
 *                 assign it, and these tests skip.
 *
 * A BAR without an address is no memory BAR and has no knob: its value is
 * what the module's default_attr would give it at bind (none of the
 * policy's values may fail the open of a device with such a BAR). For
 * normal-nc on x86 this also means no UC- kernel mapping ever sits under
 * a WC user mapping.
 *
 * Devices: the ivshmem given as the last argument or in $MEMATTR_BDF
 * (BAR0 registers, BAR2 shared memory), and $MEMATTR_BDF2 (the 1 GiB
 * one); each ends on its previous driver.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "kmod.h"
#include "memattr_sysfs.h"
#include "pci_bars.h"
#include "pci_inject.h"
#include "pci_sysfs.h"
#include "vfio_dev.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define BDF2_ENV	"MEMATTR_BDF2"
#define BAR0		0
#define BAR2		2

static const char *bdf, *bdf2;

enum reach {
	CLAIMED,	/* inject: region busy */
	UNASSIGNED,	/* inject: no address */
	NO_WINDOW,	/* the PCI core found no room */
};

struct claimed_result {
	int open_err;		/* 0 or -errno */
	int mmap_errno;		/* BAR2: 0 if it mapped */
	ssize_t bar0_read;	/* pread of 4 bytes of BAR0 */
};

FIXTURE(claimed) {
	const char *dev;
	char saved_default_attr[MEMATTR_VALUE_MAX];
	struct pci_sysfs_state saved;
	bool saved_valid;
	pid_t test_pid;
	struct vfio_dev vfio;
};

FIXTURE_VARIANT(claimed) {
	const char *value;	/* bar2 of memattr-vfio-pci */
	enum reach how;
};

FIXTURE_VARIANT_ADD(claimed, default) {
	.value = "default", .how = CLAIMED,
};

FIXTURE_VARIANT_ADD(claimed, device_ngnre) {
	.value = "device-ngnre", .how = CLAIMED,
};

FIXTURE_VARIANT_ADD(claimed, normal_nc) {
	.value = "normal-nc", .how = CLAIMED,
};

FIXTURE_VARIANT_ADD(claimed, unassigned_default) {
	.value = "default", .how = UNASSIGNED,
};

FIXTURE_VARIANT_ADD(claimed, unassigned_device_ngnre) {
	.value = "device-ngnre", .how = UNASSIGNED,
};

FIXTURE_VARIANT_ADD(claimed, unassigned_normal_nc) {
	.value = "normal-nc", .how = UNASSIGNED,
};

FIXTURE_VARIANT_ADD(claimed, no_window_default) {
	.value = "default", .how = NO_WINDOW,
};

FIXTURE_VARIANT_ADD(claimed, no_window_normal_nc) {
	.value = "normal-nc", .how = NO_WINDOW,
};

/* Whether the PCI core gave BAR2 of @dev no address. */
static bool bar2_has_no_address(const char *dev)
{
	struct pci_bar bars[PCI_BAR_COUNT];

	return !pci_bars_read(dev, bars) && bars[BAR0].kind == PCI_BAR_MEM &&
	       !bars[BAR2].size;
}

FIXTURE_SETUP(claimed)
{
	self->test_pid = getpid();
	self->saved_valid = false;
	self->dev = variant->how == NO_WINDOW ? bdf2 : bdf;
	self->saved_default_attr[0] = '\0';
	vfio_dev_init(&self->vfio);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	if (variant->how != NO_WINDOW && !pci_inject_available())
		SKIP(return, "no %s: memattr-pci-inject.ko not loaded",
		     PCI_INJECT_DIR);
	if (variant->how == NO_WINDOW && !self->dev)
		SKIP(return, "no second device: set %s", BDF2_ENV);
	if (variant->how == NO_WINDOW && !bar2_has_no_address(self->dev))
		SKIP(return, "BAR2 of %s has an address (the arm64 lowmem boot leaves it none)",
		     self->dev);
	ASSERT_EQ(0, memattr_param_read("default_attr",
					self->saved_default_attr,
					sizeof(self->saved_default_attr)));
	ASSERT_EQ(0, pci_sysfs_save(self->dev, &self->saved));
	self->saved_valid = true;
}

/* BAR2 of the unbound @dev gets its address back (0 if it had one). */
static int reassign_bar2(const char *dev)
{
	int ret = pci_sysfs_unbind(dev);

	if (!ret)
		ret = pci_inject_assign(dev, BAR2);
	return ret == -EINVAL ? 0 : ret;
}

FIXTURE_TEARDOWN_PARENT(claimed)
{
	if (getpid() == self->test_pid)
		vfio_dev_close(&self->vfio);
	if (variant->how == CLAIMED && pci_inject_available())
		pci_inject_release_all();
	if (variant->how == UNASSIGNED && self->saved_valid &&
	    pci_inject_available()) {
		EXPECT_EQ(0, reassign_bar2(self->dev));
	}
	if (self->saved_default_attr[0] && kmod_loaded(MEMATTR_MODULE)) {
		EXPECT_EQ(0, memattr_param_write("default_attr",
						 self->saved_default_attr));
	}
	if (self->saved_valid)
		ASSERT_EQ(0, pci_sysfs_restore(self->dev, &self->saved));
}

/* BAR2 out of reach, then @driver bound (and @value set, if not NULL). */
static void bar2_out_of_reach(struct __test_metadata *_metadata,
			      const char *dev, enum reach how,
			      const char *driver, const char *value)
{
	if (how == UNASSIGNED) {
		ASSERT_EQ(0, pci_sysfs_unbind(dev));
		ASSERT_EQ(0, pci_inject_unassign(dev, BAR2));
	}
	/* No address, no knob: the value the policy gives at bind. */
	if (how != CLAIMED && value)
		ASSERT_EQ(0, memattr_param_write("default_attr", value));
	ASSERT_EQ(0, pci_sysfs_bind_override(dev, driver));
	if (how != CLAIMED && value)
		ASSERT_FALSE(memattr_bar_file_exists(dev, BAR2))
			TH_LOG("a knob for a BAR without an address");
	if (how == CLAIMED && value)
		ASSERT_EQ(0, memattr_bar_write(dev, BAR2, value));
	if (how == CLAIMED)
		ASSERT_EQ(0, pci_inject_claim(dev, BAR2));
}

/* Within reach again, as it was before bar2_out_of_reach(). */
static void bar2_back(struct __test_metadata *_metadata, const char *dev,
		      enum reach how)
{
	if (how == UNASSIGNED)
		ASSERT_EQ(0, reassign_bar2(dev));
	if (how == CLAIMED)
		ASSERT_EQ(0, pci_inject_release_all());
}

/* Opens @dev on @driver with BAR2 out of reach; tries both BARs. */
static void try_claimed(struct __test_metadata *_metadata,
			struct vfio_dev *vfio, const char *dev, enum reach how,
			const char *driver, const char *value,
			struct claimed_result *r)
{
	struct vfio_region_info ri;
	uint32_t reg;
	void *m;

	bar2_out_of_reach(_metadata, dev, how, driver, value);

	r->open_err = vfio_open_device(dev, vfio);
	if (r->open_err)
		goto out;
	ASSERT_EQ(0, vfio_region_get_info(vfio->device_fd, BAR2, &ri));
	m = vfio_region_mmap(vfio->device_fd, &ri, 0);
	r->mmap_errno = m == MAP_FAILED ? errno : 0;
	if (m != MAP_FAILED)
		munmap(m, ri.size);
	ASSERT_EQ(0, vfio_region_get_info(vfio->device_fd, BAR0, &ri));
	r->bar0_read = pread(vfio->device_fd, &reg, sizeof(reg), ri.offset);
	vfio_dev_close(vfio);
out:
	bar2_back(_metadata, dev, how);
	TH_LOG("%s%s%s: open %s, BAR2 mmap %s, BAR0 read %zd", driver,
	       value ? " bar2=" : "", value ? value : "",
	       r->open_err ? strerror(-r->open_err) : "ok",
	       r->mmap_errno ? strerror(r->mmap_errno) : "mapped",
	       r->bar0_read);
}

TEST_F(claimed, open_ok_mmap_fails_as_stock)
{
	struct claimed_result stock = { 0 }, ours = { 0 };

	try_claimed(_metadata, &self->vfio, self->dev, variant->how,
		    STOCK_DRIVER, NULL, &stock);
	try_claimed(_metadata, &self->vfio, self->dev, variant->how,
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
	bdf2 = getenv(BDF2_ENV);
	if (bdf2 && !*bdf2)
		bdf2 = NULL;
	if (!bdf) {
		ksft_print_header();
		ksft_exit_skip("no device: pass a BDF or set %s\n", BDF_ENV);
	}
	return test_harness_run(argc, argv);
}
