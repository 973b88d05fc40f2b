/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The devices a test runs on: the first from the command line or
 * MEMATTR_BDF (bdf_from_args()), the others from their environment
 * variables. An unset or empty variable leaves that device NULL (its
 * tests skip); a set one must name an existing PCI device, or the test
 * program fails before its plan. Header-only: it reports through the
 * kselftest harness, which the tools that share lib/ do not build with.
 */
#ifndef MEMATTR_SELFTEST_TEST_DEVICES_H
#define MEMATTR_SELFTEST_TEST_DEVICES_H

#include <stdlib.h>
#include <string.h>

#include "bdf.h"
#include "kmod.h"
#include "kselftest_harness.h"
#include "memattr_module.h"
#include "memattr_sysfs.h"
#include "pci_sysfs.h"

static inline void test_devices_get(int *argc, char *argv[],
				    const char *const env[], const char *bdfs[],
				    int nr)
{
	int d;

	bdfs[0] = bdf_from_args(argc, argv);
	for (d = 1; d < nr; d++)
		bdfs[d] = getenv(env[d]);
	for (d = 0; d < nr; d++) {
		if (bdfs[d] && !bdfs[d][0])
			bdfs[d] = NULL;
		if (bdfs[d] && (!bdf_valid(bdfs[d]) ||
				!pci_sysfs_device_exists(bdfs[d]))) {
			ksft_print_header();
			ksft_exit_fail_msg("%s=\"%s\": no such PCI device\n",
					   env[d], bdfs[d]);
		}
	}
}

/* Binds @bdf to @driver through driver_override, or fails the test. */
static inline void test_devices_bind(struct __test_metadata *_metadata,
				     const char *bdf, const char *driver)
{
	int ret = pci_sysfs_bind_override(bdf, driver);

	ASSERT_EQ(0, ret) TH_LOG("binding %s to %s: %s", bdf, driver,
				 strerror(-ret));
}

/*
 * @bdf back on its saved driver, bound afresh: a device left on the
 * driver it had (vfio-pci, attach mode) would keep the values a test gave
 * it, and the module pinned.  0 or -errno.
 */
static inline int test_devices_restore_one(const char *bdf,
					   const struct pci_sysfs_state *saved)
{
	int ret = pci_sysfs_unbind(bdf);

	return ret ? ret : pci_sysfs_restore(bdf, saved);
}

/*
 * A fixture's last word, also after its test died: the module loaded
 * again (with @params) if the test left it out, then every saved device
 * back on its driver.
 */
static inline void
test_devices_restore(struct __test_metadata *_metadata,
		     const char *const bdfs[],
		     const struct pci_sysfs_state saved[],
		     const bool saved_valid[], int nr, const char *params)
{
	int d, ret;

	if (!kmod_loaded(MEMATTR_MODULE)) {
		ret = memattr_module_reload(params);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("loading %s again: %s",
						 MEMATTR_MODULE, strerror(-ret));
		}
	}
	for (d = 0; d < nr; d++) {
		if (!saved_valid[d])
			continue;
		ret = test_devices_restore_one(bdfs[d], &saved[d]);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("restoring %s: %s", bdfs[d],
						 strerror(-ret));
		}
	}
}

#endif /* MEMATTR_SELFTEST_TEST_DEVICES_H */
