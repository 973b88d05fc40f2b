// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: VFIO misuse through our device is answered exactly as
 * stock vfio-pci answers it.
 *
 * Each test is one misuse: mmap beyond a BAR, a private mapping, the page
 * of the MSI-X table, bad offsets and lengths, region and IRQ indexes out
 * of range, pread/pwrite out of range.  It runs on the device bound to
 * stock vfio-pci, then bound to memattr-vfio-pci with the values it gets
 * at bind, then with every memory BAR set to the value that differs most
 * from stock (normal-nc where allowed, else device-ngnre).  The answers
 * (return value, errno, and where deterministic the bytes read) of the
 * three runs must be identical: stock's answer is measured, not assumed.
 *
 * Devices (environment; the first may also be the last argument):
 *   MEMATTR_BDF       ivshmem-plain: 256-byte BAR0, 8 MiB BAR2;
 *   MEMATTR_MSIX_BDF  a device with its MSI-X table in a memory BAR and
 *                     an I/O BAR (e1000e).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "access_probe.h"
#include "bdf.h"
#include "memattr_sysfs.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "test_devices.h"
#include "vfio_dev.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define BAD_INDEX	20

enum dev_id { DEV_SHMEM, DEV_MSIX, NR_DEVS };

static const char *const dev_env[NR_DEVS] = {
	[DEV_SHMEM] = BDF_ENV,
	[DEV_MSIX] = "MEMATTR_MSIX_BDF",
};

static const char *bdfs[NR_DEVS];
static size_t page;

/* What a case needs to know about the open device. */
struct ctx {
	int fd;
	struct vfio_device_info info;
	struct vfio_region_info region[VFIO_PCI_NUM_REGIONS];
	int msix_bar;			/* -1: none */
	uint32_t msix_table, msix_pba;	/* offsets in that BAR */
};

/* One observable step of a case. */
struct step {
	char what[40];
	long long ret;		/* the call's return value (0 for an mmap) */
	int err;		/* errno when it failed, else 0 */
	bool has_sum;
	uint32_t sum;		/* of the bytes read, where deterministic */
};

#define MAX_STEPS 8

struct outcome {
	unsigned int n;
	struct step s[MAX_STEPS];
};

/* Called right after the call it records: errno is still the call's. */
static void record(struct outcome *o, const char *what, long long ret)
{
	int err = errno;
	struct step *s;

	if (o->n >= MAX_STEPS)
		return;
	s = &o->s[o->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->what, sizeof(s->what), "%s", what);
	s->ret = ret;
	s->err = ret < 0 ? err : 0;
}

static void record_sum(struct outcome *o, const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	if (!o->n)
		return;
	for (i = 0; i < len; i++)
		sum = sum * 31 + buf[i];
	o->s[o->n - 1].has_sum = true;
	o->s[o->n - 1].sum = sum;
}

/* Reads a byte of a mapping; records whether that raised a signal. */
static void try_access(struct outcome *o, const volatile uint8_t *p)
{
	int sig = access_probe_read(p);

	record(o, sig == SIGBUS ? "touch: SIGBUS" :
		  sig ? "touch: SIGSEGV" : "touch", 0);
}

/* mmap() of @len bytes at @off; a mapping that succeeds is touched. */
static void try_mmap(struct outcome *o, int fd, uint64_t off, size_t len,
		     int prot, int flags)
{
	void *map = mmap(NULL, len, prot, flags, fd, off);

	record(o, "mmap", map == MAP_FAILED ? -1 : 0);
	if (map == MAP_FAILED)
		return;
	if (prot & PROT_READ)
		try_access(o, map);
	record(o, "munmap", munmap(map, len));
}

/* What a user would do: read and write, shared. */
static void map_shared(struct outcome *o, int fd, uint64_t off, size_t len)
{
	try_mmap(o, fd, off, len, PROT_READ | PROT_WRITE, MAP_SHARED);
}

static void try_pread(struct outcome *o, int fd, uint64_t off, size_t len,
		      bool sum)
{
	uint8_t buf[64];
	ssize_t ret;

	memset(buf, 0xa5, sizeof(buf));
	ret = pread(fd, buf, len, off);
	record(o, "pread", ret);
	if (sum && ret > 0)
		record_sum(o, buf, ret);
}

static void try_pwrite(struct outcome *o, int fd, uint64_t off, size_t len)
{
	uint8_t buf[64];

	memset(buf, 0x5a, sizeof(buf));
	record(o, "pwrite", pwrite(fd, buf, len, off));
}

static uint64_t bar_off(const struct ctx *c, unsigned int bar)
{
	return c->region[bar].offset;
}

static uint64_t bar_size(const struct ctx *c, unsigned int bar)
{
	return c->region[bar].size;
}

/* ivshmem BAR2 (8 MiB) */
static void mmap_beyond_bar(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 2), bar_size(c, 2) + page);
}

static void mmap_past_end(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 2) + bar_size(c, 2), page);
}

static void mmap_straddle_end(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 2) + bar_size(c, 2) - page, 2 * page);
}

static void mmap_last_page(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 2) + bar_size(c, 2) - page, page);
}

static void mmap_private(const struct ctx *c, struct outcome *o)
{
	try_mmap(o, c->fd, bar_off(c, 2), page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE);
}

static void mmap_private_readonly(const struct ctx *c, struct outcome *o)
{
	try_mmap(o, c->fd, bar_off(c, 2), page, PROT_READ, MAP_PRIVATE);
}

static void mmap_unaligned_offset(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 2) + 1, page);
}

static void mmap_zero_length(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 2), 0);
}

static void mmap_huge_offset(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, (uint64_t)1 << 62, page);
}

static void mmap_exec(const struct ctx *c, struct outcome *o)
{
	try_mmap(o, c->fd, bar_off(c, 2), page,
		 PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED);
}

/* ivshmem BAR0: 256 bytes, so one page holds all of it. */
static void mmap_subpage_bar(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 0), page);
}

static void mmap_subpage_bar_two_pages(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, 0), 2 * page);
}

/* Regions that are not BARs, and one that does not exist. */
static void mmap_rom_region(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, VFIO_PCI_REGION_OFFSET(VFIO_PCI_ROM_REGION_INDEX), page);
}

static void mmap_config_region(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, VFIO_PCI_REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX), page);
}

static void mmap_bad_index(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, VFIO_PCI_REGION_OFFSET(BAD_INDEX), page);
}

static void region_info_bad_index(const struct ctx *c, struct outcome *o)
{
	const uint32_t idx[] = { c->info.num_regions, BAD_INDEX, 0xffffffff };
	struct vfio_region_info ri;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		memset(&ri, 0, sizeof(ri));
		ri.argsz = sizeof(ri);
		ri.index = idx[i];
		record(o, "GET_REGION_INFO",
		       ioctl(c->fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	}
}

static void region_info_short_argsz(const struct ctx *c, struct outcome *o)
{
	struct vfio_region_info ri = { .argsz = 8, .index = 2 };

	record(o, "GET_REGION_INFO",
	       ioctl(c->fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
}

/* What every BAR's region info says, capabilities (argsz) included. */
static void region_info_bars(const struct ctx *c, struct outcome *o)
{
	struct vfio_region_info ri;
	char what[40];
	unsigned int i;

	for (i = 0; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		memset(&ri, 0, sizeof(ri));
		ri.argsz = sizeof(ri);
		ri.index = i;
		snprintf(what, sizeof(what), "GET_REGION_INFO %u", i);
		record(o, what, ioctl(c->fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
		record_sum(o, (const uint8_t *)&ri, sizeof(ri));
	}
}

static void irq_info_bad_index(const struct ctx *c, struct outcome *o)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };

	ii.index = c->info.num_irqs;
	record(o, "GET_IRQ_INFO", ioctl(c->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii));
	ii.index = 0xffffffff;
	record(o, "GET_IRQ_INFO", ioctl(c->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii));
}

/* Reads and writes through the device file (vfio's own BAR mapping). */
static void pread_past_end(const struct ctx *c, struct outcome *o)
{
	try_pread(o, c->fd, bar_off(c, 2) + bar_size(c, 2), 8, false);
	try_pread(o, c->fd, bar_off(c, 2) + bar_size(c, 2) + page, 8, false);
}

static void pread_straddle_end(const struct ctx *c, struct outcome *o)
{
	try_pread(o, c->fd, bar_off(c, 2) + bar_size(c, 2) - 4, 16, false);
}

static void pwrite_past_end(const struct ctx *c, struct outcome *o)
{
	try_pwrite(o, c->fd, bar_off(c, 2) + bar_size(c, 2), 8);
}

static void pwrite_straddle_end(const struct ctx *c, struct outcome *o)
{
	try_pwrite(o, c->fd, bar_off(c, 2) + bar_size(c, 2) - 4, 16);
}

static void rw_subpage_bar_past_end(const struct ctx *c, struct outcome *o)
{
	try_pread(o, c->fd, bar_off(c, 0) + bar_size(c, 0), 4, false);
	try_pread(o, c->fd, bar_off(c, 0) + bar_size(c, 0) - 2, 4, false);
	try_pwrite(o, c->fd, bar_off(c, 0) + bar_size(c, 0), 4);
}

static void rw_bad_index(const struct ctx *c, struct outcome *o)
{
	try_pread(o, c->fd, VFIO_PCI_REGION_OFFSET(BAD_INDEX), 4, false);
	try_pwrite(o, c->fd, VFIO_PCI_REGION_OFFSET(BAD_INDEX), 4);
}

static void rw_config_past_end(const struct ctx *c, struct outcome *o)
{
	uint64_t cfg = c->region[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	uint64_t size = c->region[VFIO_PCI_CONFIG_REGION_INDEX].size;

	try_pread(o, c->fd, cfg + size, 4, false);
	try_pread(o, c->fd, cfg + size - 2, 4, false);
	try_pwrite(o, c->fd, cfg + size, 4);
}

/* e1000e: the MSI-X BAR and its I/O BAR. */
static void mmap_msix_table(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, c->msix_bar) + (c->msix_table & ~(page - 1)), page);
}

static void mmap_msix_pba(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, c->msix_bar) + (c->msix_pba & ~(page - 1)), page);
}

static void mmap_msix_bar_whole(const struct ctx *c, struct outcome *o)
{
	map_shared(o, c->fd, bar_off(c, c->msix_bar), bar_size(c, c->msix_bar));
}

/* vfio's read/write path fills the table with ones and drops writes. */
static void rw_msix_table(const struct ctx *c, struct outcome *o)
{
	uint64_t off = bar_off(c, c->msix_bar) + c->msix_table;

	try_pread(o, c->fd, off, 16, true);
	try_pwrite(o, c->fd, off, 16);
	try_pread(o, c->fd, off, 16, true);
}

static void mmap_io_bar(const struct ctx *c, struct outcome *o)
{
	int bar;

	for (bar = 0; bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++)
		if (c->region[bar].size &&
		    !(c->region[bar].flags & VFIO_REGION_INFO_FLAG_MMAP))
			break;
	if (bar > VFIO_PCI_BAR5_REGION_INDEX) {
		record(o, "no BAR without mmap", 0);
		return;
	}
	map_shared(o, c->fd, bar_off(c, bar), page);
}

typedef void (*case_fn)(const struct ctx *c, struct outcome *o);

FIXTURE(misuse) {
	struct pci_sysfs_state saved;
	bool saved_valid;
	pid_t test_pid;
	struct vfio_dev dev;
};

FIXTURE_VARIANT(misuse) {
	enum dev_id dev;
	case_fn run;
};

FIXTURE_VARIANT_ADD(misuse, mmap_beyond_bar) {
	.dev = DEV_SHMEM,
	.run = mmap_beyond_bar,
};

FIXTURE_VARIANT_ADD(misuse, mmap_past_end) {
	.dev = DEV_SHMEM,
	.run = mmap_past_end,
};

FIXTURE_VARIANT_ADD(misuse, mmap_straddle_end) {
	.dev = DEV_SHMEM,
	.run = mmap_straddle_end,
};

FIXTURE_VARIANT_ADD(misuse, mmap_last_page) {
	.dev = DEV_SHMEM,
	.run = mmap_last_page,
};

FIXTURE_VARIANT_ADD(misuse, mmap_private) {
	.dev = DEV_SHMEM,
	.run = mmap_private,
};

FIXTURE_VARIANT_ADD(misuse, mmap_private_readonly) {
	.dev = DEV_SHMEM,
	.run = mmap_private_readonly,
};

FIXTURE_VARIANT_ADD(misuse, mmap_unaligned_offset) {
	.dev = DEV_SHMEM,
	.run = mmap_unaligned_offset,
};

FIXTURE_VARIANT_ADD(misuse, mmap_zero_length) {
	.dev = DEV_SHMEM,
	.run = mmap_zero_length,
};

FIXTURE_VARIANT_ADD(misuse, mmap_huge_offset) {
	.dev = DEV_SHMEM,
	.run = mmap_huge_offset,
};

FIXTURE_VARIANT_ADD(misuse, mmap_exec) {
	.dev = DEV_SHMEM,
	.run = mmap_exec,
};

FIXTURE_VARIANT_ADD(misuse, mmap_subpage_bar) {
	.dev = DEV_SHMEM,
	.run = mmap_subpage_bar,
};

FIXTURE_VARIANT_ADD(misuse, mmap_subpage_bar_two_pages) {
	.dev = DEV_SHMEM,
	.run = mmap_subpage_bar_two_pages,
};

FIXTURE_VARIANT_ADD(misuse, mmap_rom_region) {
	.dev = DEV_SHMEM,
	.run = mmap_rom_region,
};

FIXTURE_VARIANT_ADD(misuse, mmap_config_region) {
	.dev = DEV_SHMEM,
	.run = mmap_config_region,
};

FIXTURE_VARIANT_ADD(misuse, mmap_bad_index) {
	.dev = DEV_SHMEM,
	.run = mmap_bad_index,
};

FIXTURE_VARIANT_ADD(misuse, region_info_bad_index) {
	.dev = DEV_SHMEM,
	.run = region_info_bad_index,
};

FIXTURE_VARIANT_ADD(misuse, region_info_short_argsz) {
	.dev = DEV_SHMEM,
	.run = region_info_short_argsz,
};

FIXTURE_VARIANT_ADD(misuse, irq_info_bad_index) {
	.dev = DEV_SHMEM,
	.run = irq_info_bad_index,
};

FIXTURE_VARIANT_ADD(misuse, pread_past_end) {
	.dev = DEV_SHMEM,
	.run = pread_past_end,
};

FIXTURE_VARIANT_ADD(misuse, pread_straddle_end) {
	.dev = DEV_SHMEM,
	.run = pread_straddle_end,
};

FIXTURE_VARIANT_ADD(misuse, pwrite_past_end) {
	.dev = DEV_SHMEM,
	.run = pwrite_past_end,
};

FIXTURE_VARIANT_ADD(misuse, pwrite_straddle_end) {
	.dev = DEV_SHMEM,
	.run = pwrite_straddle_end,
};

FIXTURE_VARIANT_ADD(misuse, rw_subpage_bar_past_end) {
	.dev = DEV_SHMEM,
	.run = rw_subpage_bar_past_end,
};

FIXTURE_VARIANT_ADD(misuse, rw_bad_index) {
	.dev = DEV_SHMEM,
	.run = rw_bad_index,
};

FIXTURE_VARIANT_ADD(misuse, rw_config_past_end) {
	.dev = DEV_SHMEM,
	.run = rw_config_past_end,
};

FIXTURE_VARIANT_ADD(misuse, mmap_msix_table) {
	.dev = DEV_MSIX,
	.run = mmap_msix_table,
};

FIXTURE_VARIANT_ADD(misuse, mmap_msix_pba) {
	.dev = DEV_MSIX,
	.run = mmap_msix_pba,
};

FIXTURE_VARIANT_ADD(misuse, mmap_msix_bar_whole) {
	.dev = DEV_MSIX,
	.run = mmap_msix_bar_whole,
};

FIXTURE_VARIANT_ADD(misuse, rw_msix_table) {
	.dev = DEV_MSIX,
	.run = rw_msix_table,
};

FIXTURE_VARIANT_ADD(misuse, mmap_io_bar) {
	.dev = DEV_MSIX,
	.run = mmap_io_bar,
};

FIXTURE_VARIANT_ADD(misuse, region_info_bars) {
	.dev = DEV_MSIX,
	.run = region_info_bars,
};

FIXTURE_SETUP(misuse)
{
	const char *bdf = bdfs[variant->dev];

	self->test_pid = getpid();
	vfio_dev_init(&self->dev);
	if (!bdf)
		SKIP(return, "%s not set: no such device in this guest",
		     dev_env[variant->dev]);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	if (!pci_sysfs_driver_registered(STOCK_DRIVER))
		SKIP(return, "stock %s is not loaded: nothing to compare with",
		     STOCK_DRIVER);
	ASSERT_EQ(0, pci_sysfs_save(bdf, &self->saved));
	self->saved_valid = true;
}

/* In the parent: a case may have died of a signal, holding the device. */
FIXTURE_TEARDOWN_PARENT(misuse)
{
	int ret;

	if (getpid() == self->test_pid)
		vfio_dev_close(&self->dev);
	if (!self->saved_valid)
		return;
	ret = pci_sysfs_restore(bdfs[variant->dev], &self->saved);
	if (ret) {
		EXPECT_EQ(0, ret) TH_LOG("restoring %s: %s", bdfs[variant->dev],
					 strerror(-ret));
	}
}

/* The MSI-X capability's table and PBA: BAR and offsets. */
static int read_msix(const char *bdf, struct ctx *c)
{
	uint8_t cfg[256];
	char path[128];
	unsigned int pos, ttl = 48;
	uint32_t table, pba;
	int fd;

	c->msix_bar = -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	for (pos = cfg[PCI_CAPABILITY_LIST] & ~3U; pos >= 0x40 && pos < 0xf4 &&
	     ttl--; pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3U) {
		if (cfg[pos] != PCI_CAP_ID_MSIX)
			continue;
		memcpy(&table, cfg + pos + PCI_MSIX_TABLE, 4);
		memcpy(&pba, cfg + pos + PCI_MSIX_PBA, 4);
		c->msix_bar = table & PCI_MSIX_TABLE_BIR;
		c->msix_table = table & PCI_MSIX_TABLE_OFFSET;
		c->msix_pba = pba & PCI_MSIX_PBA_OFFSET;
		break;
	}
	return 0;
}

/* Opens the device as bound now, runs the case, closes it again. */
static void run_once(struct __test_metadata *_metadata,
		     struct vfio_dev *dev, const char *bdf,
		     case_fn run, bool need_msix, struct outcome *o)
{
	struct ctx c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	memset(o, 0, sizeof(*o));
	ASSERT_EQ(0, read_msix(bdf, &c));
	ASSERT_EQ(0, vfio_open_device(bdf, dev));
	c.fd = dev->device_fd;
	c.info.argsz = sizeof(c.info);
	ASSERT_EQ(0, ioctl(c.fd, VFIO_DEVICE_GET_INFO, &c.info));
	/* The BARs, ROM and config space; VGA is there for VGA devices only. */
	for (i = 0; i <= VFIO_PCI_CONFIG_REGION_INDEX; i++)
		ASSERT_EQ(0, vfio_region_get_info(c.fd, i, &c.region[i]));
	if (need_msix)
		ASSERT_LE(0, c.msix_bar) TH_LOG("%s: no MSI-X capability", bdf);
	run(&c, o);
	vfio_dev_close(dev);
}

/* Every memory BAR to normal-nc where it may, else device-ngnre. */
static void set_most_different(struct __test_metadata *_metadata,
			       const char *bdf)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	unsigned int bar;
	int ret;

	ASSERT_EQ(0, pci_bars_read(bdf, bars));
	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		if (bars[bar].kind != PCI_BAR_MEM)
			continue;
		ret = memattr_bar_write(bdf, bar, "normal-nc");
		if (ret == -EOPNOTSUPP)
			ret = memattr_bar_write(bdf, bar, "device-ngnre");
		ASSERT_EQ(0, ret) TH_LOG("%s bar%u: %s", bdf, bar,
					 strerror(-ret));
	}
}

static const char *describe(const struct step *s, char *buf, size_t len)
{
	int n;

	if (s->ret < 0)
		n = snprintf(buf, len, "%s: %s", s->what, strerror(s->err));
	else
		n = snprintf(buf, len, "%s: %lld", s->what, s->ret);
	if (s->has_sum && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (data %08x)", s->sum);
	return buf;
}

static void compare(struct __test_metadata *_metadata, const char *how,
		    const struct outcome *stock, const struct outcome *ours)
{
	char a[128], b[128];
	unsigned int i;

	ASSERT_EQ(stock->n, ours->n)
		TH_LOG("%s: %u steps, stock %u", how, ours->n, stock->n);
	for (i = 0; i < stock->n; i++) {
		const struct step *s = &stock->s[i], *m = &ours->s[i];

		describe(s, a, sizeof(a));
		describe(m, b, sizeof(b));
		ASSERT_TRUE(!strcmp(s->what, m->what) && s->ret == m->ret &&
			    s->err == m->err && s->has_sum == m->has_sum &&
			    s->sum == m->sum)
			TH_LOG("step %u, %s: stock \"%s\", ours \"%s\"", i, how,
			       a, b);
	}
}

TEST_F(misuse, same_as_stock)
{
	const char *bdf = bdfs[variant->dev];
	struct outcome stock, bound, changed;
	char buf[128];
	unsigned int i;
	int ret;

	ret = pci_sysfs_bind_override(bdf, STOCK_DRIVER);
	ASSERT_EQ(0, ret) TH_LOG("binding %s: %s", STOCK_DRIVER, strerror(-ret));
	run_once(_metadata, &self->dev, bdf, variant->run,
		 variant->dev == DEV_MSIX, &stock);
	for (i = 0; i < stock.n; i++)
		TH_LOG("stock %s", describe(&stock.s[i], buf, sizeof(buf)));

	ret = pci_sysfs_bind_override(bdf, MEMATTR_DRIVER);
	ASSERT_EQ(0, ret) TH_LOG("binding %s: %s", MEMATTR_DRIVER,
				 strerror(-ret));
	run_once(_metadata, &self->dev, bdf, variant->run,
		 variant->dev == DEV_MSIX, &bound);
	compare(_metadata, "values at bind", &stock, &bound);

	set_most_different(_metadata, bdf);
	run_once(_metadata, &self->dev, bdf, variant->run,
		 variant->dev == DEV_MSIX, &changed);
	compare(_metadata, "non-default values", &stock, &changed);
}

int main(int argc, char *argv[])
{
	test_devices_get(&argc, argv, dev_env, bdfs, NR_DEVS);
	page = sysconf(_SC_PAGESIZE);
	return test_harness_run(argc, argv);
}
