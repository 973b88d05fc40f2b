/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mode a suite runs the module in, from MEMATTR_TEST_MODE:
 *
 *   variant (or unset)  the test devices bound to memattr-vfio-pci;
 *   attach              the test devices left on stock vfio-pci, where the
 *                       module attaches the same knobs (src/attach.c).
 *
 * What differs between them (README, src/attach.c): default_attr applies
 * to binds to the variant driver only; and a device on vfio-pci has the
 * module in its path ("engaged": its ops wrapped, the module pinned until
 * the device is unbound) only once one of its BARs was given a value other
 * than default.  Header-only: it reports through the kselftest harness.
 */
#ifndef MEMATTR_SELFTEST_TEST_MODE_H
#define MEMATTR_SELFTEST_TEST_MODE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "memattr_sysfs.h"
#include "pci_sysfs.h"
#include "test_devices.h"

#define TEST_MODE_ENV		"MEMATTR_TEST_MODE"
#define TEST_MODE_STOCK_DRIVER	"vfio-pci"

static bool test_mode_attach_set;

/*
 * From main(), before the plan: reads the mode, or fails the program, and
 * says in one TAP comment which mode runs. The run starts from no policy:
 * a program before it that was killed mid-test (a harness timeout kills
 * the teardown too) may have left one, and it would give every bind here
 * its values, in attach mode a module pin too.
 */
static inline void test_mode_init(void)
{
	const char *mode = getenv(TEST_MODE_ENV);

	if (pci_sysfs_driver_registered(MEMATTR_DRIVER))
		memattr_param_write("policy", "\n");

	if (mode && !strcmp(mode, "attach")) {
		test_mode_attach_set = true;
	} else if (mode && *mode && strcmp(mode, "variant")) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\": \"variant\" or \"attach\"\n",
				   TEST_MODE_ENV, mode);
	}
	ksft_print_msg("mode: %s (devices bound to %s)\n",
		       test_mode_attach_set ? "attach" : "variant",
		       test_mode_attach_set ? TEST_MODE_STOCK_DRIVER :
					      MEMATTR_DRIVER);
}

static inline bool test_mode_attach(void)
{
	return test_mode_attach_set;
}

/* The driver the suite binds its devices to. */
static inline const char *test_mode_driver(void)
{
	return test_mode_attach_set ? TEST_MODE_STOCK_DRIVER : MEMATTR_DRIVER;
}

/* The other mode's driver, for tests that move a device between them. */
static inline const char *test_mode_other_driver(void)
{
	return test_mode_attach_set ? MEMATTR_DRIVER : TEST_MODE_STOCK_DRIVER;
}

/*
 * Binds @bdf afresh to the mode's driver.  Afresh: in attach mode the
 * device is usually on vfio-pci already, and only a new bind leaves
 * nothing of an earlier binding (values, engaged ops) behind.
 */
static inline void test_mode_bind(struct __test_metadata *_metadata,
				  const char *bdf)
{
	int ret = pci_sysfs_unbind(bdf);

	ASSERT_EQ(0, ret) TH_LOG("unbinding %s: %s", bdf, strerror(-ret));
	test_devices_bind(_metadata, bdf, test_mode_driver());
}

#endif /* MEMATTR_SELFTEST_TEST_MODE_H */
