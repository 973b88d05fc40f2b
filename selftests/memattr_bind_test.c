// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: bind, open through both VFIO APIs, write through a BAR
 * mapping, and give the device back to the driver it had before.
 *
 * The device is given as the last argument or in $MEMATTR_BDF; the BAR2
 * test also wants $MEMATTR_TOKEN (see lib/ivshmem_pattern.h).  Every test
 * starts with the device bound to memattr-vfio-pci and ends, pass or fail,
 * with it bound to its previous driver again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "ivshmem_pattern.h"
#include "pci_sysfs.h"
#include "vfio_cdev.h"
#include "vfio_dev.h"
#include "vfio_group.h"
#include "vfio_region.h"

#define MEMATTR_DRIVER "memattr-vfio-pci"

static const char *bdf;

FIXTURE(memattr) {
	struct pci_sysfs_state saved;
	pid_t test_pid;		/* the process that owns dev and bar */
	struct vfio_dev dev;
	void *bar;
	size_t bar_len;
};

FIXTURE_SETUP(memattr)
{
	int ret;

	self->test_pid = getpid();
	vfio_dev_init(&self->dev);
	self->bar = MAP_FAILED;

	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);

	ASSERT_EQ(0, pci_sysfs_save(bdf, &self->saved));
	TH_LOG("%s: previous driver \"%s\", driver_override \"%s\"", bdf,
	       self->saved.driver, self->saved.override);

	ret = pci_sysfs_bind_override(bdf, MEMATTR_DRIVER);
	if (ret) {
		/* The teardown does not run after a failed setup. */
		pci_sysfs_restore(bdf, &self->saved);
		ASSERT_EQ(0, ret) TH_LOG("binding %s: %s", MEMATTR_DRIVER,
					 strerror(-ret));
	}
}

/*
 * A _PARENT teardown, so that it also runs when the test process died of a
 * signal (a bad mapping can raise SIGBUS); that process's exit closed every
 * descriptor and mapping of the device.  The 6.12 harness may still run it
 * in the test process itself after a failed ASSERT (a local changed after
 * setjmp() and read after longjmp()): then close and unmap first, as the
 * unbind waits until the device is no longer in use.
 */
FIXTURE_TEARDOWN_PARENT(memattr)
{
	int ret;

	if (getpid() == self->test_pid) {
		if (self->bar != MAP_FAILED)
			munmap(self->bar, self->bar_len);
		self->bar = MAP_FAILED;
		vfio_dev_close(&self->dev);
	}

	/* Not a bare EXPECT: a failed ASSERT can leave its log trigger set. */
	ret = pci_sysfs_restore(bdf, &self->saved);
	if (ret)
		EXPECT_EQ(0, ret) TH_LOG("restoring %s to \"%s\": %s", bdf,
					 self->saved.driver, strerror(-ret));
}

/* The lspci -k check: the device's driver link and the driver's own list. */
TEST_F(memattr, bound)
{
	char name[PCI_SYSFS_NAME_MAX];

	ASSERT_EQ(0, pci_sysfs_get_driver(bdf, name, sizeof(name)));
	ASSERT_STREQ(MEMATTR_DRIVER, name);
	ASSERT_TRUE(pci_sysfs_driver_has_device(MEMATTR_DRIVER, bdf));
	ASSERT_EQ(0, pci_sysfs_get_override(bdf, name, sizeof(name)));
	ASSERT_STREQ(MEMATTR_DRIVER, name);
}

static void check_bar2(struct __test_metadata *_metadata, int device_fd)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info rinfo;

	ASSERT_EQ(0, ioctl(device_fd, VFIO_DEVICE_GET_INFO, &dinfo));
	ASSERT_NE(0U, dinfo.flags & VFIO_DEVICE_FLAGS_PCI);
	ASSERT_GT(dinfo.num_regions, (__u32)VFIO_PCI_BAR2_REGION_INDEX);

	ASSERT_EQ(0, vfio_region_get_info(device_fd,
					  VFIO_PCI_BAR2_REGION_INDEX, &rinfo));
	TH_LOG("BAR2: size 0x%llx offset 0x%llx flags 0x%x",
	       (unsigned long long)rinfo.size,
	       (unsigned long long)rinfo.offset, rinfo.flags);
	ASSERT_GT(rinfo.size, 0ULL);
	ASSERT_NE(0U, rinfo.flags & VFIO_REGION_INFO_FLAG_READ);
	ASSERT_NE(0U, rinfo.flags & VFIO_REGION_INFO_FLAG_WRITE);
	ASSERT_NE(0U, rinfo.flags & VFIO_REGION_INFO_FLAG_MMAP);
}

TEST_F(memattr, group_bar2_info)
{
	if (access(VFIO_CONTAINER_PATH, F_OK))
		SKIP(return, "no %s: kernel without the VFIO container API",
		     VFIO_CONTAINER_PATH);

	ASSERT_EQ(0, vfio_group_open_device(bdf, &self->dev));
	check_bar2(_metadata, self->dev.device_fd);
}

TEST_F(memattr, cdev_iommufd_bar2_info)
{
	char name[PCI_SYSFS_NAME_MAX];
	int ret;

	ret = vfio_cdev_name(bdf, name, sizeof(name));
	if (ret == -ENOENT)
		SKIP(return, "no VFIO device cdev: kernel without CONFIG_VFIO_DEVICE_CDEV (6.6+)");
	ASSERT_EQ(0, ret);
	if (access(IOMMUFD_PATH, F_OK))
		SKIP(return, "no %s: kernel without CONFIG_IOMMUFD (6.2+)",
		     IOMMUFD_PATH);

	ASSERT_EQ(0, vfio_cdev_open_device(bdf, &self->dev));
	TH_LOG("%s: /dev/vfio/devices/%s attached to IOAS %u", bdf, name,
	       self->dev.ioas_id);
	check_bar2(_metadata, self->dev.device_fd);
}

/*
 * Writes the pattern of lib/ivshmem_pattern.h through a user mapping of
 * BAR2 and reads it back.  Byte-wide volatile accesses: the mapping is
 * uncached or device memory, where the compiler must neither merge, split
 * nor reorder accesses, and where the wider, possibly unaligned stores of
 * memcpy() may fault (arm64 Device memory).  msync() does not apply: the
 * stores go to the device, not to a page cache (and the vfio device file
 * has no fsync, so MS_SYNC fails with EINVAL).  A full barrier before the
 * read-back orders the stores ahead of the loads.
 */
TEST_F(memattr, bar2_write_pattern)
{
	struct vfio_region_info rinfo;
	const char *token;
	volatile uint8_t *bar;
	unsigned int vendor, device;
	unsigned int bad = 0;
	size_t i, len;

	ASSERT_EQ(0, pci_sysfs_read_id(bdf, "vendor", &vendor));
	ASSERT_EQ(0, pci_sysfs_read_id(bdf, "device", &device));
	if (vendor != IVSHMEM_VENDOR || device != IVSHMEM_DEVICE)
		SKIP(return, "%s is %04x:%04x, not ivshmem: not writing its BAR2",
		     bdf, vendor, device);

	token = getenv(IVSHMEM_TOKEN_ENV);
	if (!token)
		SKIP(return, "%s not set", IVSHMEM_TOKEN_ENV);
	ASSERT_TRUE(ivshmem_token_valid(token))
		TH_LOG("%s must be 1 to %d hex digits: \"%s\"",
		       IVSHMEM_TOKEN_ENV, IVSHMEM_TOKEN_MAX, token);
	len = strlen(token);

	if (access(VFIO_CONTAINER_PATH, F_OK))
		SKIP(return, "no %s: kernel without the VFIO container API",
		     VFIO_CONTAINER_PATH);
	ASSERT_EQ(0, vfio_group_open_device(bdf, &self->dev));
	ASSERT_EQ(0, vfio_region_get_info(self->dev.device_fd,
					  IVSHMEM_SHMEM_BAR, &rinfo));
	ASSERT_GE(rinfo.size, (__u64)IVSHMEM_PATTERN_END);

	self->bar_len = rinfo.size;
	self->bar = vfio_region_mmap(self->dev.device_fd, &rinfo, 0);
	ASSERT_NE(MAP_FAILED, self->bar);
	bar = self->bar;

	for (i = 0; i < len; i++)
		bar[IVSHMEM_TOKEN_OFFSET + i] = token[i];
	for (i = 0; i < IVSHMEM_PAGE_SIZE; i++)
		bar[IVSHMEM_PAGE_OFFSET + i] = ivshmem_page_byte(i);
	__sync_synchronize();

	for (i = 0; i < len; i++) {
		uint8_t got = bar[IVSHMEM_TOKEN_OFFSET + i];

		if (got != (uint8_t)token[i] && !bad++)
			TH_LOG("token byte %zu: read 0x%02x, wrote 0x%02x",
			       i, got, (uint8_t)token[i]);
	}
	for (i = 0; i < IVSHMEM_PAGE_SIZE; i++) {
		uint8_t got = bar[IVSHMEM_PAGE_OFFSET + i];

		if (got != ivshmem_page_byte(i) && !bad++)
			TH_LOG("page byte %zu: read 0x%02x, wrote 0x%02x",
			       i, got, ivshmem_page_byte(i));
	}
	ASSERT_EQ(0U, bad);
	TH_LOG("wrote and read back %zu token bytes and one page", len);

	ASSERT_EQ(0, munmap(self->bar, self->bar_len));
	self->bar = MAP_FAILED;
}

/*
 * What the teardown does, as a test of its own: nothing is open, so the
 * unbind does not wait, and the previous driver must bind again.
 */
TEST_F(memattr, rebind_previous)
{
	char name[PCI_SYSFS_NAME_MAX];
	int ret;

	ASSERT_EQ(0, pci_sysfs_restore(bdf, &self->saved));

	ret = pci_sysfs_get_driver(bdf, name, sizeof(name));
	if (!self->saved.driver[0]) {
		ASSERT_EQ(-ENOENT, ret);
	} else {
		ASSERT_EQ(0, ret);
		ASSERT_STREQ(self->saved.driver, name);
		ASSERT_TRUE(pci_sysfs_driver_has_device(name, bdf));
	}
	ASSERT_FALSE(pci_sysfs_driver_has_device(MEMATTR_DRIVER, bdf) &&
		     strcmp(self->saved.driver, MEMATTR_DRIVER));

	ASSERT_EQ(0, pci_sysfs_get_override(bdf, name, sizeof(name)));
	ASSERT_STREQ(self->saved.override, name);
}

int main(int argc, char *argv[])
{
	bdf = bdf_from_args(&argc, argv);
	if (!bdf) {
		ksft_print_header();
		ksft_exit_skip("no device: set %s=DDDD:BB:DD.F or pass it as the last argument\n",
			       BDF_ENV);
	}
	if (!bdf_valid(bdf)) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\" is not a PCI address DDDD:BB:DD.F\n",
				   BDF_ENV, bdf);
	}
	if (!pci_sysfs_device_exists(bdf)) {
		ksft_print_header();
		ksft_exit_fail_msg("no PCI device %s in /sys/bus/pci/devices\n",
				   bdf);
	}

	return test_harness_run(argc, argv);
}
