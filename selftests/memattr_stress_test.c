// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: a bounded concurrency run, then module removal.
 *
 * For MEMATTR_STRESS_SECONDS (default 60, at most 600), until a deadline
 * that every thread checks (no sleeps):
 *   mappers (2)  on MEMATTR_BDF: get a device fd from the group, mmap
 *                BAR2, write and read back a thread-private scratch area
 *                through the mapping and through pread/pwrite, fault a
 *                few pages across the BAR, munmap, close.  The device goes
 *                from open to closed and back all the time, so open_device
 *                (and the write-combining barmap) and close_device run;
 *   writer       values to MEMATTR_BDF's bar0 and bar2: success or EBUSY
 *                only, and the file then shows what the writer last set;
 *                every WINDOW_EVERY writes it holds the mappers off until
 *                the device is closed, and that write must succeed;
 *   reader       the debugfs file and the barN files of both devices;
 *                MEMATTR_BDF's must always read, and read canonical;
 *   binder       MEMATTR_BDF2: bind to the mode's driver, set bar2, open,
 *                map and touch it, close, unbind; now and then through
 *                the other mode's driver.  Its files come and go under
 *                the reader.
 * The devices are bound to memattr-vfio-pci, or in attach mode left on
 * vfio-pci (MEMATTR_TEST_MODE, lib/test_mode.h).
 * Afterwards: every device unbound, the module's reference count 0 (in
 * attach mode a configured device pins it until unbound), rmmod
 * succeeds, and no WARNING/BUG/Oops/lockdep/refcount_t line was logged
 * since the start.  The module is then loaded again from
 * MEMATTR_KO with the parameters it had, and the devices go back to their
 * drivers, for the tests that follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "fields.h"
#include "kmod.h"
#include "kmsg_cursor.h"
#include "memattr_module.h"
#include "memattr_sysfs.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "test_devices.h"
#include "test_mode.h"
#include "vfio_dev.h"
#include "vfio_group.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define DEBUGFS_DIR		"/sys/kernel/debug/" MEMATTR_DRIVER
#define STRESS_SECONDS		60
#define STRESS_SECONDS_MAX	600
#define NR_MAPPERS		2
/* Past what other tests leave in BAR2 for the host (lib/kvm_record.h). */
#define SCRATCH_OFFSET		0x100000
#define SCRATCH_SIZE		256
#define BAR2			2
#define WINDOW_EVERY		256
#define LATE_CLOSE_TRIES	100000

enum dev_id { DEV_SHMEM, DEV_LARGE, NR_DEVS };

static const char *const dev_env[NR_DEVS] = {
	[DEV_SHMEM] = BDF_ENV,
	[DEV_LARGE] = "MEMATTR_BDF2",
};

static const char *bdfs[NR_DEVS];
static unsigned int stress_seconds = STRESS_SECONDS;

enum { T_MAPPER, T_WRITER = NR_MAPPERS, T_READER, T_BINDER, NR_THREADS };

static const char *const thread_name[NR_THREADS] = {
	[0 ... NR_MAPPERS - 1] = "mapper",
	[T_WRITER] = "writer",
	[T_READER] = "reader",
	[T_BINDER] = "binder",
};

/* What the threads share.  Threads never ASSERT: they report. */
struct stress {
	double deadline;
	atomic_bool stop;
	atomic_bool failed;
	pthread_mutex_t lock;
	char why[512];			/* the first failure */
	/*
	 * The closed window: every WINDOW_EVERY writes the writer asks the
	 * mappers to hold off, waits until none has the device, and sets a
	 * value that must then be taken; the mappers' next opens use it.
	 * Without it the mappers may keep the device open for the whole run.
	 */
	pthread_cond_t cond;
	unsigned int users;		/* mappers between open and close */
	bool want_window;
	unsigned long windows;
	unsigned long late_closes, late_close_tries;
	int group_fd;			/* MEMATTR_BDF's, held open */
	struct vfio_region_info bar2;
	bool allowed[PCI_BAR_COUNT][MEMATTR_NR_VALUES];
	bool mem[PCI_BAR_COUNT];
	bool allowed2[PCI_BAR_COUNT][MEMATTR_NR_VALUES];
	bool mem2[PCI_BAR_COUNT];
	bool same_group;		/* BDF2 shares MEMATTR_BDF's group */
	unsigned long iters[NR_THREADS];
	unsigned long writes_ok, writes_busy, gone_reads;
};

struct worker {
	struct stress *st;
	unsigned int id;
	uint64_t rng;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool stopping(struct stress *st)
{
	if (atomic_load(&st->stop))
		return true;
	if (now() < st->deadline)
		return false;
	atomic_store(&st->stop, true);
	return true;
}

static void fail(struct stress *st, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&st->lock);
	if (!st->why[0]) {
		va_start(ap, fmt);
		vsnprintf(st->why, sizeof(st->why), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&st->lock);
	atomic_store(&st->failed, true);
	atomic_store(&st->stop, true);
	pthread_mutex_lock(&st->lock);
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The listing of a BAR with @active in brackets, newline included. */
static void listing(const bool allowed[MEMATTR_NR_VALUES], int active,
		    char *buf, size_t len)
{
	size_t n = 0;
	int v;

	buf[0] = '\0';
	for (v = 0; v < MEMATTR_NR_VALUES; v++) {
		if (!allowed[v])
			continue;
		n += snprintf(buf + n, len - n, v == active ? "%s[%s]" : "%s%s",
			      n ? " " : "", memattr_value_names[v]);
	}
	snprintf(buf + n, len - n, "\n");
}

/* The active value of a canonical listing, or -1. */
static int canonical(const bool allowed[MEMATTR_NR_VALUES], const char *got)
{
	char want[MEMATTR_VALUE_MAX];
	int v;

	for (v = 0; v < MEMATTR_NR_VALUES; v++) {
		if (!allowed[v])
			continue;
		listing(allowed, v, want, sizeof(want));
		if (!strcmp(want, got))
			return v;
	}
	return -1;
}

/* A whole file, or -errno; 0-terminated. */
static ssize_t read_all(const char *path, char *buf, size_t len)
{
	ssize_t ret, n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)n < len - 1) {
		ret = read(fd, buf + n, len - 1 - n);
		if (ret < 0) {
			ret = -errno;
			close(fd);
			return ret;
		}
		if (!ret)
			break;
		n += ret;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

/* One mapper round on an open device fd: map, write, read back, fault. */
static bool mapper_round(struct worker *w, int fd, unsigned long iter)
{
	struct stress *st = w->st;
	size_t size = st->bar2.size, off = SCRATCH_OFFSET + w->id * SCRATCH_SIZE;
	uint8_t want[SCRATCH_SIZE], got[SCRATCH_SIZE];
	volatile uint8_t *bar;
	unsigned int i;
	ssize_t ret;

	bar = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   st->bar2.offset);
	if (bar == MAP_FAILED) {
		fail(st, "mapper %u: mmap BAR2: %s", w->id, strerror(errno));
		return false;
	}
	for (i = 0; i < SCRATCH_SIZE; i++) {
		want[i] = iter * 7 + i + w->id;
		bar[off + i] = want[i];
	}
	__sync_synchronize();
	for (i = 0; i < SCRATCH_SIZE; i++) {
		if (bar[off + i] != want[i]) {
			fail(st, "mapper %u: mapped byte %u reads 0x%02x, wrote 0x%02x",
			     w->id, i, bar[off + i], want[i]);
			break;
		}
	}
	/* Faults across the BAR: other pages, maybe other huge leaves. */
	for (i = 0; i < 8; i++)
		(void)bar[(size / 8) * i + (rng_next(&w->rng) % (size / 8))];
	if (munmap((void *)bar, size))
		fail(st, "mapper %u: munmap: %s", w->id, strerror(errno));

	/* The same bytes through vfio's own mapping of the BAR. */
	ret = pread(fd, got, sizeof(got), st->bar2.offset + off);
	if (ret != sizeof(got) || memcmp(got, want, sizeof(got))) {
		fail(st, "mapper %u: pread of the scratch area: %zd (%s)",
		     w->id, ret, ret < 0 ? strerror(errno) : "data differs");
		return false;
	}
	for (i = 0; i < SCRATCH_SIZE; i++)
		want[i] = ~want[i];
	ret = pwrite(fd, want, sizeof(want), st->bar2.offset + off);
	if (ret != sizeof(want)) {
		fail(st, "mapper %u: pwrite: %zd (%s)", w->id, ret,
		     ret < 0 ? strerror(errno) : "short");
		return false;
	}
	return !atomic_load(&st->failed);
}

static void *mapper_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	unsigned long iter;
	int fd;

	for (iter = 0; !stopping(st); iter++) {
		pthread_mutex_lock(&st->lock);
		while (st->want_window && !atomic_load(&st->stop))
			pthread_cond_wait(&st->cond, &st->lock);
		st->users++;
		pthread_mutex_unlock(&st->lock);

		fd = ioctl(st->group_fd, VFIO_GROUP_GET_DEVICE_FD,
			   bdfs[DEV_SHMEM]);
		if (fd < 0)
			fail(st, "mapper %u: VFIO_GROUP_GET_DEVICE_FD: %s",
			     w->id, strerror(errno));
		else if (mapper_round(w, fd, iter))
			st->iters[w->id]++;
		if (fd >= 0)
			close(fd);

		pthread_mutex_lock(&st->lock);
		st->users--;
		pthread_cond_broadcast(&st->cond);
		pthread_mutex_unlock(&st->lock);
		if (atomic_load(&st->failed))
			break;
	}
	return NULL;
}

/* A random value this BAR allows. */
static int pick_value(struct worker *w, const bool allowed[MEMATTR_NR_VALUES])
{
	int v;

	do
		v = rng_next(&w->rng) % MEMATTR_NR_VALUES;
	while (!allowed[v]);
	return v;
}

/*
 * @open: asks the mappers to hold off and waits until none has the
 * device; false when the run stops meanwhile.  !@open: lets them go on.
 */
static bool closed_window(struct stress *st, bool open)
{
	bool ok = true;

	pthread_mutex_lock(&st->lock);
	if (open) {
		st->want_window = true;
		while (st->users && !atomic_load(&st->stop))
			pthread_cond_wait(&st->cond, &st->lock);
		ok = !st->users;
		if (ok)
			st->windows++;
		else
			st->want_window = false;
	} else {
		st->want_window = false;
	}
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	return ok;
}

/*
 * EBUSY although every mapper has closed its descriptor and unmapped: the
 * kernel has not finished closing the device yet.  Says what debugfs
 * shows, then writes again (yielding, no sleep) until the write is taken;
 * the close must complete without the user doing anything more.
 */
static int late_close(struct stress *st, unsigned int bar, const char *val)
{
	const char *bdf = bdfs[DEV_SHMEM];
	char line[512], m0[16] = "?", m2[16] = "?";
	unsigned long tries;
	int ret = -EBUSY;

	if (!memattr_debugfs_bar_line(bdf, 0, line, sizeof(line)))
		field_get(line, "mappings", m0, sizeof(m0));
	if (!memattr_debugfs_bar_line(bdf, BAR2, line, sizeof(line)))
		field_get(line, "mappings", m2, sizeof(m2));
	for (tries = 1; ret == -EBUSY && tries <= LATE_CLOSE_TRIES; tries++) {
		sched_yield();
		ret = memattr_bar_write(bdf, bar, val);
	}
	st->late_closes++;
	if (tries > st->late_close_tries)
		st->late_close_tries = tries;
	fprintf(stderr, "# late close: mappings bar0=%s bar2=%s, taken after %lu writes\n",
		m0, m2, ret ? 0 : tries - 1);
	return ret;
}

static void *writer_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	const char *bdf = bdfs[DEV_SHMEM];
	int last[PCI_BAR_COUNT], v, ret, wret;
	char active[MEMATTR_VALUE_MAX];
	unsigned int bar;
	bool window;

	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		last[bar] = -1;
		if (st->mem[bar] &&
		    !memattr_bar_active(bdf, bar, active, sizeof(active)))
			last[bar] = memattr_value_parse(active);
	}

	while (!stopping(st)) {
		window = st->iters[w->id] % WINDOW_EVERY == WINDOW_EVERY - 1;
		if (window && !closed_window(st, true))
			break;
		bar = rng_next(&w->rng) % 2 ? BAR2 : 0;
		v = pick_value(w, st->allowed[bar]);
		wret = memattr_bar_write(bdf, bar, memattr_value_names[v]);
		if (window && wret == -EBUSY)
			wret = late_close(st, bar, memattr_value_names[v]);
		if (window)
			closed_window(st, false);
		if (!wret) {
			st->writes_ok++;
			last[bar] = v;
		} else if (wret == -EBUSY && !window) {
			st->writes_busy++;
		} else {
			fail(st, "writer: %s to bar%u%s: %s",
			     memattr_value_names[v], bar,
			     window ? " with the device closed" : "",
			     strerror(-wret));
			break;
		}
		/* Only this thread writes: the file shows its last value. */
		ret = memattr_bar_active(bdf, bar, active, sizeof(active));
		if (ret || memattr_value_parse(active) != last[bar]) {
			fail(st, "writer: bar%u reads \"%s\" (%s) after %s of %s",
			     bar, ret ? "" : active, strerror(-ret),
			     wret ? "EBUSY" : "success",
			     memattr_value_names[v]);
			break;
		}
		st->iters[w->id]++;
	}
	return NULL;
}

/* The reader's view of one device; @must: it is bound throughout. */
static void read_device(struct stress *st, const char *bdf,
			const bool mem[PCI_BAR_COUNT],
			const bool allowed[][MEMATTR_NR_VALUES], bool must)
{
	char path[256], buf[4096];
	unsigned int bar;
	ssize_t ret;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", bdf);
	ret = read_all(path, buf, sizeof(buf));
	/* Removed with the device: gone, or going while it is read. */
	if (!must && (ret == -ENOENT || ret == -EIO || ret == -ENODEV)) {
		st->gone_reads++;
	} else if (ret < 0) {
		fail(st, "reader: %s: %s", path, strerror(-ret));
		return;
	} else if (strncmp(buf, "bar", 3) || !strstr(buf, " value=")) {
		fail(st, "reader: %s: \"%.80s\"", path, buf);
		return;
	}

	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		if (!mem[bar])
			continue;
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/memattr/bar%u", bdf, bar);
		ret = read_all(path, buf, sizeof(buf));
		if (!must && (ret == -ENOENT || ret == -ENODEV)) {
			st->gone_reads++;
			continue;
		}
		if (ret < 0) {
			fail(st, "reader: %s: %s", path, strerror(-ret));
			return;
		}
		if (canonical(allowed[bar], buf) < 0) {
			fail(st, "reader: %s: not a listing: \"%s\"", path, buf);
			return;
		}
	}
}

static void *reader_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;

	while (!stopping(st)) {
		read_device(st, bdfs[DEV_SHMEM], st->mem, st->allowed, true);
		if (bdfs[DEV_LARGE])
			read_device(st, bdfs[DEV_LARGE], st->mem2, st->allowed2,
				    false);
		st->iters[w->id]++;
	}
	return NULL;
}

/* BDF2 bound to us: a value, then an open, a mapping and a touch. */
static bool binder_use(struct worker *w)
{
	struct stress *st = w->st;
	const char *bdf = bdfs[DEV_LARGE];
	struct vfio_region_info ri;
	struct vfio_dev dev;
	int v, ret;
	void *map;

	v = pick_value(w, st->allowed2[BAR2]);
	ret = memattr_bar_write(bdf, BAR2, memattr_value_names[v]);
	if (ret) {
		fail(st, "binder: %s to %s bar2: %s", memattr_value_names[v],
		     bdf, strerror(-ret));
		return false;
	}
	if (st->same_group)
		return true;

	ret = vfio_open_device(bdf, &dev);
	if (ret) {
		fail(st, "binder: opening %s: %s", bdf, strerror(-ret));
		return false;
	}
	ret = vfio_region_get_info(dev.device_fd, BAR2, &ri);
	map = ret ? MAP_FAILED : mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
				      MAP_SHARED, dev.device_fd, ri.offset);
	if (map == MAP_FAILED) {
		fail(st, "binder: mapping %s BAR2: %s", bdf,
		     strerror(ret ? -ret : errno));
		vfio_dev_close(&dev);
		return false;
	}
	(void)*(volatile uint8_t *)map;
	munmap(map, 2 << 20);
	vfio_dev_close(&dev);
	return true;
}

static void *binder_thread(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	const char *bdf = bdfs[DEV_LARGE];
	unsigned long iter;
	int ret;

	for (iter = 0; !stopping(st); iter++) {
		ret = pci_sysfs_bind_override(bdf, test_mode_driver());
		if (ret) {
			fail(st, "binder: binding %s to %s: %s", bdf,
			     test_mode_driver(), strerror(-ret));
			break;
		}
		if (!binder_use(w))
			break;
		ret = pci_sysfs_unbind(bdf);
		if (!ret && iter % 4 == 3) {
			ret = pci_sysfs_bind_override(bdf,
						      test_mode_other_driver());
			if (!ret)
				ret = pci_sysfs_unbind(bdf);
		}
		if (ret) {
			fail(st, "binder: unbinding %s: %s", bdf, strerror(-ret));
			break;
		}
		st->iters[w->id]++;
	}
	return NULL;
}

/* Kernel log lines that fail the run, as the lane's own check has them. */
static bool bad_line(const char *msg, void *arg)
{
	static const char *const bad[] = {
		"WARNING", "BUG", "Oops", "lockdep", "refcount_t",
		"possible circular locking", "INFO: task", "KASAN",
	};
	unsigned int i;

	(void)arg;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (strstr(msg, bad[i])) {
			fprintf(stderr, "# kernel: %s\n", msg);
			return true;
		}
	}
	return false;
}

FIXTURE(stress) {
	pid_t test_pid;
	struct pci_sysfs_state saved[NR_DEVS];
	bool saved_valid[NR_DEVS];
	char params[256];
	struct vfio_dev dev;
	int kmsg;
};

FIXTURE_SETUP(stress)
{
	const char *ko = getenv(MEMATTR_KO_ENV);
	int d;

	self->test_pid = getpid();
	self->kmsg = -1;
	vfio_dev_init(&self->dev);
	if (!bdfs[DEV_SHMEM])
		SKIP(return, "%s not set: no ivshmem device", BDF_ENV);
	if (!bdfs[DEV_LARGE])
		SKIP(return, "%s not set: no device for the bind/unbind loop",
		     dev_env[DEV_LARGE]);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	if (!ko || access(ko, R_OK))
		SKIP(return, "%s not set or unreadable: no module to load after rmmod",
		     MEMATTR_KO_ENV);
	if (access(VFIO_CONTAINER_PATH, F_OK))
		SKIP(return, "no %s: the mappers share a group and container",
		     VFIO_CONTAINER_PATH);

	ASSERT_EQ(0, memattr_module_params(self->params, sizeof(self->params)));
	for (d = 0; d < NR_DEVS; d++) {
		ASSERT_EQ(0, pci_sysfs_save(bdfs[d], &self->saved[d]));
		self->saved_valid[d] = true;
	}
	self->kmsg = kmsg_cursor_open();
	ASSERT_LE(0, self->kmsg);
}

/*
 * In the parent, also after the test died: the module loaded again if the
 * test left it out, and the devices on their drivers.
 */
FIXTURE_TEARDOWN_PARENT(stress)
{
	if (getpid() == self->test_pid)
		vfio_dev_close(&self->dev);
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (!self->saved_valid[DEV_SHMEM])
		return;
	test_devices_restore(_metadata, bdfs, self->saved, self->saved_valid,
			     NR_DEVS, self->params);
}

static void bar_rules(struct __test_metadata *_metadata, const char *bdf,
		      bool mem[PCI_BAR_COUNT],
		      bool allowed[][MEMATTR_NR_VALUES])
{
	struct pci_bar bars[PCI_BAR_COUNT];
	char buf[MEMATTR_VALUE_MAX];
	unsigned int bar;
	bool unsafe;
	int v;

	ASSERT_EQ(0, memattr_param_read("unsafe_nonprefetchable_nc", buf,
					sizeof(buf)));
	unsafe = buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
	ASSERT_EQ(0, pci_bars_read(bdf, bars));
	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		mem[bar] = bars[bar].kind == PCI_BAR_MEM;
		for (v = 0; v < MEMATTR_NR_VALUES; v++)
			allowed[bar][v] = v != MEMATTR_NORMAL_NC ||
					  (!bars[bar].msix &&
					   (bars[bar].prefetch || unsafe));
	}
	ASSERT_TRUE(mem[0] && mem[BAR2])
		TH_LOG("%s: BAR0 and BAR2 must be memory BARs", bdf);
}

static bool same_group(const char *a, const char *b)
{
	char pa[128], pb[128], ta[256], tb[256];
	ssize_t na, nb;

	snprintf(pa, sizeof(pa), "/sys/bus/pci/devices/%s/iommu_group", a);
	snprintf(pb, sizeof(pb), "/sys/bus/pci/devices/%s/iommu_group", b);
	na = readlink(pa, ta, sizeof(ta) - 1);
	nb = readlink(pb, tb, sizeof(tb) - 1);
	if (na < 0 || nb < 0)
		return false;
	ta[na] = '\0';
	tb[nb] = '\0';
	return !strcmp(ta, tb);
}

TEST_F_TIMEOUT(stress, run_then_rmmod, STRESS_SECONDS_MAX + 300)
{
	struct worker workers[NR_THREADS];
	pthread_t threads[NR_THREADS];
	struct stress *st;
	unsigned int i;
	int ret, n, d;
	double t0;

	st = calloc(1, sizeof(*st));
	ASSERT_NE(NULL, st);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);

	test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	bar_rules(_metadata, bdfs[DEV_SHMEM], st->mem, st->allowed);
	bar_rules(_metadata, bdfs[DEV_LARGE], st->mem2, st->allowed2);
	st->same_group = same_group(bdfs[DEV_SHMEM], bdfs[DEV_LARGE]);

	/* The group and container stay open; device fds come and go. */
	ASSERT_EQ(0, vfio_open_device(bdfs[DEV_SHMEM], &self->dev));
	st->group_fd = self->dev.group_fd;
	ASSERT_EQ(0, vfio_region_get_info(self->dev.device_fd, BAR2, &st->bar2));
	ASSERT_LE(SCRATCH_OFFSET + NR_MAPPERS * SCRATCH_SIZE, st->bar2.size);
	close(self->dev.device_fd);
	self->dev.device_fd = -1;

	t0 = now();
	st->deadline = t0 + stress_seconds;
	TH_LOG("%u s: %d mappers on %s, a writer, a reader, bind/unbind of %s%s",
	       stress_seconds, NR_MAPPERS, bdfs[DEV_SHMEM], bdfs[DEV_LARGE],
	       st->same_group ? " (same IOMMU group: not opened)" : "");
	for (i = 0; i < NR_THREADS; i++) {
		void *(*fn)(void *) = i < NR_MAPPERS ? mapper_thread :
				      i == T_WRITER ? writer_thread :
				      i == T_READER ? reader_thread : binder_thread;

		workers[i] = (struct worker){ .st = st, .id = i,
					      .rng = (uint64_t)t0 * 1000003 + i };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, fn, &workers[i]));
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i], NULL);

	for (i = 0; i < NR_THREADS; i++)
		TH_LOG("%s %u: %lu rounds", thread_name[i], i, st->iters[i]);
	TH_LOG("writer: %lu written (%lu with the device closed), %lu EBUSY",
	       st->writes_ok, st->windows, st->writes_busy);
	if (st->late_closes)
		TH_LOG("writer: %lu closed windows first got EBUSY, taken within %lu writes",
		       st->late_closes, st->late_close_tries);
	TH_LOG("reader: %lu reads of a device going away; %.1f s",
	       st->gone_reads, now() - t0);
	ASSERT_STREQ("", st->why);
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_LT(0UL, st->iters[i]) TH_LOG("%s %u made no progress",
						    thread_name[i], i);

	/* Nothing open any more: unbind everything, then the module goes. */
	vfio_dev_close(&self->dev);
	for (d = 0; d < NR_DEVS; d++) {
		ret = pci_sysfs_unbind(bdfs[d]);
		ASSERT_EQ(0, ret) TH_LOG("unbinding %s: %s", bdfs[d],
					 strerror(-ret));
	}
	n = memattr_driver_unbind_all();
	ASSERT_LE(0, n);
	TH_LOG("unbound the test devices, and %d other(s) from %s", n,
	       MEMATTR_DRIVER);
	ASSERT_EQ(0, memattr_driver_count());
	ASSERT_EQ(0, memattr_module_refcnt());
	ASSERT_EQ(0, kmod_unload(MEMATTR_MODULE));
	ASSERT_FALSE(kmod_loaded(MEMATTR_MODULE));
	ASSERT_NE(0, access(DEBUGFS_DIR, F_OK)) TH_LOG("%s outlived the module",
						       DEBUGFS_DIR);

	ret = kmsg_cursor_grep(self->kmsg, bad_line, NULL);
	ASSERT_EQ(0, ret) TH_LOG("%d bad kernel log lines", ret);

	ASSERT_EQ(0, memattr_module_reload(self->params));
	ASSERT_TRUE(pci_sysfs_driver_registered(MEMATTR_DRIVER));
	free(st);
}

int main(int argc, char *argv[])
{
	const char *s;
	char *end;

	test_mode_init();
	test_devices_get(&argc, argv, dev_env, bdfs, NR_DEVS);

	s = getenv("MEMATTR_STRESS_SECONDS");
	if (s && *s) {
		unsigned long v = strtoul(s, &end, 10);

		if (*end || !v || v > STRESS_SECONDS_MAX) {
			ksft_print_header();
			ksft_exit_fail_msg("MEMATTR_STRESS_SECONDS=\"%s\": 1 to %d\n",
					   s, STRESS_SECONDS_MAX);
		}
		stress_seconds = v;
	}
	return test_harness_run(argc, argv);
}
