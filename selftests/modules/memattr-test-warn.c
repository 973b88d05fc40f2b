// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only: emit one kernel WARNING on load. The VM runner loads it when
 * asked to prove that a guest kernel warning fails the lane.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init memattr_test_warn_init(void)
{
	WARN(1, "memattr-test-warn: injected warning\n");
	return 0;
}
module_init(memattr_test_warn_init);

static void __exit memattr_test_warn_exit(void)
{
}
module_exit(memattr_test_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memattr-vfio-pci test: inject a kernel warning");
