// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: the device's and the module's life cycle.
 *
 *   unbind.*        unbind while a user holds the device (open and mapped,
 *                   or mapped only): vfio's request path signals the
 *                   user's VFIO_PCI_REQ_IRQ_INDEX eventfd, the unbind waits
 *                   until the user lets go, then completes;
 *   revoke.*        a user that still holds a mapping at vfio's second
 *                   request keeps it (as on stock), or with
 *                   revoke_after_request=1 loses it: entries zapped,
 *                   reads get SIGBUS; the same for a KVM/arm64 vCPU whose
 *                   memslot is the mapping (KVM_RUN then fails, EFAULT);
 *   offline.*       surprise removal (the device is marked offline, then
 *                   removed, as pciehp does): mappings revoked at once,
 *                   SIGBUS, also racing munmap, and users exiting during
 *                   the revocation do not hang the remover; the same for
 *                   a configured device left on vfio-pci (attach mode);
 *   rmmod.*         module removal while devices are bound: a pci driver's
 *                   removal unbinds them (and they bind again after a
 *                   reload), devices on vfio-pci stay there and are
 *                   attached again at the reload; while one is open, vfio
 *                   holds a module reference and the removal is refused
 *                   with EWOULDBLOCK, as it is while a device on vfio-pci
 *                   is configured, open or not, until it is unbound;
 *   cycles.*        bind/open/map/close/unbind, 100 times on stock
 *                   vfio-pci, then twice 100 times on ours: no slab cache
 *                   grows in our runs beyond stock's, the module
 *                   reference count is back to 0, and on x86 no PAT
 *                   reservation is left behind.
 *
 * "Ours" is the device bound to memattr-vfio-pci, or in attach mode left on
 * vfio-pci with a BAR configured, so that the module is in its path
 * (MEMATTR_TEST_MODE, lib/test_mode.h).
 *
 * Hot-unplug while mapped is the udev lane's.  Devices: MEMATTR_BDF
 * (ivshmem, 8 MiB BAR2; also the last argument), MEMATTR_MSIX_BDF
 * (optional, bound too in rmmod tests), MEMATTR_KO (to load the module
 * again after rmmod).  Every test ends with the module loaded with the
 * parameters it had and the devices on their drivers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/membarrier.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "access_probe.h"
#include "bdf.h"
#include "kmod.h"
#include "kmsg_cursor.h"
#include "kvm_s2guest.h"
#include "memattr_module.h"
#include "memattr_pte.h"
#include "memattr_sysfs.h"
#include "pat_memtype.h"
#include "pci_bars.h"
#include "pci_inject.h"
#include "pci_sysfs.h"
#include "test_devices.h"
#include "test_mode.h"
#include "vfio_dev.h"
#include "vfio_group.h"
#include "vfio_open.h"
#include "vfio_region.h"
#include "vfio_request.h"

#define DEBUGFS_DIR	"/sys/kernel/debug/" MEMATTR_DRIVER
#define STOCK_DRIVER	"vfio-pci"
#define BAR2		2
/* Past what other tests leave in BAR2 for the host (lib/kvm_record.h). */
#define SCRATCH_OFFSET	0x100000
#define CYCLES		100
#define WARMUP_CYCLES	5
/* A guard against a hang, not a synchronisation: vfio asks every 10 s. */
#define REQUEST_TIMEOUT_MS	60000

enum dev_id { DEV_SHMEM, DEV_MSIX, NR_DEVS };

static const char *const dev_env[NR_DEVS] = {
	[DEV_SHMEM] = BDF_ENV,
	[DEV_MSIX] = "MEMATTR_MSIX_BDF",
};

static const char *bdfs[NR_DEVS];

struct life {
	pid_t test_pid;
	struct pci_sysfs_state saved[NR_DEVS];
	bool saved_valid[NR_DEVS];
	char params[256];
	struct vfio_dev dev;
	void *map;
	size_t map_len;
	int kmsg;
};

static void life_setup(struct __test_metadata *_metadata, struct life *l)
{
	const char *ko = getenv(MEMATTR_KO_ENV);
	int d;

	l->test_pid = getpid();
	l->map = MAP_FAILED;
	l->kmsg = -1;
	vfio_dev_init(&l->dev);
	if (!bdfs[DEV_SHMEM])
		SKIP(return, "%s not set: no ivshmem device", BDF_ENV);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	if (!ko || access(ko, R_OK))
		SKIP(return, "%s not set or unreadable: the module could not be loaded again",
		     MEMATTR_KO_ENV);
	if (access(VFIO_CONTAINER_PATH, F_OK))
		SKIP(return, "no %s: kernel without the VFIO container API",
		     VFIO_CONTAINER_PATH);

	ASSERT_EQ(0, memattr_module_params(l->params, sizeof(l->params)));
	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d])
			continue;
		ASSERT_EQ(0, pci_sysfs_save(bdfs[d], &l->saved[d]));
		l->saved_valid[d] = true;
	}
	l->kmsg = kmsg_cursor_open();
	ASSERT_LE(0, l->kmsg);
}

static void unmap_and_close(struct life *l)
{
	if (l->map != MAP_FAILED)
		munmap(l->map, l->map_len);
	l->map = MAP_FAILED;
	vfio_dev_close(&l->dev);
}

/* In the parent, also after the test died of a signal or an ASSERT. */
static void life_teardown(struct __test_metadata *_metadata, struct life *l)
{
	if (getpid() == l->test_pid)
		unmap_and_close(l);
	if (l->kmsg >= 0)
		close(l->kmsg);
	if (!l->saved_valid[DEV_SHMEM])
		return;
	test_devices_restore(_metadata, bdfs, l->saved, l->saved_valid,
			     NR_DEVS, l->params);
}

/*
 * Binds @bdf afresh as ours.  In attach mode that takes a BAR value other
 * than default: a device on vfio-pci with nothing configured is stock's,
 * code path included (src/attach.c).  device-ngnre: BAR2 allows it
 * whatever the module's parameters.
 */
static void bind_ours(struct __test_metadata *_metadata, const char *bdf)
{
	int ret;

	test_mode_bind(_metadata, bdf);
	if (!test_mode_attach())
		return;
	ret = memattr_bar_write(bdf, BAR2, "device-ngnre");
	ASSERT_EQ(0, ret) TH_LOG("%s bar2: %s", bdf, strerror(-ret));
}

/* Opens the device and maps all of BAR2. */
static void open_and_map(struct __test_metadata *_metadata, struct life *l,
			 const char *bdf)
{
	struct vfio_region_info ri;

	ASSERT_EQ(0, vfio_open_device(bdf, &l->dev));
	ASSERT_EQ(0, vfio_region_get_info(l->dev.device_fd, BAR2, &ri));
	ASSERT_LT(SCRATCH_OFFSET + 8, ri.size);
	l->map_len = ri.size;
	l->map = vfio_region_mmap(l->dev.device_fd, &ri, 0);
	ASSERT_NE(MAP_FAILED, l->map);
}

/* Writes @tag through the mapping and reads it back. */
static void touch(struct __test_metadata *_metadata, struct life *l,
		  uint64_t tag)
{
	volatile uint64_t *p = (volatile uint64_t *)((uint8_t *)l->map +
						     SCRATCH_OFFSET);

	*p = tag;
	__sync_synchronize();
	ASSERT_EQ(tag, *p);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool debugfs_has(const char *bdf)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", bdf);
	return !access(path, F_OK);
}

FIXTURE(unbind) {
	struct life l;
};

FIXTURE_VARIANT(unbind) {
	bool keep_fd;	/* the device fd stays open, not only the mapping */
};

FIXTURE_VARIANT_ADD(unbind, open_and_mapped) {
	.keep_fd = true,
};

FIXTURE_VARIANT_ADD(unbind, mapped_only) {
	.keep_fd = false,
};

FIXTURE_SETUP(unbind)
{
	life_setup(_metadata, &self->l);
}

FIXTURE_TEARDOWN_PARENT(unbind)
{
	life_teardown(_metadata, &self->l);
}

/*
 * The unbind (or another removal), in a process of its own, forked before
 * the device is opened so that it holds no descriptor or mapping of it:
 * the write blocks until the user lets go.  (A thread would share the
 * test's descriptors and mappings: a test that failed while the unbind
 * waits could then never release them.)  The child waits for a byte on
 * @go, removes, writes the result to @done and exits.
 */
struct unbinder {
	pid_t pid;
	int go;			/* write end */
	int done;		/* read end: the result, then EOF */
};

static int remover_start(struct unbinder *u, const char *bdf,
			 int (*remove)(const char *bdf))
{
	int go[2], done[2], ret;
	char c;

	if (pipe2(go, O_CLOEXEC) || pipe2(done, O_CLOEXEC))
		return -errno;
	u->pid = fork();
	if (u->pid < 0)
		return -errno;
	if (!u->pid) {
		close(go[1]);
		close(done[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		ret = remove(bdf);
		_exit(write(done[1], &ret, sizeof(ret)) == sizeof(ret) ? 0 : 1);
	}
	close(go[0]);
	close(done[1]);
	u->go = go[1];
	u->done = done[0];
	return 0;
}

static int unbinder_start(struct unbinder *u, const char *bdf)
{
	return remover_start(u, bdf, pci_sysfs_unbind);
}

/* The unbind's result, once it returned; -EPIPE when the child died. */
static int unbinder_finish(struct unbinder *u)
{
	int ret;

	if (read(u->done, &ret, sizeof(ret)) != sizeof(ret))
		ret = -EPIPE;
	waitpid(u->pid, NULL, 0);
	close(u->go);
	close(u->done);
	return ret;
}

/*
 * Lets @u unbind, and waits for vfio's request on @req_fd: it must come
 * while the unbind still waits, as the device is in use.
 */
static void unbind_until_request(struct __test_metadata *_metadata,
				 struct unbinder *u, int req_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = req_fd, .events = POLLIN },
		{ .fd = u->done, .events = POLLIN },
	};
	eventfd_t count;

	ASSERT_EQ(1, write(u->go, "u", 1));
	ASSERT_LT(0, poll(pfd, 2, REQUEST_TIMEOUT_MS))
		TH_LOG("no request and no unbind within %d ms",
		       REQUEST_TIMEOUT_MS);
	ASSERT_FALSE(pfd[1].revents)
		TH_LOG("the unbind returned while the device was in use");
	ASSERT_EQ(0, eventfd_read(req_fd, &count));
	TH_LOG("request signalled (count %llu)", (unsigned long long)count);
}

/* The unbind still waits; the user lets go, and then it completes. */
static void release_until_unbound(struct __test_metadata *_metadata,
				  struct life *l, struct unbinder *u)
{
	struct pollfd done = { .fd = u->done, .events = POLLIN };
	int ret;

	ASSERT_EQ(0, poll(&done, 1, 0))
		TH_LOG("the unbind returned while the device was in use");
	unmap_and_close(l);
	ASSERT_LT(0, poll(&done, 1, REQUEST_TIMEOUT_MS))
		TH_LOG("the unbind did not complete after the release");
	ret = unbinder_finish(u);
	ASSERT_EQ(0, ret) TH_LOG("unbind: %s", strerror(-ret));
}

static bool relayed(const char *msg, void *arg)
{
	const char *bdf = arg;

	return strstr(msg, bdf) && strstr(msg, "Relaying device request to user");
}

static bool no_channel(const char *msg, void *arg)
{
	const char *bdf = arg;

	return strstr(msg, bdf) && strstr(msg, "No device request channel");
}

TEST_F(unbind, request_then_release)
{
	struct life *l = &self->l;
	const char *bdf = bdfs[DEV_SHMEM];
	struct unbinder u = { .go = -1, .done = -1 };
	char path[128];
	int req_fd;

	bind_ours(_metadata, bdf);
	ASSERT_EQ(0, unbinder_start(&u, bdf));
	open_and_map(_metadata, l, bdf);
	touch(_metadata, l, 0x6d656d6174747231ULL);

	req_fd = vfio_request_eventfd(l->dev.device_fd);
	ASSERT_LE(0, req_fd);

	/* Only the mapping keeps the device open from here on. */
	if (!variant->keep_fd)
		vfio_dev_close(&l->dev);

	unbind_until_request(_metadata, &u, req_fd);

	/*
	 * remove() is waiting: the driver's files went before it was called,
	 * and the user can still use the device until it lets go.
	 */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/memattr", bdf);
	ASSERT_NE(0, access(path, F_OK)) TH_LOG("%s exists during remove()",
						path);
	touch(_metadata, l, 0x6d656d6174747232ULL);

	/* Let go: the unbind completes. */
	release_until_unbound(_metadata, l, &u);
	ASSERT_EQ(-ENOENT, pci_sysfs_get_driver(bdf, path, sizeof(path)));
	ASSERT_FALSE(debugfs_has(bdf));
	close(req_fd);

	ASSERT_LT(0, kmsg_cursor_grep(l->kmsg, relayed, (void *)bdf))
		TH_LOG("no \"Relaying device request to user\" for %s", bdf);
	ASSERT_EQ(0, kmsg_cursor_grep(l->kmsg, no_channel, (void *)bdf));

	/* And it binds again. */
	test_mode_bind(_metadata, bdf);
	ASSERT_TRUE(memattr_bar_file_exists(bdf, BAR2));
}

/*
 * A user that does not let go when asked: by default it keeps its mappings
 * until it closes the device, as on stock vfio-pci (a mistaken unbind must
 * not kill a VM). With revoke_after_request=1 the driver lets vfio's first
 * request pass (an orderly unplug may still touch the BARs), and at the
 * next one, 10 s later, zaps every VMA of the device, a forked child's copy
 * included, before signalling the request: the entries are gone from the
 * page table, and reads get SIGBUS. Either way the unbind waits for the
 * close.
 */
FIXTURE(revoke) {
	struct life l;
	char saved_opt_in[MEMATTR_VALUE_MAX];
};

FIXTURE_VARIANT(revoke) {
	bool opt_in;	/* revoke_after_request=1 */
};

FIXTURE_VARIANT_ADD(revoke, stock_by_default) {
	.opt_in = false,
};

FIXTURE_VARIANT_ADD(revoke, opt_in) {
	.opt_in = true,
};

FIXTURE_SETUP(revoke)
{
	self->saved_opt_in[0] = '\0';
	life_setup(_metadata, &self->l);
	ASSERT_EQ(0, memattr_param_read("revoke_after_request",
					self->saved_opt_in,
					sizeof(self->saved_opt_in)));
	ASSERT_EQ(0, memattr_param_write("revoke_after_request",
					 variant->opt_in ? "1" : "0"));
}

FIXTURE_TEARDOWN_PARENT(revoke)
{
	if (self->saved_opt_in[0] && kmod_loaded(MEMATTR_MODULE))
		memattr_param_write("revoke_after_request",
				    self->saved_opt_in);
	life_teardown(_metadata, &self->l);
}

static bool revoked(const char *msg, void *arg)
{
	const char *bdf = arg;

	return strstr(msg, bdf) && strstr(msg, "revoked");
}

/*
 * A child that inherits the mapping with its entries (a fork copies them
 * for VM_PFNMAP), reads it, writes a byte to @ready, waits for one on @go,
 * reads again and exits 0 if that read raised SIGBUS, 1 if it did not.
 */
static pid_t fork_holder(const volatile uint8_t *p, int *go, int *ready)
{
	int g[2], r[2];
	pid_t pid;
	char c;

	if (pipe2(g, O_CLOEXEC) || pipe2(r, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		/* Gone with the test, so a failed test leaves no mapping. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(g[1]);
		close(r[0]);
		(void)*p;
		if (write(r[1], "r", 1) != 1 || read(g[0], &c, 1) != 1)
			_exit(2);
		_exit(access_probe_read(p) == SIGBUS ? 0 : 1);
	}
	close(g[0]);
	close(r[1]);
	*go = g[1];
	*ready = r[0];
	return pid;
}

/* The next request on @req_fd, while the unbind still waits. */
static void next_request(struct __test_metadata *_metadata, int req_fd,
			 struct unbinder *u)
{
	struct pollfd pfd = { .fd = req_fd, .events = POLLIN };
	struct pollfd done = { .fd = u->done, .events = POLLIN };
	eventfd_t count;

	ASSERT_LT(0, poll(&pfd, 1, REQUEST_TIMEOUT_MS))
		TH_LOG("no second request within %d ms", REQUEST_TIMEOUT_MS);
	ASSERT_EQ(0, eventfd_read(req_fd, &count));
	ASSERT_EQ(0, poll(&done, 1, 0))
		TH_LOG("the unbind returned while the device was in use");
}

/* Two rounds of vfio's 10 s request interval, slower under KASAN. */
TEST_F_TIMEOUT(revoke, after_grace, 120)
{
	struct life *l = &self->l;
	const char *bdf = bdfs[DEV_SHMEM];
	struct unbinder u = { .go = -1, .done = -1 };
	const volatile uint8_t *p;
	struct memattr_pte pte;
	bool pte_seen = memattr_pte_available();
	int req_fd, hold_go, hold_ready, status, pte_ret;
	pid_t holder;
	char c;

	bind_ours(_metadata, bdf);
	ASSERT_EQ(0, unbinder_start(&u, bdf));
	open_and_map(_metadata, l, bdf);
	touch(_metadata, l, 0x6d656d6174747233ULL);
	req_fd = vfio_request_eventfd(l->dev.device_fd);
	ASSERT_LE(0, req_fd);
	p = (const volatile uint8_t *)l->map + SCRATCH_OFFSET;
	if (pte_seen) {
		ASSERT_EQ(0, memattr_pte_query(p, &pte));
		TH_LOG("before: %s", pte.line);
	} else {
		TH_LOG("no %s: page-table checks left out", MEMATTR_PTE_PATH);
	}

	holder = fork_holder(p, &hold_go, &hold_ready);
	ASSERT_LT(0, holder);
	ASSERT_EQ(1, read(hold_ready, &c, 1));

	unbind_until_request(_metadata, &u, req_fd);

	/* The first round: the mapping still works. */
	touch(_metadata, l, 0x6d656d6174747234ULL);

	/* The driver's part of the next request is done before it is sent. */
	next_request(_metadata, req_fd, &u);
	if (variant->opt_in) {
		ASSERT_LT(0, kmsg_cursor_wait(l->kmsg, revoked, (void *)bdf,
					      REQUEST_TIMEOUT_MS))
			TH_LOG("no revocation logged for %s", bdf);
	} else {
		ASSERT_EQ(0, kmsg_cursor_grep(l->kmsg, revoked, (void *)bdf))
			TH_LOG("revoked without revoke_after_request");
	}
	if (pte_seen) {
		pte_ret = memattr_pte_query(p, &pte);
		ASSERT_EQ(variant->opt_in ? -ENOENT : 0, pte_ret)
			TH_LOG("after the second request: %s",
			       pte_ret ? strerror(-pte_ret) : pte.line);
	}
	ASSERT_EQ(variant->opt_in ? SIGBUS : 0, access_probe_read(p));
	if (!variant->opt_in)
		touch(_metadata, l, 0x6d656d6174747235ULL);

	/* The forked copy went too, or stayed too. */
	ASSERT_EQ(1, write(hold_go, "g", 1));
	ASSERT_EQ(holder, waitpid(holder, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) &&
		    WEXITSTATUS(status) == (variant->opt_in ? 0 : 1))
		TH_LOG("the forked holder's read %s",
		       WIFEXITED(status) && WEXITSTATUS(status) == 1 ?
		       "still worked" : WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0 ? "got SIGBUS" :
		       "failed otherwise");
	close(hold_go);
	close(hold_ready);

	/* Revoked is not released: the unbind waits for the close. */
	release_until_unbound(_metadata, l, &u);
	close(req_fd);

	test_mode_bind(_metadata, bdf);
	ASSERT_TRUE(memattr_bar_file_exists(bdf, BAR2));
}

/* The guest's bytes, read back through the test's own mapping. */
static void guest_stored(struct __test_metadata *_metadata,
			 const struct kvm_s2_bar *b)
{
	const volatile uint8_t *p = (const volatile uint8_t *)b->hva + b->off;
	size_t i;

	for (i = 0; i < b->data_len; i++)
		ASSERT_EQ((uint8_t)b->data[i], p[i])
			TH_LOG("guest byte %zu of \"%s\"", i, b->data);
}

/*
 * A VM whose memslot is the BAR mapping, as QEMU's is, across an orderly
 * unbind: its vCPU still stores into the BAR after vfio's second request,
 * as on stock, until the VM and the device are closed. With
 * revoke_after_request=1 the revocation removes KVM's stage 2 too (the
 * zap's MMU notifier), and the vCPU's next store fails KVM_RUN with
 * EFAULT, which is what ends a QEMU guest.
 */
TEST_F_TIMEOUT(revoke, kvm_vcpu, 120)
{
	struct life *l = &self->l;
	const char *bdf = bdfs[DEV_SHMEM];
	const char *why = kvm_s2_unavailable();
	struct unbinder u = { .go = -1, .done = -1 };
	struct kvm_s2_guest guest;
	struct kvm_s2_bar bar;
	int req_fd, ret;

	if (why)
		SKIP(return, "%s", why);
	bind_ours(_metadata, bdf);
	ASSERT_EQ(0, unbinder_start(&u, bdf));
	open_and_map(_metadata, l, bdf);
	req_fd = vfio_request_eventfd(l->dev.device_fd);
	ASSERT_LE(0, req_fd);

	memset(&bar, 0, sizeof(bar));
	bar.hva = l->map;
	bar.len = l->map_len;
	bar.off = SCRATCH_OFFSET + 0x1000;
	bar.data = "memattr vcpu: before the unbind";
	bar.data_len = strlen(bar.data);
	kvm_s2_guest_init(&guest);
	ASSERT_EQ(0, kvm_s2_guest_run(&guest, NULL, NULL, &bar, 1));
	guest_stored(_metadata, &bar);

	unbind_until_request(_metadata, &u, req_fd);
	next_request(_metadata, req_fd, &u);
	if (variant->opt_in)
		ASSERT_LT(0, kmsg_cursor_wait(l->kmsg, revoked, (void *)bdf,
					      REQUEST_TIMEOUT_MS))
			TH_LOG("no revocation logged for %s", bdf);

	bar.data = "memattr vcpu: after the second request";
	bar.data_len = strlen(bar.data);
	ret = kvm_s2_guest_rerun(&guest, &bar, 1);
	if (variant->opt_in) {
		ASSERT_EQ(-EFAULT, ret)
			TH_LOG("KVM_RUN over a revoked BAR: %s", strerror(-ret));
	} else {
		ASSERT_EQ(0, ret)
			TH_LOG("KVM_RUN across the unbind: %s", strerror(-ret));
		guest_stored(_metadata, &bar);
	}

	kvm_s2_guest_destroy(&guest);
	release_until_unbound(_metadata, l, &u);
	close(req_fd);
	test_mode_bind(_metadata, bdf);
}

/*
 * Surprise removal: the device is marked offline, then removed, as pciehp
 * does when a device vanished (selftests/modules/memattr-pci-inject.ko).
 * Every access is dead then, so the driver revokes the mappings at vfio's
 * first request, before the user is told. The remover still waits for the
 * close; a rescan brings the device back.
 *
 *   offline.sigbus        entries gone, SIGBUS, a forked copy too;
 *   offline.munmap_race   processes that map, touch and unmap in a loop
 *                         while the revocation runs (the zap must never
 *                         meet a VMA whose page tables munmap frees);
 *   offline.exit_race     the only users are processes that die of the
 *                         revocation's SIGBUS: the remover must not be left
 *                         holding their last mm reference (its own exit_mmap
 *                         would queue the device's last fput behind itself).
 */
#define OFFLINE_ROUNDS		10
/* The race window is one munmap's: give it many chances. */
#define RACE_ROUNDS		40
#define OFFLINE_CHURNERS	4
/* A guard against a hang: a healthy removal takes well under a second. */
#define OFFLINE_REMOVE_MS	30000

FIXTURE(offline) {
	struct life l;
};

FIXTURE_SETUP(offline)
{
	life_setup(_metadata, &self->l);
	if (!pci_inject_available())
		SKIP(return, "no %s: memattr-pci-inject.ko not loaded",
		     PCI_INJECT_DIR);
}

/* The device may be gone when a test failed mid-way: bring it back. */
FIXTURE_TEARDOWN_PARENT(offline)
{
	if (bdfs[DEV_SHMEM] && !pci_sysfs_device_exists(bdfs[DEV_SHMEM]))
		pci_sysfs_rescan();
	life_teardown(_metadata, &self->l);
}

static void remove_until_revoked(struct __test_metadata *_metadata,
				 struct life *l, struct unbinder *u,
				 const char *bdf)
{
	ASSERT_EQ(1, write(u->go, "r", 1));
	ASSERT_LT(0, kmsg_cursor_wait(l->kmsg, revoked, (void *)bdf,
				      OFFLINE_REMOVE_MS))
		TH_LOG("no revocation logged for %s", bdf);
}

/* The removal completes once every user let go; the device comes back. */
static void removed_and_back(struct __test_metadata *_metadata,
			     struct unbinder *u, const char *bdf)
{
	struct pollfd done = { .fd = u->done, .events = POLLIN };
	int ret;

	ASSERT_LT(0, poll(&done, 1, OFFLINE_REMOVE_MS))
		TH_LOG("the removal did not complete within %d ms",
		       OFFLINE_REMOVE_MS);
	ret = unbinder_finish(u);
	ASSERT_EQ(0, ret) TH_LOG("surprise removal: %s", strerror(-ret));
	ASSERT_FALSE(pci_sysfs_device_exists(bdf));
	ASSERT_EQ(0, pci_sysfs_rescan());
	ASSERT_TRUE(pci_sysfs_device_exists(bdf));
}

/*
 * A surprise removal under a user that maps BAR2 of the device, bound
 * already: the mapping and a forked copy are revoked at once, and the
 * removal waits for the close.
 */
static void sigbus_at_removal(struct __test_metadata *_metadata, struct life *l)
{
	const char *bdf = bdfs[DEV_SHMEM];
	struct unbinder u = { .go = -1, .done = -1 };
	bool pte_seen = memattr_pte_available();
	const volatile uint8_t *p;
	struct memattr_pte pte;
	int hold_go, hold_ready, status;
	struct pollfd done;
	pid_t holder;
	char c;

	ASSERT_EQ(0, remover_start(&u, bdf, pci_inject_surprise_remove));
	open_and_map(_metadata, l, bdf);
	touch(_metadata, l, 0x6d656d6174747236ULL);
	p = (const volatile uint8_t *)l->map + SCRATCH_OFFSET;
	holder = fork_holder(p, &hold_go, &hold_ready);
	ASSERT_LT(0, holder);
	ASSERT_EQ(1, read(hold_ready, &c, 1));

	remove_until_revoked(_metadata, l, &u, bdf);
	if (pte_seen)
		ASSERT_EQ(-ENOENT, memattr_pte_query(p, &pte))
			TH_LOG("still mapped after the revocation: %s",
			       pte.line);
	ASSERT_EQ(SIGBUS, access_probe_read(p));
	ASSERT_EQ(1, write(hold_go, "g", 1));
	ASSERT_EQ(holder, waitpid(holder, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the forked holder's read did not get SIGBUS");
	close(hold_go);
	close(hold_ready);

	/* Revoked is not released: the removal waits for the close. */
	done = (struct pollfd){ .fd = u.done, .events = POLLIN };
	ASSERT_EQ(0, poll(&done, 1, 0))
		TH_LOG("the removal returned while the device was open");
	unmap_and_close(l);
	removed_and_back(_metadata, &u, bdf);
}

TEST_F_TIMEOUT(offline, sigbus, 120)
{
	bind_ours(_metadata, bdfs[DEV_SHMEM]);
	sigbus_at_removal(_metadata, &self->l);
}

/* Attach mode: the same for a configured device left on vfio-pci. */
TEST_F_TIMEOUT(offline, sigbus_attached, 120)
{
	const char *bdf = bdfs[DEV_SHMEM];

	if (test_mode_attach())
		SKIP(return, "attach mode: offline.sigbus is this case");
	test_devices_bind(_metadata, bdf, STOCK_DRIVER);
	ASSERT_EQ(0, memattr_bar_write(bdf, BAR2, "device-ngnre"));
	sigbus_at_removal(_metadata, &self->l);
}

/*
 * Maps all of BAR2, touches it and unmaps it until *@stop, in a process
 * of its own. A touch after the revocation gets SIGBUS (caught), and the
 * loop goes on: munmap keeps racing the zap. Exits 0, or 1 when a map
 * failed for another reason than the device being gone.
 */
static pid_t fork_churner(int device_fd, const struct vfio_region_info *ri,
			  volatile int *stop)
{
	pid_t pid = fork();
	unsigned int i;
	void *m;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; !*stop && i < 1000000; i++) {
		m = vfio_region_mmap(device_fd, ri, 0);
		if (m == MAP_FAILED)
			_exit(1);
		access_probe_read((uint8_t *)m + (i % 16) * 4096);
		munmap(m, ri->size);
	}
	_exit(0);
}

/* x86: a VMA untracked twice (zapped after munmap detached it). */
static bool pat_invalid(const char *msg, void *arg)
{
	(void)arg;
	return strstr(msg, "x86/PAT") && strstr(msg, "invalid memtype");
}

TEST_F_TIMEOUT(offline, munmap_race, 300)
{
	struct life *l = &self->l;
	const char *bdf = bdfs[DEV_SHMEM];
	pid_t churners[OFFLINE_CHURNERS];
	struct vfio_region_info ri;
	volatile int *stop;
	int round, i, status, pat_log;

	/* Its own cursor: the wait for the revocation reads past lines. */
	pat_log = kmsg_cursor_open();
	ASSERT_LE(0, pat_log);
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stop);
	for (round = 0; round < RACE_ROUNDS; round++) {
		struct unbinder u = { .go = -1, .done = -1 };

		bind_ours(_metadata, bdf);
		ASSERT_EQ(0, remover_start(&u, bdf,
					   pci_inject_surprise_remove));
		open_and_map(_metadata, l, bdf);
		touch(_metadata, l, 0x6d656d6174747237ULL);
		ASSERT_EQ(0, vfio_region_get_info(l->dev.device_fd, BAR2, &ri));
		*stop = 0;
		for (i = 0; i < OFFLINE_CHURNERS; i++) {
			churners[i] = fork_churner(l->dev.device_fd, &ri, stop);
			ASSERT_LT(0, churners[i]);
		}

		remove_until_revoked(_metadata, l, &u, bdf);
		ASSERT_EQ(SIGBUS, access_probe_read((uint8_t *)l->map +
						    SCRATCH_OFFSET));
		*stop = 1;
		for (i = 0; i < OFFLINE_CHURNERS; i++) {
			ASSERT_EQ(churners[i], waitpid(churners[i], &status, 0));
			ASSERT_TRUE(WIFEXITED(status) &&
				    WEXITSTATUS(status) == 0)
				TH_LOG("churner %d: status %#x", i, status);
		}
		unmap_and_close(l);
		removed_and_back(_metadata, &u, bdf);
		ASSERT_EQ(0, kmsg_cursor_grep(pat_log, pat_invalid, NULL))
			TH_LOG("round %d: PAT freed a range twice", round);
	}
	munmap((void *)stop, sizeof(*stop));
	close(pat_log);
}

TEST_F_TIMEOUT(offline, exit_race, 300)
{
	struct life *l = &self->l;
	const char *bdf = bdfs[DEV_SHMEM];
	pid_t users[OFFLINE_CHURNERS];
	int round, i, status;

	for (round = 0; round < OFFLINE_ROUNDS; round++) {
		struct unbinder u = { .go = -1, .done = -1 };
		volatile uint8_t *p;

		bind_ours(_metadata, bdf);
		ASSERT_EQ(0, remover_start(&u, bdf,
					   pci_inject_surprise_remove));
		open_and_map(_metadata, l, bdf);
		touch(_metadata, l, 0x6d656d6174747238ULL);
		p = (volatile uint8_t *)l->map + SCRATCH_OFFSET;
		/* Each reads until the revocation's SIGBUS kills it. */
		for (i = 0; i < OFFLINE_CHURNERS; i++) {
			users[i] = fork();
			ASSERT_LE(0, users[i]);
			if (!users[i]) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				for (;;)
					(void)*p;
			}
		}
		/* Only the dying users hold the device now. */
		unmap_and_close(l);

		ASSERT_EQ(1, write(u.go, "r", 1));
		for (i = 0; i < OFFLINE_CHURNERS; i++) {
			ASSERT_EQ(users[i], waitpid(users[i], &status, 0));
			ASSERT_TRUE(WIFSIGNALED(status) &&
				    WTERMSIG(status) == SIGBUS)
				TH_LOG("user %d: status %#x", i, status);
		}
		removed_and_back(_metadata, &u, bdf);
	}
}

FIXTURE(rmmod) {
	struct life l;
};

FIXTURE_SETUP(rmmod)
{
	life_setup(_metadata, &self->l);
}

FIXTURE_TEARDOWN_PARENT(rmmod)
{
	life_teardown(_metadata, &self->l);
}

/*
 * Bound but not open: no module reference, so rmmod succeeds, and
 * pci_unregister_driver() unbinds every device on the way out.  Attach
 * mode: a device on vfio-pci configured since its bind pins the module
 * (rmmod refused, EWOULDBLOCK) until it is bound afresh; then rmmod
 * succeeds, the devices stay on vfio-pci without the knobs, and the
 * reload attaches them again at their defaults.
 */
TEST_F(rmmod, while_bound)
{
	char name[PCI_SYSFS_NAME_MAX], want[MEMATTR_VALUE_MAX];
	int d, n = 0, ret;

	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d])
			continue;
		test_mode_bind(_metadata, bdfs[d]);
		n++;
	}
	if (test_mode_attach()) {
		bind_ours(_metadata, bdfs[DEV_SHMEM]);
		ASSERT_LT(0, memattr_module_refcnt());
		ret = kmod_unload(MEMATTR_MODULE);
		ASSERT_EQ(-EWOULDBLOCK, ret)
			TH_LOG("rmmod with a configured device on vfio-pci: %s",
			       ret ? strerror(-ret) : "success");
		test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	} else {
		ASSERT_LE(n, memattr_driver_count());
	}
	ASSERT_EQ(0, memattr_module_refcnt());
	ASSERT_EQ(0, kmod_unload(MEMATTR_MODULE));
	ASSERT_FALSE(kmod_loaded(MEMATTR_MODULE));
	ASSERT_FALSE(pci_sysfs_driver_registered(MEMATTR_DRIVER));
	ASSERT_NE(0, access(DEBUGFS_DIR, F_OK));
	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d])
			continue;
		ret = pci_sysfs_get_driver(bdfs[d], name, sizeof(name));
		if (test_mode_attach()) {
			ASSERT_EQ(0, ret) TH_LOG("%s lost vfio-pci", bdfs[d]);
			ASSERT_STREQ(test_mode_driver(), name);
		} else {
			ASSERT_EQ(-ENOENT, ret)
				TH_LOG("%s still has driver %s", bdfs[d], name);
		}
		ASSERT_FALSE(memattr_bar_file_exists(bdfs[d], 0));
	}

	/*
	 * Loaded again, the module takes them back from a clean state: the
	 * variant driver at the next bind, devices on vfio-pci at the load.
	 */
	ASSERT_EQ(0, memattr_module_reload(self->l.params));
	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d])
			continue;
		if (!test_mode_attach())
			test_mode_bind(_metadata, bdfs[d]);
		ASSERT_TRUE(debugfs_has(bdfs[d]));
	}
	ASSERT_EQ(0, memattr_bar_active(bdfs[DEV_SHMEM], BAR2, want,
					sizeof(want)));
	ASSERT_LE(0, memattr_value_parse(want));
	if (test_mode_attach())
		ASSERT_STREQ("default", want);
}

/*
 * Open: vfio holds a reference on the module, so removal is refused
 * (delete_module() with O_NONBLOCK, as rmmod does: EWOULDBLOCK) and the
 * device keeps working; once closed, the reference is gone.  Attach mode:
 * the configured device holds it until it is unbound.
 */
TEST_F(rmmod, refused_while_open)
{
	struct life *l = &self->l;
	const char *bdf = bdfs[DEV_SHMEM];
	int ret;

	bind_ours(_metadata, bdf);
	open_and_map(_metadata, l, bdf);
	ASSERT_LT(0, memattr_module_refcnt());
	ret = kmod_unload(MEMATTR_MODULE);
	ASSERT_EQ(-EWOULDBLOCK, ret) TH_LOG("rmmod while open: %s",
					    ret ? strerror(-ret) : "success");
	ASSERT_TRUE(kmod_loaded(MEMATTR_MODULE));
	ASSERT_TRUE(pci_sysfs_driver_has_device(test_mode_driver(), bdf));
	touch(_metadata, l, 0x6d656d6174747233ULL);

	unmap_and_close(l);
	if (test_mode_attach()) {
		ASSERT_LT(0, memattr_module_refcnt());
		ASSERT_EQ(0, pci_sysfs_unbind(bdf));
	}
	ASSERT_EQ(0, memattr_module_refcnt());
}

/* Slab objects in use per cache, after every cache has been shrunk. */
#define MAX_CACHES	512
#define SETTLE_ROUNDS	20
#define SETTLE_STABLE	2

struct slab_snap {
	unsigned int n;
	struct {
		char name[64];
		long active;
		long size;
	} c[MAX_CACHES];
	long total;
	long slab_kb, sunreclaim_kb;
	unsigned int rounds;		/* of slab_snapshot() */
};

/*
 * The files a measurement uses, opened once: opening them in every round
 * would itself create the sysfs dentries and inodes that drop_caches then
 * frees, and the count would never settle.
 */
struct slab_files {
	int drop_caches;
	int slabinfo;
	int meminfo;
	unsigned int nshrink;
	int shrink[MAX_CACHES];
};

static void slab_files_open(struct slab_files *f)
{
	struct dirent *de;
	char path[512];
	DIR *dir;
	int fd;

	f->drop_caches = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	f->slabinfo = open("/proc/slabinfo", O_RDONLY | O_CLOEXEC);
	f->meminfo = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	f->nshrink = 0;
	dir = opendir("/sys/kernel/slab");
	if (!dir)
		return;
	while ((de = readdir(dir)) && f->nshrink < MAX_CACHES) {
		/* Aliases are symlinks to the caches themselves. */
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 de->d_name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			f->shrink[f->nshrink++] = fd;
	}
	closedir(dir);
}

static void slab_files_close(struct slab_files *f)
{
	unsigned int i;

	for (i = 0; i < f->nshrink; i++)
		close(f->shrink[i]);
	if (f->drop_caches >= 0)
		close(f->drop_caches);
	if (f->slabinfo >= 0)
		close(f->slabinfo);
	if (f->meminfo >= 0)
		close(f->meminfo);
}

/*
 * Frees what the kernel holds back, so that /proc/slabinfo counts what is
 * in use:
 *   - drop_caches runs every shrinker, kfree_rcu()'s among them, which
 *     hands its batches (held up to seconds otherwise) to RCU; unused
 *     dentries and inodes (sysfs, debugfs) go too;
 *   - MEMBARRIER_CMD_GLOBAL waits for an RCU grace period
 *     (synchronize_rcu()), after which the deferred frees (call_rcu(),
 *     kfree_rcu(): struct file, kernfs names, ...) can run;
 *   - writing to /sys/kernel/slab/CACHE/shrink flushes the per-CPU slabs
 *     back, so that active_objs (SLUB: all objects but the free ones on
 *     the node partial lists) is the objects in use.
 * A write that fails (not every cache can be shrunk) changes nothing.
 */
static void slab_shrink(const struct slab_files *f)
{
	unsigned int i;

	if (pwrite(f->drop_caches, "3", 1, 0) < 0)
		(void)0;
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	for (i = 0; i < f->nshrink; i++)
		if (pwrite(f->shrink[i], "1", 1, 0) < 0)
			(void)0;
}

/* A whole /proc file into @buf, 0-terminated; -1 on error. */
static ssize_t read_proc(int fd, char *buf, size_t len)
{
	ssize_t n = 0, ret;

	while ((size_t)n < len - 1) {
		ret = pread(fd, buf + n, len - 1 - n, n);
		if (ret < 0)
			return -1;
		if (!ret)
			break;
		n += ret;
	}
	buf[n] = '\0';
	return n;
}

static long meminfo_kb(const char *info, const char *key)
{
	const char *p = strstr(info, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

#define PROC_BUF_SIZE	(256 * 1024)

/* One reading of /proc/slabinfo; false without it. */
static bool slab_read(const struct slab_files *f, struct slab_snap *s,
		      char *buf)
{
	long active, total, size;
	char name[64], *line, *next;

	s->n = 0;
	s->total = 0;
	s->slab_kb = -1;
	s->sunreclaim_kb = -1;
	if (f->meminfo >= 0 && read_proc(f->meminfo, buf, PROC_BUF_SIZE) > 0) {
		s->slab_kb = meminfo_kb(buf, "\nSlab:");
		s->sunreclaim_kb = meminfo_kb(buf, "\nSUnreclaim:");
	}
	if (f->slabinfo < 0 || read_proc(f->slabinfo, buf, PROC_BUF_SIZE) <= 0)
		return false;
	for (line = buf; line && *line && s->n < MAX_CACHES; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total,
			   &size) != 4)
			continue;
		memcpy(s->c[s->n].name, name, sizeof(name));
		s->c[s->n].active = active;
		s->c[s->n].size = size;
		s->total += active;
		s->n++;
	}
	return true;
}

/* Keeps, per cache, the lowest count of @s and @r in @s. */
static void slab_min(struct slab_snap *s, const struct slab_snap *r)
{
	unsigned int i, j;

	for (i = 0; i < s->n; i++)
		for (j = 0; j < r->n; j++)
			if (!strcmp(s->c[i].name, r->c[j].name)) {
				if (r->c[j].active < s->c[i].active)
					s->c[i].active = r->c[j].active;
				break;
			}
}

/*
 * Shrinks and reads until the objects in use stay the same for
 * SETTLE_STABLE rounds in a row: each round waits for a grace period, so
 * the deferred frees drain.  Bounded by SETTLE_ROUNDS rounds, not by time.
 * Some caches still go up and down by a slab's worth of objects in an
 * idle guest (kmalloc-8 on amd64 6.12): each cache's count is its lowest
 * reading, which such noise leaves alone and a leak raises.
 */
static bool slab_snapshot(const struct slab_files *f, struct slab_snap *s)
{
	unsigned int i, stable = 0;
	struct slab_snap *r;
	long last = -1;
	char *buf;

	buf = malloc(PROC_BUF_SIZE);
	r = calloc(1, sizeof(*r));
	if (!buf || !r || !slab_read(f, s, buf)) {
		free(buf);
		free(r);
		return false;
	}
	for (i = 0; i < SETTLE_ROUNDS && stable < SETTLE_STABLE; i++) {
		slab_shrink(f);
		if (!slab_read(f, r, buf))
			break;
		slab_min(s, r);
		stable = r->total == last ? stable + 1 : 0;
		last = r->total;
	}
	s->slab_kb = r->slab_kb;
	s->sunreclaim_kb = r->sunreclaim_kb;
	s->total = r->total;
	s->rounds = i;
	free(buf);
	free(r);
	return true;
}

static long slab_active(const struct slab_snap *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return s->c[i].active;
	return 0;
}

FIXTURE(cycles) {
	struct life l;
};

FIXTURE_SETUP(cycles)
{
	life_setup(_metadata, &self->l);
}

FIXTURE_TEARDOWN_PARENT(cycles)
{
	life_teardown(_metadata, &self->l);
}

/*
 * One life on stock vfio-pci or @ours: bind, for ours a value for BAR2
 * (normal-nc on odd cycles: the write-combining barmap; default on even
 * ones: vfio's own), open, map, touch, unmap, close, unbind.
 */
static void cycle(struct __test_metadata *_metadata, struct life *l,
		  bool ours, unsigned int i)
{
	const char *driver = ours ? test_mode_driver() : STOCK_DRIVER;
	const char *bdf = bdfs[DEV_SHMEM];
	int ret;

	ret = pci_sysfs_bind_override(bdf, driver);
	ASSERT_EQ(0, ret) TH_LOG("binding %s to %s: %s", bdf, driver,
				 strerror(-ret));
	if (ours)
		ASSERT_EQ(0, memattr_bar_write(bdf, BAR2, i % 2 ? "normal-nc" :
								"default"));
	open_and_map(_metadata, l, bdf);
	touch(_metadata, l, i);
	unmap_and_close(l);
	ASSERT_EQ(0, pci_sysfs_unbind(bdf));
}

/* Per-cache growth of CYCLES lives, and how long they took. */
static bool cycles_growth(struct __test_metadata *_metadata, struct life *l,
			  const struct slab_files *f, bool ours,
			  struct slab_snap *before, struct slab_snap *after,
			  double *secs)
{
	unsigned int i;
	bool slabinfo;
	double t;

	for (i = 0; i < WARMUP_CYCLES; i++)
		cycle(_metadata, l, ours, i);
	slabinfo = slab_snapshot(f, before);
	t = now();
	for (i = 0; i < CYCLES; i++)
		cycle(_metadata, l, ours, i);
	*secs = now() - t;
	slab_snapshot(f, after);
	return slabinfo;
}

/*
 * Three runs of CYCLES lives: stock vfio-pci, then ours twice.  A leak on
 * this path leaks at least one object per cycle, so it grows some cache
 * by CYCLES or more in each of our runs.  Stock, in the same boot, gives
 * what the kernel's own vfio and the rest of an idle guest do.  Some
 * caches also grow once, by a few hundred objects, some time after boot
 * whatever the driver (kmalloc-8 on amd64 6.1 and 6.12, in stock's run or
 * in ours): a cache counts as leaking only if it grew in both of our runs
 * by more than half a leak per cycle, CYCLES / 2, beyond stock's growth.
 * Without /proc/slabinfo, SUnreclaim: a leak of the device itself (struct
 * memattr_vfio_pci_device, over 4 KiB) is over 400 KiB per run; allow
 * 128 KiB beyond stock for slab pages that partial slabs keep.
 */
#define SLAB_TOLERANCE_OBJS	(CYCLES / 2)
#define SUNRECLAIM_TOLERANCE_KB	128

enum { RUN_STOCK, RUN_OURS1, RUN_OURS2, NR_RUNS };

struct cycles_run {
	bool ours;
	struct slab_snap before, after;
	double secs;
	bool slabinfo;
};

static long growth(const struct cycles_run *r, const char *cache)
{
	return slab_active(&r->after, cache) - slab_active(&r->before, cache);
}

TEST_F_TIMEOUT(cycles, bind_unbind, 600)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	struct slab_files files;
	struct pat_memtype mt[4];
	struct cycles_run *runs, *r;
	unsigned int i, k, grown = 0;
	long ds, d1, d2, kb[NR_RUNS];

	if (!pci_sysfs_driver_registered(STOCK_DRIVER))
		SKIP(return, "stock %s is not loaded: no baseline", STOCK_DRIVER);
	runs = calloc(NR_RUNS, sizeof(*runs));
	ASSERT_NE(NULL, runs);
	runs[RUN_OURS1].ours = true;
	runs[RUN_OURS2].ours = true;

	slab_files_open(&files);
	for (k = 0; k < NR_RUNS; k++) {
		r = &runs[k];
		r->slabinfo = cycles_growth(_metadata, &self->l, &files,
					    r->ours, &r->before, &r->after,
					    &r->secs);
		kb[k] = r->after.sunreclaim_kb - r->before.sunreclaim_kb;
		TH_LOG("%d cycles on %s: %.1f s, SUnreclaim %+ld kB, objects %+ld (%u, %u rounds)",
		       CYCLES, r->ours ? test_mode_driver() :
					 "stock " STOCK_DRIVER,
		       r->secs, kb[k],
		       r->after.total - r->before.total, r->before.rounds,
		       r->after.rounds);
	}
	slab_files_close(&files);

	ASSERT_EQ(0, memattr_module_refcnt());
	ASSERT_EQ(0, memattr_driver_count());

	r = &runs[RUN_OURS2];
	if (r->slabinfo) {
		for (i = 0; i < r->after.n; i++) {
			const char *cache = r->after.c[i].name;

			ds = growth(&runs[RUN_STOCK], cache);
			d1 = growth(&runs[RUN_OURS1], cache);
			d2 = growth(&runs[RUN_OURS2], cache);
			if (ds < SLAB_TOLERANCE_OBJS / 4 &&
			    d1 < SLAB_TOLERANCE_OBJS / 4 &&
			    d2 < SLAB_TOLERANCE_OBJS / 4)
				continue;
			TH_LOG("%s (%ld bytes): stock %+ld objects, ours %+ld, %+ld",
			       cache, r->after.c[i].size, ds, d1, d2);
			if (ds < 0)
				ds = 0;
			if (d1 - ds >= SLAB_TOLERANCE_OBJS &&
			    d2 - ds >= SLAB_TOLERANCE_OBJS)
				grown++;
		}
		ASSERT_EQ(0U, grown)
			TH_LOG("caches grew by %d objects more than stock in each of our runs",
			       SLAB_TOLERANCE_OBJS);
	} else {
		TH_LOG("no /proc/slabinfo: SUnreclaim only");
		ASSERT_FALSE(kb[RUN_OURS1] - kb[RUN_STOCK] > SUNRECLAIM_TOLERANCE_KB &&
			     kb[RUN_OURS2] - kb[RUN_STOCK] > SUNRECLAIM_TOLERANCE_KB);
	}

	/* x86: closing released BAR2's PAT reservation every time. */
	if (pat_memtype_available()) {
		ASSERT_EQ(0, pci_bars_read(bdfs[DEV_SHMEM], bars));
		ASSERT_EQ(0, pat_memtype_find(bars[BAR2].start,
					      bars[BAR2].size, mt, 4))
			TH_LOG("a PAT reservation outlived the cycles: %s",
			       mt[0].type);
	}
	free(runs);
}

int main(int argc, char *argv[])
{
	test_mode_init();
	test_devices_get(&argc, argv, dev_env, bdfs, NR_DEVS);
	return test_harness_run(argc, argv);
}
