// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: vfio's own kernel mapping of a BAR (vdev->barmap, what
 * its pread/pwrite path and ioeventfds use) has the memory type the
 * policy allows, read from the kernel's real state by the memattr-pte
 * test module: on arm64 the attribute the MMU translates the address
 * with, on x86 the kernel page-table entry.
 *
 *   arm64: a Device type for every value, the same as stock vfio-pci's
 *          (a Normal-NC kernel mapping would give vfio's accesses no
 *          ordering, gathering and speculative reads for no benefit);
 *   x86:   write-combining for normal-nc (PAT takes a user mapping's type
 *          from it), stock's type (UC-) for every other value.
 *
 * In both modes: the variant driver and a device left on vfio-pci.
 * Device: the ivshmem given as the last argument or in $MEMATTR_BDF; it
 * ends on its previous driver with every knob at default.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "memattr_pte.h"
#include "memattr_sysfs.h"
#include "pci_sysfs.h"
#include "vfio_dev.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define BAR2		2
#define ATTR_MAX	32

static const char *bdf;

FIXTURE(barmap) {
	struct pci_sysfs_state saved;
	bool saved_valid;
	pid_t test_pid;
	struct vfio_dev dev;
};

FIXTURE_VARIANT(barmap) {
	const char *driver;	/* with the knob */
	const char *value;
};

FIXTURE_VARIANT_ADD(barmap, default) {
	.driver = MEMATTR_DRIVER, .value = "default",
};

FIXTURE_VARIANT_ADD(barmap, device_ngnrne) {
	.driver = MEMATTR_DRIVER, .value = "device-ngnrne",
};

FIXTURE_VARIANT_ADD(barmap, device_ngnre) {
	.driver = MEMATTR_DRIVER, .value = "device-ngnre",
};

FIXTURE_VARIANT_ADD(barmap, normal_nc) {
	.driver = MEMATTR_DRIVER, .value = "normal-nc",
};

FIXTURE_VARIANT_ADD(barmap, attached_device_ngnre) {
	.driver = STOCK_DRIVER, .value = "device-ngnre",
};

FIXTURE_VARIANT_ADD(barmap, attached_normal_nc) {
	.driver = STOCK_DRIVER, .value = "normal-nc",
};

FIXTURE_SETUP(barmap)
{
	self->test_pid = getpid();
	self->saved_valid = false;
	vfio_dev_init(&self->dev);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	if (access(MEMATTR_BARMAP_PATH, F_OK))
		SKIP(return, "no %s: memattr-pte.ko not loaded",
		     MEMATTR_BARMAP_PATH);
	ASSERT_EQ(0, pci_sysfs_save(bdf, &self->saved));
	self->saved_valid = true;
}

FIXTURE_TEARDOWN_PARENT(barmap)
{
	if (getpid() == self->test_pid)
		vfio_dev_close(&self->dev);
	if (self->saved_valid && memattr_bar_file_exists(bdf, BAR2))
		memattr_bar_write(bdf, BAR2, "default");
	if (self->saved_valid)
		ASSERT_EQ(0, pci_sysfs_restore(bdf, &self->saved));
}

/*
 * Binds @driver, sets bar2 to @value (NULL: stock, no knob written),
 * opens the device, reads BAR2 through vfio (6.1 and 6.12 map it at the
 * first access) and returns the type of vfio's mapping in @attr.
 */
static void barmap_attr(struct __test_metadata *_metadata,
			struct vfio_dev *dev, const char *driver,
			const char *value, char *attr)
{
	struct vfio_region_info ri;
	uint32_t word;

	ASSERT_EQ(0, pci_sysfs_bind_override(bdf, driver));
	if (value)
		ASSERT_EQ(0, memattr_bar_write(bdf, BAR2, value));
	ASSERT_EQ(0, vfio_open_device(bdf, dev));
	ASSERT_EQ(0, vfio_region_get_info(dev->device_fd, BAR2, &ri));
	ASSERT_EQ((ssize_t)sizeof(word),
		  pread(dev->device_fd, &word, sizeof(word), ri.offset));
	ASSERT_EQ(0, memattr_barmap_query(bdf, BAR2, attr, ATTR_MAX));
	vfio_dev_close(dev);
	vfio_dev_init(dev);
	if (value)
		ASSERT_EQ(0, memattr_bar_write(bdf, BAR2, "default"));
	TH_LOG("%s%s%s: vfio's BAR2 mapping is %s", driver,
	       value ? " bar2=" : "", value ? value : "", attr);
}

TEST_F(barmap, kernel_mapping_type)
{
	char stock[ATTR_MAX], ours[ATTR_MAX];

	barmap_attr(_metadata, &self->dev, STOCK_DRIVER, NULL, stock);
	barmap_attr(_metadata, &self->dev, variant->driver, variant->value,
		    ours);
#ifdef __aarch64__
	ASSERT_EQ(0, strncmp(stock, "Device-", 7));
	ASSERT_STREQ(stock, ours);
#elif defined(__x86_64__)
	/* PAT takes a WC user mapping's type from this one. */
	ASSERT_STREQ(strcmp(variant->value, "normal-nc") ? stock : "WC", ours);
#else
	SKIP(return, "no expectation for this architecture");
#endif
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
