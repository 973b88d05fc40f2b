// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci on x86 booted with nopat: there is no write-combining
 * memory type, so normal-nc must be refused with its reason instead of
 * silently giving UC-, and debugfs must never claim WC. Runs in the
 * amd64-6.12-nopat boot of `make check`; elsewhere every test skips.
 *
 * Device: the ivshmem given as the last argument or in $MEMATTR_BDF
 * (prefetchable BAR2); it ends on its previous driver.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "kmod.h"
#include "kmsg_cursor.h"
#include "memattr_module.h"
#include "memattr_sysfs.h"
#include "pci_sysfs.h"
#include "sysfs_file.h"

#define BAR2		2
#define PAT_LIST	"/sys/kernel/debug/x86/pat_memtype_list"

static const char *bdf;

/* nopat on the command line, and the kernel agrees (no memtype list). */
static const char *not_nopat(void)
{
	char cmdline[4096];

	if (sysfs_file_read("/proc/cmdline", cmdline, sizeof(cmdline)))
		return "cannot read /proc/cmdline";
	if (!strstr(cmdline, " nopat"))
		return "not booted with nopat (the amd64-6.12-nopat run is)";
	if (!access(PAT_LIST, F_OK))
		return "booted with nopat, but PAT is enabled";
	return NULL;
}

FIXTURE(nopat) {
	struct pci_sysfs_state saved;
	bool saved_valid;
	char params[256];
	int kmsg;
};

FIXTURE_SETUP(nopat)
{
	const char *why = not_nopat();

	self->saved_valid = false;
	self->params[0] = '\0';
	self->kmsg = -1;
	if (why)
		SKIP(return, "%s", why);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	ASSERT_EQ(0, memattr_module_params(self->params, sizeof(self->params)));
	ASSERT_EQ(0, pci_sysfs_save(bdf, &self->saved));
	self->saved_valid = true;
	self->kmsg = kmsg_cursor_open();
	ASSERT_LE(0, self->kmsg);
	ASSERT_EQ(0, pci_sysfs_bind_override(bdf, MEMATTR_DRIVER));
}

FIXTURE_TEARDOWN(nopat)
{
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (!self->saved_valid)
		return;
	if (!kmod_loaded(MEMATTR_MODULE))
		memattr_module_reload(self->params);
	ASSERT_EQ(0, pci_sysfs_restore(bdf, &self->saved));
}

static bool nopat_reason(const char *msg, void *arg)
{
	return strstr(msg, (const char *)arg) && strstr(msg, "nopat");
}

TEST_F(nopat, normal_nc_refused_with_reason)
{
	char buf[MEMATTR_VALUE_MAX], line[512];

	ASSERT_EQ(-EOPNOTSUPP, memattr_bar_write(bdf, BAR2, "normal-nc"));
	ASSERT_EQ(-EOPNOTSUPP, memattr_bar_write(bdf, BAR2, "wc"));
	ASSERT_LT(0, kmsg_cursor_wait(self->kmsg, nopat_reason, (void *)bdf,
				      10000))
		TH_LOG("no refusal naming nopat in the kernel log");

	/* Not offered, not active, not claimed anywhere. */
	ASSERT_EQ(0, memattr_bar_read(bdf, BAR2, buf, sizeof(buf)));
	TH_LOG("bar2: %s", buf);
	ASSERT_EQ(NULL, strstr(buf, "normal-nc"));
	ASSERT_EQ(0, memattr_bar_active(bdf, BAR2, buf, sizeof(buf)));
	ASSERT_STREQ("default", buf);
	ASSERT_EQ(0, memattr_debugfs_bar_line(bdf, BAR2, line, sizeof(line)));
	TH_LOG("debugfs: %s", line);
	ASSERT_EQ(NULL, strstr(line, "stage1=WC"));
}

/* default_attr=normal-nc at load: the BAR keeps default, with a reason. */
TEST_F(nopat, default_attr_falls_back)
{
	char buf[MEMATTR_VALUE_MAX];

	ASSERT_EQ(0, pci_sysfs_unbind(bdf));
	ASSERT_LE(0, memattr_driver_unbind_all());
	ASSERT_EQ(0, memattr_module_reload("default_attr=normal-nc"));
	ASSERT_EQ(0, pci_sysfs_bind_override(bdf, MEMATTR_DRIVER));
	ASSERT_EQ(0, memattr_bar_active(bdf, BAR2, buf, sizeof(buf)));
	ASSERT_STREQ("default", buf);
	ASSERT_LT(0, kmsg_cursor_wait(self->kmsg, nopat_reason, (void *)bdf,
				      10000));

	ASSERT_EQ(0, pci_sysfs_unbind(bdf));
	ASSERT_EQ(0, memattr_module_reload(self->params));
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
