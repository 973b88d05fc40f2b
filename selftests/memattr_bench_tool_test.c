// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-bench, the tool admins run on real hardware: it prints a table
 * per value the BAR allows and puts the BAR's value back afterwards, and
 * refuses clearly, with exit status 3 (refused) or 2 (usage), a device
 * that is not ours, a BAR without a knob, a value the BAR does not allow,
 * a device in use, and bad arguments.
 *
 * Devices: MEMATTR_BDF (ivshmem, 8 MiB prefetchable BAR2, no BAR1; also
 * the last argument) and MEMATTR_MSIX_BDF (e1000e, non-prefetchable
 * BAR0), optional. The tool: MEMATTR_BENCH_TOOL, default
 * /tools/memattr-bench (where the lanes put it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "memattr_module.h"
#include "memattr_sysfs.h"
#include "pci_sysfs.h"
#include "test_devices.h"
#include "vfio_dev.h"
#include "vfio_open.h"

#define TOOL_ENV	"MEMATTR_BENCH_TOOL"
#define TOOL_DEFAULT	"/tools/memattr-bench"
#define EXIT_USAGE	2
#define EXIT_REFUSED	3
#define OUT_MAX		16384

enum dev_id { DEV_SHMEM, DEV_MSIX, NR_DEVS };

static const char *const dev_env[NR_DEVS] = {
	[DEV_SHMEM] = BDF_ENV,
	[DEV_MSIX] = "MEMATTR_MSIX_BDF",
};

static const char *bdfs[NR_DEVS];

/* One run of the tool: what it printed. */
struct tool_run {
	const char *path;
	char out[OUT_MAX];
	char err[OUT_MAX];
};

FIXTURE(tool) {
	struct tool_run run;
	struct pci_sysfs_state saved[NR_DEVS];
	bool saved_valid[NR_DEVS];
	char params[256];
};

FIXTURE_SETUP(tool)
{
	int d;

	self->run.path = getenv(TOOL_ENV);
	if (!self->run.path || !self->run.path[0])
		self->run.path = TOOL_DEFAULT;
	if (access(self->run.path, X_OK))
		SKIP(return, "%s not executable (set %s)", self->run.path,
		     TOOL_ENV);
	if (!bdfs[DEV_SHMEM])
		SKIP(return, "%s not set: no ivshmem device", BDF_ENV);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	ASSERT_EQ(0, memattr_module_params(self->params,
					   sizeof(self->params)));
	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d])
			continue;
		ASSERT_EQ(0, pci_sysfs_save(bdfs[d], &self->saved[d]));
		self->saved_valid[d] = true;
	}
}

FIXTURE_TEARDOWN_PARENT(tool)
{
	test_devices_restore(_metadata, bdfs, self->saved, self->saved_valid,
			     NR_DEVS, self->params);
}

/* Reads all of @fd into @buf, NUL-terminated, without trailing newlines. */
static void slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	/* Messages end in a newline; TH_LOG adds its own. */
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

/*
 * Runs the tool with @args (NULL-terminated, without argv[0]); its
 * stdout and stderr land in @run. Returns its exit status, or -1 when it
 * did not exit normally.
 */
static int run_tool(struct tool_run *run, const char *const args[])
{
	const char *argv[16] = { run->path };
	int out[2], err[2], status, i;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	if (pipe(out) || pipe(err))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(err[0]);
		execv(run->path, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	/* The table is small: stdout fits the pipe while stderr is read. */
	slurp(err[0], run->err, sizeof(run->err));
	slurp(out[0], run->out, sizeof(run->out));
	close(out[0]);
	close(err[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Multi-line output as TAP comments. */
static void log_lines(const char *text)
{
	const char *nl;

	for (; *text; text = nl + 1) {
		nl = strchrnul(text, '\n');
		fprintf(stderr, "# %.*s\n", (int)(nl - text), text);
		if (!*nl)
			break;
	}
}

static void assert_active(struct __test_metadata *_metadata, const char *bdf,
			  unsigned int bar, const char *want)
{
	char got[MEMATTR_VALUE_MAX];

	ASSERT_EQ(0, memattr_bar_active(bdf, bar, got, sizeof(got)));
	ASSERT_STREQ(want, got);
}

/* A table row per value and size, the speed-up, the value put back. */
TEST_F(tool, table_then_restore)
{
	const char *bdf = bdfs[DEV_SHMEM];
	const char *const args[] = { "-i", "200", bdf, "bar2", NULL };
	char row[64];
	int v, rows;

	test_devices_bind(_metadata, bdf, MEMATTR_DRIVER);
	ASSERT_EQ(0, memattr_bar_write(bdf, 2, "device-ngnre"));

	ASSERT_EQ(0, run_tool(&self->run, args)) TH_LOG("stderr: %s", self->run.err);
	for (v = 0; v < MEMATTR_NR_VALUES; v++) {
		const char *p = self->run.out;

		snprintf(row, sizeof(row), "\n%s ", memattr_value_names[v]);
		for (rows = 0; (p = strstr(p, row)); p++)
			rows++;
		if (rows != 3)
			log_lines(self->run.out);
		ASSERT_EQ(3, rows) TH_LOG("rows for %s (8, 64, 4096 bytes)",
					  memattr_value_names[v]);
	}
	ASSERT_NE(NULL, strstr(self->run.out,
			       "speed-up of normal-nc over device-ngnre"));
	assert_active(_metadata, bdf, 2, "device-ngnre");
}

TEST_F(tool, refuses_device_not_ours)
{
	const char *bdf = bdfs[DEV_SHMEM];
	const char *const args[] = { bdf, "bar2", NULL };

	test_devices_bind(_metadata, bdf, "vfio-pci");
	ASSERT_EQ(EXIT_REFUSED, run_tool(&self->run, args));
	ASSERT_NE(NULL, strstr(self->run.err, "is not bound to " MEMATTR_DRIVER))
		TH_LOG("stderr: %s", self->run.err);
}

TEST_F(tool, refuses_bar_without_knob)
{
	const char *bdf = bdfs[DEV_SHMEM];
	const char *const args[] = { bdf, "bar1", NULL };

	test_devices_bind(_metadata, bdf, MEMATTR_DRIVER);
	ASSERT_EQ(EXIT_REFUSED, run_tool(&self->run, args));
	ASSERT_NE(NULL, strstr(self->run.err, "has no memattr knob"))
		TH_LOG("stderr: %s", self->run.err);
}

/* e1000e BAR0 is not prefetchable: normal-nc is not allowed there. */
TEST_F(tool, refuses_value_not_allowed)
{
	const char *bdf = bdfs[DEV_MSIX];
	const char *const args[] = { "-v", "normal-nc", bdf, "bar0", NULL };
	char before[MEMATTR_VALUE_MAX];

	if (!bdfs[DEV_MSIX])
		SKIP(return, "MEMATTR_MSIX_BDF not set: no e1000e device");
	test_devices_bind(_metadata, bdf, MEMATTR_DRIVER);
	ASSERT_EQ(0, memattr_bar_active(bdf, 0, before, sizeof(before)));
	ASSERT_EQ(EXIT_REFUSED, run_tool(&self->run, args));
	ASSERT_NE(NULL, strstr(self->run.err, "does not allow normal-nc"))
		TH_LOG("stderr: %s", self->run.err);
	assert_active(_metadata, bdf, 0, before);
}

/* Open elsewhere: the knob says EBUSY, the tool refuses, nothing moves. */
TEST_F(tool, refuses_device_in_use)
{
	const char *bdf = bdfs[DEV_SHMEM];
	const char *const args[] = { "-v", "normal-nc", bdf, "bar2", NULL };
	struct vfio_dev dev;
	int ret;

	test_devices_bind(_metadata, bdf, MEMATTR_DRIVER);
	ASSERT_EQ(0, memattr_bar_write(bdf, 2, "device-ngnrne"));
	vfio_dev_init(&dev);
	ASSERT_EQ(0, vfio_open_device(bdf, &dev));
	ret = run_tool(&self->run, args);
	vfio_dev_close(&dev);
	ASSERT_EQ(EXIT_REFUSED, ret) TH_LOG("stderr: %s", self->run.err);
	ASSERT_NE(NULL, strstr(self->run.err, "open elsewhere"))
		TH_LOG("stderr: %s", self->run.err);
	assert_active(_metadata, bdf, 2, "device-ngnrne");
}

TEST_F(tool, refuses_bad_arguments)
{
	const char *bdf = bdfs[DEV_SHMEM];
	const char *const bad_bar[] = { bdf, "bar6", NULL };
	const char *const bad_value[] = { "-v", "write-back", bdf, "bar2", NULL };
	const char *const no_device[] = { "0000:7f:1f.7", "bar2", NULL };
	const char *const missing[] = { bdf, NULL };

	test_devices_bind(_metadata, bdf, MEMATTR_DRIVER);
	ASSERT_EQ(EXIT_USAGE, run_tool(&self->run, bad_bar));
	ASSERT_NE(NULL, strstr(self->run.err, "is not a BAR"));
	ASSERT_EQ(EXIT_USAGE, run_tool(&self->run, bad_value));
	ASSERT_NE(NULL, strstr(self->run.err, "unknown value 'write-back'"));
	ASSERT_EQ(EXIT_USAGE, run_tool(&self->run, no_device));
	ASSERT_NE(NULL, strstr(self->run.err, "no PCI device"));
	ASSERT_EQ(EXIT_USAGE, run_tool(&self->run, missing));
	ASSERT_NE(NULL, strstr(self->run.err, "usage:"));
}

int main(int argc, char *argv[])
{
	test_devices_get(&argc, argv, dev_env, bdfs, NR_DEVS);
	return test_harness_run(argc, argv);
}
