// SPDX-License-Identifier: GPL-2.0-only
/*
 * A real client that nobody here wrote: Debian's DPDK testpmd drives a
 * modern virtio-net (QEMU virtio-net-pci,disable-legacy=on: the notify
 * area in prefetchable 64-bit BAR4, the MSI-X table in BAR1).
 *
 *   attach_mode      the NIC left on stock vfio-pci, bar4=normal-nc from
 *                    the kernel-side policy (applied at attach, before
 *                    testpmd opens it). testpmd's txonly engine sends
 *                    TX_BURSTS bursts ("start tx_first" in rxonly mode,
 *                    so nothing more follows); while it runs, the entry
 *                    that maps its BAR4 has the chosen type (x86: and PAT
 *                    reserved the BAR write-combining). The guest prints
 *                    "# dpdk-tx-packets: N"; the host counts the packets
 *                    in the NIC's filter-dump pcap (check-dpdk-pcap.sh).
 *   variant_driver   the same NIC on memattr-vfio-pci: DPDK accepts only
 *                    a driver named exactly "vfio-pci", skips it ("Not
 *                    managed by a supported kernel driver") and testpmd
 *                    exits without a port. README's advice (attach mode
 *                    for DPDK) rests on this.
 *
 * The lane's guest root must hold dpdk-testpmd (scripts/testpmd-root.sh,
 * the 6.12 and 7.2 lanes); elsewhere the test skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "memattr_pte.h"
#include "memattr_sysfs.h"
#include "pat_memtype.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "sysfs_file.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define NET_BDF_ENV	"MEMATTR_NET_BDF"
#define TESTPMD		"/usr/bin/dpdk-testpmd"
#define HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define HUGETLBFS	"/dev/hugepages"
/* 2 MiB pages: testpmd's pools for one port with 2048 buffers. */
#define NR_HUGEPAGES	"64"
#define NOTIFY_BAR	4
#define TX_BURSTS	4
#define BURST_PKTS	32	/* testpmd's default burst */
/*
 * Each testpmd step (EAL start-up and port probe is the longest): about
 * 20 s measured on a loaded 2-core host under TCG; twice that and more.
 */
#define STEP_BUDGET_S	90
#define PROMPT		"testpmd> "
/* DPDK's bus.pci debug line for a device on a driver it does not know. */
#define DPDK_SKIPPED	"Not managed by a supported kernel driver, skipped"
#define OUT_MAX		(64 * 1024)

#if defined(__aarch64__)
#define NC_ATTR		"Normal-NC"
#elif defined(__x86_64__)
#define NC_ATTR		"WC"
#else
#error "dpdk_testpmd_test knows arm64 and x86_64 only"
#endif

static const char *net_bdf;
static const char *skip_reason;

/* A testpmd process in interactive mode, its console on a pty. */
struct testpmd {
	pid_t pid;
	int pty;		/* the pseudo-terminal's master side */
	char buf[OUT_MAX];
	size_t len;		/* of buf: what the last step printed */
};

FIXTURE(dpdk) {
	struct pci_sysfs_state saved;
	bool saved_valid;
	char policy[512];
	bool policy_saved;
	char hugepages[32];	/* before the test; "": not read */
	bool mounted;
	struct testpmd pmd;
};

FIXTURE_VARIANT(dpdk) {
	const char *driver;
};

FIXTURE_VARIANT_ADD(dpdk, attach_mode) {
	.driver = STOCK_DRIVER,
};

FIXTURE_VARIANT_ADD(dpdk, variant_driver) {
	.driver = MEMATTR_DRIVER,
};

FIXTURE_SETUP(dpdk)
{
	char rule[96], got[32];

	self->saved_valid = false;
	self->policy_saved = false;
	self->hugepages[0] = '\0';
	self->mounted = false;
	self->pmd.pid = 0;
	self->pmd.pty = -1;

	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);

	ASSERT_EQ(0, pci_sysfs_save(net_bdf, &self->saved));
	self->saved_valid = true;
	ASSERT_EQ(0, memattr_param_read("policy", self->policy,
					sizeof(self->policy)));
	self->policy_saved = true;

	/* Before the bind: the value is the NIC's from its first open on. */
	snprintf(rule, sizeof(rule), "%s,bar%d=normal-nc", net_bdf, NOTIFY_BAR);
	ASSERT_EQ(0, memattr_param_write("policy", rule));
	ASSERT_EQ(0, pci_sysfs_bind_override(net_bdf, variant->driver));

	ASSERT_EQ(0, sysfs_file_read(HUGEPAGES, self->hugepages,
				     sizeof(self->hugepages)));
	ASSERT_EQ(0, sysfs_file_write(HUGEPAGES, NR_HUGEPAGES));
	ASSERT_EQ(0, sysfs_file_read(HUGEPAGES, got, sizeof(got)));
	ASSERT_STREQ(NR_HUGEPAGES "\n", got)
		TH_LOG("the guest has no room for %s huge pages", NR_HUGEPAGES);
	mkdir(HUGETLBFS, 0755);
	ASSERT_EQ(0, mount("nodev", HUGETLBFS, "hugetlbfs", 0, NULL))
		TH_LOG("mounting hugetlbfs on %s: %s", HUGETLBFS,
		       strerror(errno));
	self->mounted = true;
}

FIXTURE_TEARDOWN(dpdk)
{
	int ret;

	if (self->pmd.pid > 0) {
		kill(self->pmd.pid, SIGKILL);
		waitpid(self->pmd.pid, NULL, 0);
	}
	if (self->pmd.pty >= 0)
		close(self->pmd.pty);
	if (self->mounted)
		EXPECT_EQ(0, umount(HUGETLBFS));
	if (self->hugepages[0])
		EXPECT_EQ(0, sysfs_file_write(HUGEPAGES, self->hugepages));
	if (self->saved_valid) {
		ret = pci_sysfs_restore(net_bdf, &self->saved);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("restoring %s: %s", net_bdf,
						 strerror(-ret));
		}
	}
	if (self->policy_saved)
		EXPECT_EQ(0, memattr_param_write("policy",
						 self->policy[0] ?
						 self->policy : "\n"));
}

/* testpmd's console, into the lane's output. */
static void testpmd_print(const struct testpmd *pmd)
{
	const char *line = pmd->buf, *nl;

	while (*line) {
		nl = strchr(line, '\n');
		printf("# testpmd| %.*s\n",
		       (int)(nl ? nl - line : (ptrdiff_t)strlen(line)), line);
		if (!nl)
			break;
		line = nl + 1;
	}
	fflush(stdout);
}

/*
 * Reads testpmd's output into pmd->buf until it shows its prompt, within
 * STEP_BUDGET_S. Returns 0, -EPIPE if testpmd's output ended (it exited)
 * or -ETIMEDOUT.
 */
static int testpmd_wait_prompt(struct testpmd *pmd)
{
	struct timespec start, now;
	struct pollfd pfd = { .fd = pmd->pty, .events = POLLIN };
	char *in;
	ssize_t n;
	int left;

	pmd->len = 0;
	pmd->buf[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = STEP_BUDGET_S * 1000 -
		       (int)((now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left) < 0)
			return -errno;
		if (!pfd.revents)
			continue;
		/* The oldest output goes when the buffer is full. */
		if (pmd->len == OUT_MAX - 1) {
			memmove(pmd->buf, pmd->buf + OUT_MAX / 2, OUT_MAX / 2);
			pmd->len -= OUT_MAX / 2;
		}
		in = pmd->buf + pmd->len;
		n = read(pmd->pty, in, OUT_MAX - 1 - pmd->len);
		/* A pty's master reads EIO once the other side is closed. */
		if (n == 0 || (n < 0 && errno == EIO))
			return -EPIPE;
		if (n < 0 && errno != EINTR)
			return -errno;
		/* Lines end in CR LF on a terminal: keep the LF. */
		for (; n > 0; n--, in++)
			if (*in != '\r')
				pmd->buf[pmd->len++] = *in;
		pmd->buf[pmd->len] = '\0';
		if (pmd->len >= strlen(PROMPT) &&
		    !strcmp(pmd->buf + pmd->len - strlen(PROMPT), PROMPT))
			return 0;
	}
}

/* testpmd_wait_prompt(), and what testpmd said into the lane's output. */
static int testpmd_print_wait(struct testpmd *pmd)
{
	int ret = testpmd_wait_prompt(pmd);

	testpmd_print(pmd);
	return ret;
}

/* One command, and the output up to the next prompt in pmd->buf. */
static int testpmd_cmd(struct testpmd *pmd, const char *cmd)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (write(pmd->pty, line, n) != n)
		return -errno;
	return testpmd_print_wait(pmd);
}

/*
 * Starts testpmd on @bdf alone, on a pseudo-terminal as a person would
 * (on a pipe its stdout would be block-buffered and hold back the
 * statistics), and waits for its first prompt.
 */
static int testpmd_start(struct testpmd *pmd, const char *bdf)
{
	struct termios raw;
	int tty;

	pmd->pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pmd->pty < 0 || grantpt(pmd->pty) || unlockpt(pmd->pty))
		return -errno;
	tty = open(ptsname(pmd->pty), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0)
		return -errno;
	/* No echo and no CR/LF translation: the output as testpmd wrote it. */
	if (tcgetattr(tty, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(tty, TCSANOW, &raw);
	}
	fflush(stdout);
	pmd->pid = fork();
	if (pmd->pid < 0) {
		close(tty);
		return -errno;
	}
	if (!pmd->pid) {
		/*
		 * testpmd holds the NIC open: it must not outlive the test,
		 * which can end without its teardown (after a failed ASSERT
		 * the 6.12 harness skips it).
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		setsid();
		dup2(tty, STDIN_FILENO);
		dup2(tty, STDOUT_FILENO);
		dup2(tty, STDERR_FILENO);
		/* bus.pci:debug: DPDK says why it skips a device. */
		execl(TESTPMD, TESTPMD, "-l", "0-1", "-n", "1", "--in-memory",
		      "-a", bdf, "--log-level=bus.pci:debug", "--",
		      "-i", "--forward-mode=rxonly", "--disable-link-check",
		      "--no-lsc-interrupt", "--total-num-mbufs=2048",
		      (char *)NULL);
		_exit(127);
	}
	close(tty);
	return testpmd_print_wait(pmd);
}

/* testpmd's exit status, once its output has ended. */
static int testpmd_exit_status(struct testpmd *pmd)
{
	int status;

	if (waitpid(pmd->pid, &status, 0) != pmd->pid)
		return -errno;
	pmd->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* "quit", and testpmd's exit status. */
static int testpmd_quit(struct testpmd *pmd)
{
	int ret = testpmd_cmd(pmd, "quit");

	if (ret != -EPIPE)
		return ret ? ret : -EPROTO;
	return testpmd_exit_status(pmd);
}

/* Where testpmd mapped BAR @bar of its vfio device, from its maps. */
static int bar_mapping(pid_t pid, unsigned int bar, uintptr_t *addr)
{
	unsigned long long start, end, off;
	char path[64], line[512], name[256];
	int found = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %255s", &start,
			   &end, &off, name) < 3)
			continue;
		if (strstr(name, "vfio") && off == VFIO_PCI_REGION_OFFSET(bar)) {
			*addr = start;
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

TEST_F_TIMEOUT(dpdk, txonly, 6 * STEP_BUDGET_S)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	struct memattr_pte pte;
	struct pat_memtype pat;
	const char *stats;
	char start[32];
	uintptr_t addr = 0;
	long sent;
	int ret;

	ASSERT_EQ(0, pci_bars_read(net_bdf, bars));
	ASSERT_EQ(PCI_BAR_MEM, bars[NOTIFY_BAR].kind);
	ASSERT_TRUE(bars[NOTIFY_BAR].prefetch && bars[NOTIFY_BAR].mem64)
		TH_LOG("%s: BAR%d is not 64-bit prefetchable (not a modern virtio-net?)",
		       net_bdf, NOTIFY_BAR);

	ret = testpmd_start(&self->pmd, net_bdf);
	if (strcmp(variant->driver, STOCK_DRIVER)) {
		/*
		 * DPDK's skip: the device is refused; then EAL gives up or
		 * testpmd goes on without a port.
		 */
		ASSERT_TRUE(ret == 0 || ret == -EPIPE)
			TH_LOG("testpmd: %s", strerror(-ret));
		ASSERT_NE(NULL, strstr(self->pmd.buf, DPDK_SKIPPED))
			TH_LOG("no \"%s\" from DPDK", DPDK_SKIPPED);
		if (ret == -EPIPE) {
			ASSERT_NE(0, testpmd_exit_status(&self->pmd));
		} else {
			ASSERT_NE(NULL, strstr(self->pmd.buf,
					       "No probed ethernet devices"));
			ASSERT_EQ(0, testpmd_quit(&self->pmd));
		}
		TH_LOG("DPDK skipped %s on %s, as README says", net_bdf,
		       variant->driver);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("testpmd did not reach its prompt: %s",
				 strerror(-ret));

	snprintf(start, sizeof(start), "start tx_first %d", TX_BURSTS);
	ASSERT_EQ(0, testpmd_cmd(&self->pmd, start));
	ASSERT_EQ(0, bar_mapping(self->pmd.pid, NOTIFY_BAR, &addr))
		TH_LOG("no BAR%d mapping in testpmd's maps", NOTIFY_BAR);
	ret = memattr_pte_query_pid(self->pmd.pid, addr, &pte);
	ASSERT_EQ(0, ret) TH_LOG("testpmd's BAR%d at 0x%" PRIxPTR ": %s",
				 NOTIFY_BAR, addr, strerror(-ret));
	TH_LOG("testpmd's BAR%d mapping: %s", NOTIFY_BAR, pte.line);
	ASSERT_STREQ(NC_ATTR, pte.attr);
	if (pat_memtype_available()) {
		ASSERT_EQ(1, pat_memtype_find(bars[NOTIFY_BAR].start,
					      bars[NOTIFY_BAR].size, &pat, 1))
			TH_LOG("no PAT reservation for BAR%d", NOTIFY_BAR);
		TH_LOG("PAT: 0x%llx-0x%llx %s", pat.start, pat.end, pat.type);
		ASSERT_STREQ("write-combining", pat.type);
	}

	ASSERT_EQ(0, testpmd_cmd(&self->pmd, "stop"));
	ASSERT_EQ(0, testpmd_cmd(&self->pmd, "show port stats 0"));
	stats = strstr(self->pmd.buf, "TX-packets:");
	ASSERT_NE(NULL, stats);
	sent = strtol(stats + strlen("TX-packets:"), NULL, 10);
	ASSERT_EQ(TX_BURSTS * BURST_PKTS, sent);
	ASSERT_EQ(0, testpmd_quit(&self->pmd));
	/* For the host, which counts them in the NIC's pcap. */
	printf("# dpdk-tx-packets: %ld\n", sent);
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	net_bdf = getenv(NET_BDF_ENV);
	if (access(TESTPMD, X_OK)) {
		skip_reason = "no " TESTPMD " in this lane's root: the 6.12 and 7.2 lanes run it";
	} else if (!net_bdf || !net_bdf[0]) {
		skip_reason = "no virtio-net (" NET_BDF_ENV ") in this guest";
	} else if (!bdf_valid(net_bdf) || !pci_sysfs_device_exists(net_bdf)) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\": no such PCI device\n",
				   NET_BDF_ENV, net_bdf);
	}
	if (!skip_reason && !memattr_pte_available())
		skip_reason = "no " MEMATTR_PTE_PATH " (memattr-pte.ko)";
	return test_harness_run(argc, argv);
}
