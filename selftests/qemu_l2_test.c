// SPDX-License-Identifier: GPL-2.0-only
/*
 * A real VMM end to end, on KVM/arm64: QEMU passes two ivshmem devices to
 * one nested guest (L2) with "-device vfio-pci,host=..." twice.  L2 maps
 * each device's BAR2 through its own resource2_wc, so its stage 1 is
 * Normal-NC, and stores a distinct record into each (selftests/l2/init.sh,
 * guest-tools/l2-store.c; lib/l2_record.h).  Here, in L1, the stage-2
 * attribute KVM installed for each BAR is observed with a kprobe event on
 * kvm_pgtable_stage2_map(), decoded with the running kernel's BTF.
 *
 * Three QEMU runs with the same two devices, in each mode:
 *   0. both on stock vfio-pci, nothing configured: one treatment for both,
 *      whatever the guest wants (the per-VM limitation of upstream's 2021
 *      thread);
 *   1. bar2 normal-nc and device-ngnre, the devices bound to
 *      memattr-vfio-pci (variant driver) or left on vfio-pci (attach mode);
 *   2. the values swapped: the attributes swap too.
 * Before 6.9 KVM has no Normal-NC at stage 2: both are Device, and the
 * normal-nc case is a skip with that reason.
 *
 * The lane's guest root must hold QEMU, and L2's kernel and initramfs
 * (scripts/l2-lane.sh); elsewhere the test skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "ivshmem_pattern.h"
#include "kvm_s2guest.h"
#include "l2_record.h"
#include "memattr_sysfs.h"
#include "pci_bars.h"
#include "pci_sysfs.h"

#define STOCK_DRIVER	"vfio-pci"
#define BDF2_ENV	"MEMATTR_BDF2"
#define QEMU		"/usr/bin/qemu-system-aarch64"
#define L2_KERNEL	"/l2/vmlinuz"
#define L2_INITRD	"/l2/initrd.gz"
#define L2_CONSOLE	"/tmp/l2-console.log"
/* Each device's address in L2, as "-device ...,addr=" puts it there. */
#define L2_SLOT0	2
/*
 * One L2 boot, from QEMU's start to its exit: about 40 s of L1 time when
 * measured on a loaded 2-core host; the budget is more than twice that.
 */
#define L2_BUDGET_S	150
#define MAX_RECS	64
/* A kprobe event filter: the call maps a range of one BAR. */
#define PHYS_IN		"(phys >= 0x%llx && phys < 0x%llx)"

#define NO_NC_REASON \
	"no VM_ALLOW_ANY_UNCACHED on this kernel: stage 2 stays Device for every BAR"

static struct kvm_s2_kernel kernel;
static const char *bdfs[L2_RECORD_DEVS];
static const char *token;
static const char *skip_reason;

struct l2_dev {
	const char *bdf;
	struct pci_sysfs_state saved;
	bool saved_valid;
	uint64_t bar_phys;
	uint64_t bar_size;
};

FIXTURE(qemu_l2) {
	struct l2_dev dev[L2_RECORD_DEVS];
	struct s2trace trace;
};

/* The driver that serves the knobs, and the first of the three runs. */
FIXTURE_VARIANT(qemu_l2) {
	const char *driver;
	unsigned int first_run;
};

FIXTURE_VARIANT_ADD(qemu_l2, variant_driver) {
	.driver = MEMATTR_DRIVER,
	.first_run = 0,
};

FIXTURE_VARIANT_ADD(qemu_l2, attach_mode) {
	.driver = STOCK_DRIVER,
	.first_run = 3,
};

FIXTURE_SETUP(qemu_l2)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	unsigned int i;

	s2trace_init(&self->trace);
	for (i = 0; i < L2_RECORD_DEVS; i++)
		self->dev[i].saved_valid = false;

	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);

	for (i = 0; i < L2_RECORD_DEVS; i++) {
		struct l2_dev *d = &self->dev[i];

		d->bdf = bdfs[i];
		ASSERT_EQ(0, pci_bars_read(d->bdf, bars));
		ASSERT_EQ(PCI_BAR_MEM, bars[IVSHMEM_SHMEM_BAR].kind);
		d->bar_phys = bars[IVSHMEM_SHMEM_BAR].start;
		d->bar_size = bars[IVSHMEM_SHMEM_BAR].size;
		ASSERT_EQ(0, pci_sysfs_save(d->bdf, &d->saved));
		d->saved_valid = true;
	}
}

/* QEMU is gone by then: each run waits for it or kills it. */
FIXTURE_TEARDOWN(qemu_l2)
{
	unsigned int i;
	int ret;

	for (i = 0; i < L2_RECORD_DEVS; i++) {
		struct l2_dev *d = &self->dev[i];

		if (!d->saved_valid)
			continue;
		ret = pci_sysfs_restore(d->bdf, &d->saved);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("restoring %s to \"%s\": %s",
						 d->bdf, d->saved.driver,
						 strerror(-ret));
		}
	}
	s2trace_stop(&self->trace);
}

/* What KVM must map for a knob value, given what stock vfio-pci got. */
static enum kvm_s2_attr expected_attr(const char *value,
				      enum kvm_s2_attr stock)
{
	if (!strcmp(value, "default"))
		return stock;
	if (!strcmp(value, "normal-nc"))
		return kernel.prot_nc ? KVM_S2_NORMAL_NC : KVM_S2_DEVICE;
	return KVM_S2_DEVICE;
}

/* L2's console, into the lane's output, then whether it says @word. */
static bool l2_console_has(const char *word, bool print)
{
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen(L2_CONSOLE, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (print)
			printf("# L2| %s\n", line);
		if (!strcmp(line, word))
			found = true;
	}
	fclose(f);
	/* Before the harness's own lines on stderr, and its _exit(). */
	fflush(stdout);
	return found;
}

/*
 * Boots L2 with both devices and waits for QEMU to exit, within
 * L2_BUDGET_S.  Returns QEMU's exit status, or a negative errno:
 * -ETIMEDOUT after killing it.
 */
static int run_qemu(struct __test_metadata *_metadata, struct l2_dev *dev,
		    unsigned int run)
{
	char append[1024], devarg[L2_RECORD_DEVS][96];
	struct pollfd pfd = { .events = POLLIN };
	unsigned int i;
	int status, ret;
	size_t n;
	pid_t pid;

	n = snprintf(append, sizeof(append), "console=ttyAMA0 panic=-1 quiet");
	for (i = 0; i < L2_RECORD_DEVS; i++) {
		/* snprintf() returns what it would have written. */
		n += snprintf(append + n, sizeof(append) - n,
			      " memattr.l2store=0000:00:%02x.0,0x%x,l2:%u:%u:%s",
			      L2_SLOT0 + i,
			      L2_RECORD_OFFSET + run * L2_RECORD_SLOT_SIZE,
			      run, i, token ? token : "-");
		if (n >= sizeof(append))
			return -E2BIG;
		snprintf(devarg[i], sizeof(devarg[i]),
			 "vfio-pci,host=%s,addr=0x%x", dev[i].bdf,
			 L2_SLOT0 + i);
	}
	unlink(L2_CONSOLE);

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execl(QEMU, QEMU, "-accel", "kvm", "-cpu", "host",
		      "-M", "virt,gic-version=3", "-smp", "1", "-m", "256M",
		      "-nodefaults", "-no-user-config", "-display", "none",
		      "-monitor", "none", "-no-reboot",
		      "-serial", "file:" L2_CONSOLE,
		      "-kernel", L2_KERNEL, "-initrd", L2_INITRD,
		      "-append", append,
		      "-device", devarg[0], "-device", devarg[1],
		      (char *)NULL);
		_exit(127);
	}
	TH_LOG("run %u: QEMU (pid %d) boots L2 with %s and %s", run, pid,
	       devarg[0], devarg[1]);

	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd < 0) {
		ret = -errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return ret;
	}
	ret = poll(&pfd, 1, L2_BUDGET_S * 1000);
	if (ret < 0)
		ret = -errno;
	close(pfd.fd);
	if (ret <= 0)
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (ret <= 0)
		return ret ? ret : -ETIMEDOUT;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The last leaf KVM installed over the record's address in the BAR. */
static int bar_leaf(const struct s2map_rec *recs, int nr,
		    const struct l2_dev *d, unsigned int run,
		    struct s2map_rec *leaf)
{
	uint64_t at = d->bar_phys + L2_RECORD_OFFSET +
		      run * L2_RECORD_SLOT_SIZE;
	int i;

	for (i = nr - 1; i >= 0; i--) {
		if (recs[i].phys <= at && at < recs[i].phys + recs[i].size) {
			*leaf = recs[i];
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * One run: bind both devices to @driver, set their knobs (@values NULL:
 * none, stock), boot L2, and read what KVM mapped for each BAR into @got.
 */
static void run_l2(struct __test_metadata *_metadata, struct l2_dev *dev,
		   struct s2trace *trace, unsigned int run, const char *driver,
		   const char *const *values,
		   enum kvm_s2_attr got[L2_RECORD_DEVS])
{
	static struct s2map_rec recs[MAX_RECS];
	char filter[256], names[160], stored[64];
	struct s2map_rec leaf;
	unsigned int i;
	int ret, nr;

	for (i = 0; i < L2_RECORD_DEVS; i++) {
		struct l2_dev *d = &dev[i];

		ret = pci_sysfs_bind_override(d->bdf, driver);
		ASSERT_EQ(0, ret) TH_LOG("binding %s to %s: %s", d->bdf,
					 driver, strerror(-ret));
		if (!values)
			continue;
		ASSERT_TRUE(memattr_bar_file_exists(d->bdf, IVSHMEM_SHMEM_BAR))
			TH_LOG("%s on %s: no memattr/bar%u knob", d->bdf,
			       driver, IVSHMEM_SHMEM_BAR);
		ASSERT_EQ(0, memattr_bar_write(d->bdf, IVSHMEM_SHMEM_BAR,
					       values[i]));
	}

	/* Only the two BARs: L2's RAM makes thousands of calls. */
	snprintf(filter, sizeof(filter),
		 PHYS_IN " || " PHYS_IN,
		 (unsigned long long)dev[0].bar_phys,
		 (unsigned long long)(dev[0].bar_phys +
				      dev[0].bar_size),
		 (unsigned long long)dev[1].bar_phys,
		 (unsigned long long)(dev[1].bar_phys +
				      dev[1].bar_size));
	ASSERT_EQ(0, s2trace_filter(trace, filter));
	ASSERT_EQ(0, s2trace_clear(trace));

	ret = run_qemu(_metadata, dev, run);
	/* L2's console goes into the lane's output, whatever happened. */
	ASSERT_TRUE(l2_console_has("@@l2-done", true))
		TH_LOG("run %u: L2 did not finish (QEMU: %s)", run,
		       ret == -ETIMEDOUT ? "killed after its budget" :
		       ret < 0 ? strerror(-ret) : "exited");
	ASSERT_EQ(0, ret) TH_LOG("run %u: QEMU exit status %d", run, ret);
	for (i = 0; i < L2_RECORD_DEVS; i++) {
		snprintf(stored, sizeof(stored), "@@l2-stored 0000:00:%02x.0",
			 L2_SLOT0 + i);
		ASSERT_TRUE(l2_console_has(stored, false))
			TH_LOG("run %u: L2 did not store into %s", run,
			       dev[i].bdf);
	}

	nr = s2trace_read(trace, recs, MAX_RECS);
	ASSERT_LE(0, nr);
	for (i = 0; i < L2_RECORD_DEVS; i++) {
		struct l2_dev *d = &dev[i];

		ASSERT_EQ(0, bar_leaf(recs, nr, d, run, &leaf))
			TH_LOG("run %u: %s: no stage-2 leaf over its record (%d calls)",
			       run, d->bdf, nr);
		got[i] = kvm_s2_decode(&kernel, leaf.prot);
		TH_LOG("run %u: %s (%s, bar2=%s): stage 2 IPA 0x%llx size 0x%llx",
		       run, d->bdf, driver, values ? values[i] : "stock",
		       (unsigned long long)leaf.addr,
		       (unsigned long long)leaf.size);
		TH_LOG("run %u: %s: phys 0x%llx prot 0x%llx (%s): %s", run, d->bdf,
		       (unsigned long long)leaf.phys,
		       (unsigned long long)leaf.prot,
		       kvm_s2_prot_str(&kernel, leaf.prot, names,
				       sizeof(names)),
		       kvm_s2_attr_name(got[i]));
	}
}

TEST_F_TIMEOUT(qemu_l2, two_devices_one_guest, 3 * (L2_BUDGET_S + 30))
{
	static const char *const values[2][L2_RECORD_DEVS] = {
		{ "normal-nc", "device-ngnre" },
		{ "device-ngnre", "normal-nc" },
	};
	enum kvm_s2_attr stock[L2_RECORD_DEVS], got[L2_RECORD_DEVS];
	unsigned int it, i;

	ASSERT_EQ(0, s2trace_start(&self->trace, KVM_S2_FETCHARGS))
		TH_LOG("cannot put a kprobe event on %s()", S2TRACE_FUNC);

	/* The baseline: stock vfio-pci gives both devices one treatment. */
	run_l2(_metadata, self->dev, &self->trace, variant->first_run,
	       STOCK_DRIVER, NULL, stock);
	TH_LOG("stock vfio-pci: %s and %s, one type for every BAR of the VM",
	       kvm_s2_attr_name(stock[0]), kvm_s2_attr_name(stock[1]));
	ASSERT_EQ(stock[0], stock[1]);
	ASSERT_EQ(kernel.prot_nc ? KVM_S2_NORMAL_NC : KVM_S2_DEVICE, stock[0]);

	for (it = 0; it < 2; it++) {
		run_l2(_metadata, self->dev, &self->trace,
		       variant->first_run + 1 + it, variant->driver,
		       values[it], got);
		for (i = 0; i < L2_RECORD_DEVS; i++) {
			enum kvm_s2_attr want = expected_attr(values[it][i],
							      stock[i]);

			TH_LOG("%s: bar2=%s: KVM mapped %s, expected %s",
			       self->dev[i].bdf, values[it][i],
			       kvm_s2_attr_name(got[i]),
			       kvm_s2_attr_name(want));
			ASSERT_EQ(want, got[i]);
		}
		if (kernel.prot_nc)
			ASSERT_NE(got[0], got[1])
				TH_LOG("two devices, two values, one attribute");
	}

	if (!kernel.prot_nc)
		SKIP(return, NO_NC_REASON);
}

int main(int argc, char *argv[])
{
	bdfs[0] = bdf_from_args(&argc, argv);
	bdfs[1] = getenv(BDF2_ENV);
	token = getenv(IVSHMEM_TOKEN_ENV);

	if (!bdfs[0] || !bdfs[1]) {
		ksft_print_header();
		ksft_exit_skip("two devices needed: set %s and %s\n", BDF_ENV,
			       BDF2_ENV);
	}
	if (!bdf_valid(bdfs[0]) || !bdf_valid(bdfs[1])) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\" %s=\"%s\": not PCI addresses DDDD:BB:DD.F\n",
				   BDF_ENV, bdfs[0], BDF2_ENV, bdfs[1]);
	}
	if (token && !ivshmem_token_valid(token)) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\" is not a hex string\n",
				   IVSHMEM_TOKEN_ENV, token);
	}

	skip_reason = kvm_s2_unavailable();
	if (!skip_reason && (access(QEMU, X_OK) || access(L2_KERNEL, R_OK) ||
			     access(L2_INITRD, R_OK)))
		skip_reason = "no " QEMU " or L2 kernel here: the -l2 lanes run this";
	if (!skip_reason && kvm_s2_kernel_load(&kernel)) {
		ksft_print_header();
		ksft_exit_fail_msg("cannot read %s() and kvm_pgtable_prot from %s\n",
				   S2TRACE_FUNC, KBTF_VMLINUX);
	}

	return test_harness_run(argc, argv);
}
