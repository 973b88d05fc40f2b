// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: the per-BAR memory-type policy.
 *
 *   policy.*      the sysfs files memattr/barN (read format, writes,
 *                 refusals, EBUSY while open, reset on rebind), the debugfs
 *                 report, and the data path of a normal-nc mapping;
 *   mapping.*     for each value, the entry the kernel installed for a VFIO
 *                 mapping of BAR2, read from the page tables by the
 *                 memattr-pte helper module (selftests/modules), compared
 *                 with the same device bound to stock vfio-pci in the same
 *                 run: an 8 MiB BAR, a 1 GiB BAR where the kernel maps
 *                 PMD/PUD leaves, and on x86 the PAT memtype of the BAR;
 *   modparam.*    default_attr, by reloading the module;
 *   kernel_log.*  x86: no PAT complaint in the kernel log, after all that.
 *
 * In the mode MEMATTR_TEST_MODE says (lib/test_mode.h): "ours" is the
 * device bound to memattr-vfio-pci, or left on vfio-pci with the knobs of
 * attach mode, where default_attr does not apply.
 *
 * Devices (environment; the first may also be the last argument):
 *   MEMATTR_BDF       ivshmem-plain, 8 MiB prefetchable BAR2 backed by a
 *                     host file (see lib/ivshmem_pattern.h), 256-byte
 *                     non-prefetchable BAR0;
 *   MEMATTR_BDF2      ivshmem-plain with a 1 GiB BAR2 (huge mappings);
 *   MEMATTR_MSIX_BDF  a device with its MSI-X table in a memory BAR;
 *   MEMATTR_KO        the module file, for the default_attr reload.
 * Every test starts with the devices on the drivers they had and ends,
 * pass or fail, with them there again.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "fields.h"
#include "ivshmem_pattern.h"
#include "kmod.h"
#include "kmsg.h"
#include "memattr_pte.h"
#include "memattr_sysfs.h"
#include "mmio_barrier.h"
#include "pat_memtype.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "test_devices.h"
#include "test_mode.h"
#include "vfio_cdev.h"
#include "vfio_dev.h"
#include "vfio_group.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define SZ_1G		0x40000000UL
/* include/linux/mm.h: bit 39, on 64-bit kernels from 6.9 */
#define VM_ALLOW_ANY_UNCACHED	0x8000000000UL

enum dev_id { DEV_SHMEM, DEV_LARGE, DEV_MSIX, NR_DEVS };

static const char *const dev_env[NR_DEVS] = {
	[DEV_SHMEM] = BDF_ENV,
	[DEV_LARGE] = "MEMATTR_BDF2",
	[DEV_MSIX] = "MEMATTR_MSIX_BDF",
};

static const char *const dev_what[NR_DEVS] = {
	[DEV_SHMEM] = "ivshmem device",
	[DEV_LARGE] = "ivshmem device with a 1 GiB BAR2",
	[DEV_MSIX] = "device with an MSI-X table in a memory BAR",
};

/* NULL when the variable is not set. */
static const char *bdfs[NR_DEVS];

/* The entry each value must give, where it does not depend on stock. */
static const struct {
	const char *attr;
	const char *mt;
} expect_attr[MEMATTR_NR_VALUES] = {
#if defined(__aarch64__)
	[MEMATTR_DEVICE_NGNRNE] = { "Device-nGnRnE", "MT_DEVICE_nGnRnE" },
	[MEMATTR_DEVICE_NGNRE] = { "Device-nGnRE", "MT_DEVICE_nGnRE" },
	[MEMATTR_NORMAL_NC] = { "Normal-NC", "MT_NORMAL_NC" },
#elif defined(__x86_64__)
	[MEMATTR_DEVICE_NGNRNE] = { "UC-", "" },
	[MEMATTR_DEVICE_NGNRE] = { "UC-", "" },
	[MEMATTR_NORMAL_NC] = { "WC", "" },
#else
#error "memattr_policy_test knows arm64 and x86_64 only"
#endif
};

/* The x86 PAT memtype each value must reserve for the BAR. */
static const char *const expect_memtype[MEMATTR_NR_VALUES] = {
	[MEMATTR_DEVICE_NGNRNE] = "uncached-minus",
	[MEMATTR_DEVICE_NGNRE] = "uncached-minus",
	[MEMATTR_NORMAL_NC] = "write-combining",
};

/* What the fixtures share, and restore in their teardown. */
struct policy_state {
	pid_t test_pid;		/* the process that owns dev and map */
	struct pci_sysfs_state saved[NR_DEVS];
	bool saved_valid[NR_DEVS];
	struct vfio_dev dev;
	void *map;
	size_t map_len;
	/* Set while the module may be loaded with other parameters. */
	char reload_params[320];
};

/* True, and the test marked skipped, when device @d is not configured. */
static bool skip_without(struct __test_metadata *_metadata, enum dev_id d)
{
	if (!bdfs[d])
		SKIP(return true, "%s not set: no %s in this guest",
		     dev_env[d], dev_what[d]);
	return false;
}

static void assert_pte_helper(struct __test_metadata *_metadata)
{
	ASSERT_TRUE(memattr_pte_available())
		TH_LOG("no %s: load selftests/modules/memattr-pte.ko",
		       MEMATTR_PTE_PATH);
}

static void state_setup(struct __test_metadata *_metadata,
			struct policy_state *st)
{
	int d;

	st->test_pid = getpid();
	vfio_dev_init(&st->dev);
	st->map = MAP_FAILED;
	st->reload_params[0] = '\0';

	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);

	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d])
			continue;
		ASSERT_EQ(0, pci_sysfs_save(bdfs[d], &st->saved[d]));
		st->saved_valid[d] = true;
	}
}

static void unmap_and_close(struct policy_state *st)
{
	if (st->map != MAP_FAILED)
		munmap(st->map, st->map_len);
	st->map = MAP_FAILED;
	vfio_dev_close(&st->dev);
}

/*
 * Unbinds every device of ours still on the mode's driver (in attach mode
 * a configured one pins the module); 0 or -errno.
 */
static int unbind_ours(void)
{
	int d, ret;

	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d] ||
		    !pci_sysfs_driver_has_device(test_mode_driver(), bdfs[d]))
			continue;
		ret = pci_sysfs_unbind(bdfs[d]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Loads the module again with @params; 0 or -errno. */
static int reload_module(const char *params)
{
	const char *ko = getenv(MEMATTR_KO_ENV);
	int ret;

	ret = unbind_ours();
	if (ret)
		return ret;
	if (kmod_loaded(MEMATTR_MODULE)) {
		ret = kmod_unload(MEMATTR_MODULE);
		if (ret)
			return ret;
	}
	return kmod_load(ko, params);
}

/*
 * Runs in the parent, also after the test process died of a signal; the
 * 6.12 harness may run it in the test process itself after a failed
 * ASSERT (see memattr_bind_test.c): then close and unmap first, as the
 * unbind waits until the device is no longer in use.
 */
static void state_teardown(struct __test_metadata *_metadata,
			   struct policy_state *st)
{
	int d, ret;

	if (getpid() == st->test_pid)
		unmap_and_close(st);

	/* Not bare EXPECTs: a failed ASSERT can leave its log trigger set. */
	if (st->reload_params[0]) {
		ret = reload_module(st->reload_params);
		if (ret)
			EXPECT_EQ(0, ret) TH_LOG("reloading %s with \"%s\": %s",
						 MEMATTR_MODULE,
						 st->reload_params,
						 strerror(-ret));
		st->reload_params[0] = '\0';
	}

	for (d = 0; d < NR_DEVS; d++) {
		if (!st->saved_valid[d])
			continue;
		ret = test_devices_restore_one(bdfs[d], &st->saved[d]);
		if (ret)
			EXPECT_EQ(0, ret) TH_LOG("restoring %s to \"%s\": %s",
						 bdfs[d], st->saved[d].driver,
						 strerror(-ret));
	}
}

/* The module parameters, as they decide what a freshly bound BAR shows. */
struct params {
	int default_attr;
	bool unsafe_nc;
};

static void read_params(struct __test_metadata *_metadata, struct params *p)
{
	char buf[MEMATTR_VALUE_MAX];

	ASSERT_EQ(0, memattr_param_read("default_attr", buf, sizeof(buf)))
		TH_LOG("no module parameter default_attr");
	p->default_attr = memattr_value_parse(buf);
	ASSERT_LE(0, p->default_attr)
		TH_LOG("default_attr reads \"%s\", not a value", buf);

	ASSERT_EQ(0, memattr_param_read("unsafe_nonprefetchable_nc", buf,
					sizeof(buf)))
		TH_LOG("no module parameter unsafe_nonprefetchable_nc");
	p->unsafe_nc = buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static bool allows(const struct pci_bar *bar, int value,
		   const struct params *p)
{
	if (value != MEMATTR_NORMAL_NC)
		return true;
	return !bar->msix && (bar->prefetch || p->unsafe_nc);
}

/*
 * What a BAR is set to right after a bind to the variant driver, or to
 * vfio-pci (@attach), where default_attr does not apply (README).
 */
static int fresh_value(const struct pci_bar *bar, const struct params *p,
		       bool attach)
{
	if (attach)
		return MEMATTR_DEFAULT;
	return allows(bar, p->default_attr, p) ? p->default_attr :
						 MEMATTR_DEFAULT;
}

/* What a BAR is set to right after a bind in this mode. */
static int bound_value(const struct pci_bar *bar, const struct params *p)
{
	return fresh_value(bar, p, test_mode_attach());
}

/* The exact contents of memattr/barN, newline included. */
static void expected_listing(const struct pci_bar *bar, int active,
			     const struct params *p, char *buf, size_t len)
{
	size_t n = 0;
	int v;

	buf[0] = '\0';
	for (v = 0; v < MEMATTR_NR_VALUES; v++) {
		if (!allows(bar, v, p))
			continue;
		n += snprintf(buf + n, len - n, v == active ? "%s[%s]" : "%s%s",
			      n ? " " : "", memattr_value_names[v]);
	}
	snprintf(buf + n, len - n, "\n");
}

static void read_bars(struct __test_metadata *_metadata, enum dev_id d,
		      struct pci_bar bars[PCI_BAR_COUNT])
{
	ASSERT_EQ(0, pci_bars_read(bdfs[d], bars));
}

static void assert_active(struct __test_metadata *_metadata, enum dev_id d,
			  unsigned int bar, int value)
{
	char active[MEMATTR_VALUE_MAX];

	ASSERT_EQ(0, memattr_bar_active(bdfs[d], bar, active, sizeof(active)));
	ASSERT_STREQ(memattr_value_names[value], active)
		TH_LOG("%s bar%u", bdfs[d], bar);
}

/* Every memory BAR of @d shows @want[bar]. */
static void assert_all_active(struct __test_metadata *_metadata,
			      enum dev_id d,
			      const struct pci_bar bars[PCI_BAR_COUNT],
			      const int want[PCI_BAR_COUNT])
{
	unsigned int bar;

	for (bar = 0; bar < PCI_BAR_COUNT; bar++)
		if (bars[bar].kind == PCI_BAR_MEM)
			assert_active(_metadata, d, bar, want[bar]);
}

static void write_ok(struct __test_metadata *_metadata, enum dev_id d,
		     unsigned int bar, const char *val)
{
	int ret = memattr_bar_write(bdfs[d], bar, val);

	ASSERT_EQ(0, ret) TH_LOG("%s bar%u: writing \"%s\": %s", bdfs[d], bar,
				 val, strerror(-ret));
}

/* A write that must fail with @err and leave the BAR at @active. */
static void write_refused(struct __test_metadata *_metadata, enum dev_id d,
			  unsigned int bar, const char *val, int err,
			  int active)
{
	int ret = memattr_bar_write(bdfs[d], bar, val);

	ASSERT_EQ(-err, ret) TH_LOG("%s bar%u: writing \"%s\": got %s, want %s",
				    bdfs[d], bar, val,
				    ret ? strerror(-ret) : "success",
				    strerror(err));
	assert_active(_metadata, d, bar, active);
}

/* Devices that are set, in order; returns how many. */
static int devices(enum dev_id out[NR_DEVS])
{
	int d, n = 0;

	for (d = 0; d < NR_DEVS; d++)
		if (bdfs[d])
			out[n++] = d;
	return n;
}

FIXTURE(policy) {
	struct policy_state st;
};

FIXTURE_SETUP(policy)
{
	state_setup(_metadata, &self->st);
}

FIXTURE_TEARDOWN_PARENT(policy)
{
	state_teardown(_metadata, &self->st);
}

/*
 * One file per memory BAR, none for absent, I/O and upper-half BARs, and
 * the exact listing each kind of BAR must show.
 */
TEST_F(policy, sysfs_read_format)
{
	char want[MEMATTR_VALUE_MAX], got[MEMATTR_VALUE_MAX];
	struct pci_bar bars[PCI_BAR_COUNT];
	enum dev_id devs[NR_DEVS];
	unsigned int bar;
	struct params p;
	int i, n;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	read_params(_metadata, &p);
	n = devices(devs);

	for (i = 0; i < n; i++) {
		enum dev_id d = devs[i];
		bool msix = false;

		test_mode_bind(_metadata, bdfs[d]);
		read_bars(_metadata, d, bars);
		for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
			bool exists = memattr_bar_file_exists(bdfs[d], bar);

			if (bars[bar].kind != PCI_BAR_MEM) {
				ASSERT_FALSE(exists)
					TH_LOG("%s bar%u: a file for a BAR that is %s",
					       bdfs[d], bar,
					       bars[bar].kind == PCI_BAR_IO ?
					       "I/O" : "absent or an upper half");
				continue;
			}
			ASSERT_TRUE(exists)
				TH_LOG("%s bar%u: no memattr file", bdfs[d],
				       bar);
			ASSERT_EQ(0, memattr_bar_read(bdfs[d], bar, got,
						      sizeof(got)));
			expected_listing(&bars[bar], bound_value(&bars[bar], &p),
					 &p, want, sizeof(want));
			ASSERT_STREQ(want, got)
				TH_LOG("%s bar%u (%sprefetchable%s)", bdfs[d],
				       bar, bars[bar].prefetch ? "" : "non-",
				       bars[bar].msix ? ", MSI-X" : "");
			msix |= bars[bar].msix;
		}
		if (d == DEV_MSIX)
			ASSERT_TRUE(msix)
				TH_LOG("%s: no memory BAR holds the MSI-X table",
				       bdfs[d]);
	}

	/* The BAR shapes the listings above rely on. */
	read_bars(_metadata, DEV_SHMEM, bars);
	ASSERT_EQ(PCI_BAR_MEM, bars[0].kind);
	ASSERT_FALSE(bars[0].prefetch);
	ASSERT_EQ(PCI_BAR_MEM, bars[IVSHMEM_SHMEM_BAR].kind);
	ASSERT_TRUE(bars[IVSHMEM_SHMEM_BAR].prefetch);
	ASSERT_EQ(0, memattr_bar_read(bdfs[DEV_SHMEM], IVSHMEM_SHMEM_BAR, got,
				      sizeof(got)));
	ASSERT_NE(NULL, strstr(got, "normal-nc"));
	ASSERT_EQ(0, memattr_bar_read(bdfs[DEV_SHMEM], 0, got, sizeof(got)));
	if (!p.unsafe_nc)
		ASSERT_EQ(NULL, strstr(got, "normal-nc"));
}

/*
 * Every allowed value, with and without a trailing newline, and "wc",
 * reads back as the active value and changes no other BAR.
 */
TEST_F(policy, sysfs_write_roundtrip)
{
	static const char *const suffixes[] = { "", "\n" };
	struct pci_bar bars[PCI_BAR_COUNT];
	int initial[PCI_BAR_COUNT], want[PCI_BAR_COUNT];
	enum dev_id devs[NR_DEVS];
	char val[MEMATTR_VALUE_MAX];
	unsigned int bar, s;
	struct params p;
	int i, n, v;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	read_params(_metadata, &p);
	n = devices(devs);

	for (i = 0; i < n; i++) {
		enum dev_id d = devs[i];

		test_mode_bind(_metadata, bdfs[d]);
		read_bars(_metadata, d, bars);
		for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
			initial[bar] = bound_value(&bars[bar], &p);
			want[bar] = initial[bar];
		}

		for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
			if (bars[bar].kind != PCI_BAR_MEM)
				continue;
			for (v = 0; v < MEMATTR_NR_VALUES; v++) {
				if (!allows(&bars[bar], v, &p))
					continue;
				for (s = 0; s < 2; s++) {
					snprintf(val, sizeof(val), "%s%s",
						 memattr_value_names[v],
						 suffixes[s]);
					write_ok(_metadata, d, bar, val);
					want[bar] = v;
					assert_all_active(_metadata, d, bars,
							  want);
				}
			}
			if (allows(&bars[bar], MEMATTR_NORMAL_NC, &p)) {
				for (s = 0; s < 2; s++) {
					write_ok(_metadata, d, bar, "default");
					snprintf(val, sizeof(val), "wc%s",
						 suffixes[s]);
					write_ok(_metadata, d, bar, val);
					want[bar] = MEMATTR_NORMAL_NC;
					assert_all_active(_metadata, d, bars,
							  want);
				}
			}
			write_ok(_metadata, d, bar,
				 memattr_value_names[initial[bar]]);
			want[bar] = initial[bar];
			assert_all_active(_metadata, d, bars, want);
		}
	}
}

/*
 * Unknown values: EINVAL.  normal-nc (or wc) on a non-prefetchable BAR or
 * on a BAR with the MSI-X table or PBA: EOPNOTSUPP.  The BAR keeps its
 * value, here a non-default one so that a reset would show.
 */
TEST_F(policy, sysfs_write_refused)
{
	static const char *const unknown[] = {
		"bogus", "normal", "normal-ncx", "device", "device-ngnr",
		"wcx", "default-", "ngnre",
	};
	static const char *const nc[] = { "normal-nc", "normal-nc\n", "wc",
					  "wc\n" };
	struct pci_bar bars[PCI_BAR_COUNT];
	enum dev_id devs[NR_DEVS];
	unsigned int bar, k;
	bool refused_nc = false;
	struct params p;
	int i, n;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	read_params(_metadata, &p);
	n = devices(devs);

	for (i = 0; i < n; i++) {
		enum dev_id d = devs[i];

		test_mode_bind(_metadata, bdfs[d]);
		read_bars(_metadata, d, bars);
		for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
			if (bars[bar].kind != PCI_BAR_MEM)
				continue;
			write_ok(_metadata, d, bar, "device-ngnre");

			for (k = 0; k < ARRAY_SIZE(unknown); k++)
				write_refused(_metadata, d, bar, unknown[k],
					      EINVAL, MEMATTR_DEVICE_NGNRE);

			if (allows(&bars[bar], MEMATTR_NORMAL_NC, &p))
				continue;
			for (k = 0; k < ARRAY_SIZE(nc); k++)
				write_refused(_metadata, d, bar, nc[k],
					      EOPNOTSUPP, MEMATTR_DEVICE_NGNRE);
			refused_nc = true;
		}
	}
	ASSERT_TRUE(refused_nc)
		TH_LOG("no BAR to refuse normal-nc on: every BAR allowed it");
}

/* BAR0 and BAR2 may not change while the device is in use. */
static void assert_busy(struct __test_metadata *_metadata, const char *how)
{
	TH_LOG("%s", how);
	write_refused(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, "normal-nc",
		      EBUSY, MEMATTR_DEVICE_NGNRE);
	write_refused(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, "default",
		      EBUSY, MEMATTR_DEVICE_NGNRE);
	write_refused(_metadata, DEV_SHMEM, 0, "device-ngnrne", EBUSY,
		      MEMATTR_DEVICE_NGNRE);
}

/*
 * EBUSY while a user has the device: open through the group API, open
 * through the cdev (where the kernel has one), and mapped after every
 * descriptor is closed (the mapping keeps the device open).
 */
TEST_F(policy, sysfs_busy_while_open)
{
	struct policy_state *st = &self->st;
	struct vfio_region_info rinfo;
	char name[PCI_SYSFS_NAME_MAX];

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	if (access(VFIO_CONTAINER_PATH, F_OK))
		SKIP(return, "no %s: kernel without the VFIO container API",
		     VFIO_CONTAINER_PATH);

	test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	write_ok(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, "device-ngnre");
	write_ok(_metadata, DEV_SHMEM, 0, "device-ngnre");

	ASSERT_EQ(0, vfio_group_open_device(bdfs[DEV_SHMEM], &st->dev));
	assert_busy(_metadata, "open through the group API");

	ASSERT_EQ(0, vfio_region_get_info(st->dev.device_fd,
					  IVSHMEM_SHMEM_BAR, &rinfo));
	st->map_len = rinfo.size;
	st->map = vfio_region_mmap(st->dev.device_fd, &rinfo, 0);
	ASSERT_NE(MAP_FAILED, st->map);
	vfio_dev_close(&st->dev);
	assert_busy(_metadata, "mapped, every descriptor closed");

	ASSERT_EQ(0, munmap(st->map, st->map_len));
	st->map = MAP_FAILED;
	write_ok(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, "device-ngnre");

	if (!vfio_cdev_name(bdfs[DEV_SHMEM], name, sizeof(name)) &&
	    !access(IOMMUFD_PATH, F_OK)) {
		ASSERT_EQ(0, vfio_cdev_open_device(bdfs[DEV_SHMEM], &st->dev));
		assert_busy(_metadata, "open through the cdev and iommufd");
		vfio_dev_close(&st->dev);
	} else {
		TH_LOG("no VFIO cdev or iommufd: cdev case not run");
	}

	write_ok(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, "normal-nc");
	assert_active(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR,
		      MEMATTR_NORMAL_NC);
	write_ok(_metadata, DEV_SHMEM, 0, "default");
	assert_active(_metadata, DEV_SHMEM, 0, MEMATTR_DEFAULT);
}

/*
 * The policy lives as long as the binding: unbind removes the files, the
 * other mode's driver starts from its own defaults, and so does a new
 * bind.
 */
TEST_F(policy, sysfs_reset_on_rebind)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	int want[PCI_BAR_COUNT], other[PCI_BAR_COUNT];
	unsigned int bar;
	struct params p;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	read_params(_metadata, &p);
	read_bars(_metadata, DEV_SHMEM, bars);
	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		want[bar] = bound_value(&bars[bar], &p);
		other[bar] = fresh_value(&bars[bar], &p, !test_mode_attach());
	}

	test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	write_ok(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR,
		 p.default_attr == MEMATTR_NORMAL_NC ? "device-ngnre" :
						       "normal-nc");
	write_ok(_metadata, DEV_SHMEM, 0, "device-ngnrne");

	ASSERT_EQ(0, pci_sysfs_unbind(bdfs[DEV_SHMEM]));
	ASSERT_FALSE(memattr_bar_file_exists(bdfs[DEV_SHMEM],
					     IVSHMEM_SHMEM_BAR));
	/* The other mode has knobs too, without the earlier values. */
	test_devices_bind(_metadata, bdfs[DEV_SHMEM], test_mode_other_driver());
	assert_all_active(_metadata, DEV_SHMEM, bars, other);

	test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	assert_all_active(_metadata, DEV_SHMEM, bars, want);

	write_ok(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, "device-ngnre");
	ASSERT_EQ(0, pci_sysfs_unbind(bdfs[DEV_SHMEM]));
	test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	assert_all_active(_metadata, DEV_SHMEM, bars, want);
}

/*
 * Maps BAR @bar of the device (bound already) at an address aligned to
 * the BAR size, at most 1 GiB, and faults in its first page.
 */
static void map_bar(struct __test_metadata *_metadata,
		    struct policy_state *st, enum dev_id d, unsigned int bar)
{
	struct vfio_region_info rinfo;
	size_t align = 1;

	ASSERT_EQ(0, vfio_open_device(bdfs[d], &st->dev));
	ASSERT_EQ(0, vfio_region_get_info(st->dev.device_fd, bar, &rinfo));
	while (align < rinfo.size && align < SZ_1G)
		align <<= 1;

	st->map_len = rinfo.size;
	st->map = vfio_region_mmap_aligned(st->dev.device_fd, &rinfo, 0,
					   align);
	ASSERT_NE(MAP_FAILED, st->map);
	(void)*(volatile uint8_t *)st->map;
}

static void unmap_bar(struct __test_metadata *_metadata,
		      struct policy_state *st)
{
	ASSERT_EQ(0, munmap(st->map, st->map_len));
	st->map = MAP_FAILED;
	vfio_dev_close(&st->dev);
}

static void debugfs_field(struct __test_metadata *_metadata, enum dev_id d,
			  unsigned int bar, const char *key, char *buf,
			  size_t len)
{
	char line[512];

	ASSERT_EQ(0, memattr_debugfs_bar_line(bdfs[d], bar, line,
					      sizeof(line)))
		TH_LOG("%s: no line for bar%u in debugfs", bdfs[d], bar);
	ASSERT_EQ(0, field_get(line, key, buf, len))
		TH_LOG("%s bar%u: no %s= in \"%s\"", bdfs[d], bar, key, line);
}

/*
 * /sys/kernel/debug/memattr-vfio-pci/BDF: the BAR facts agree with
 * "resource" and "config", the value with sysfs, and the counters with
 * what this test does.
 */
TEST_F(policy, debugfs_report)
{
	struct policy_state *st = &self->st;
	struct pci_bar bars[PCI_BAR_COUNT];
	char got[MEMATTR_VALUE_MAX], want[MEMATTR_VALUE_MAX];
	const unsigned int b2 = IVSHMEM_SHMEM_BAR;
	unsigned int bar;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	read_bars(_metadata, DEV_SHMEM, bars);

	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		if (bars[bar].kind != PCI_BAR_MEM)
			continue;
		debugfs_field(_metadata, DEV_SHMEM, bar, "size", got,
			      sizeof(got));
		ASSERT_EQ(bars[bar].size, strtoull(got, NULL, 0));
		debugfs_field(_metadata, DEV_SHMEM, bar, "prefetchable", got,
			      sizeof(got));
		ASSERT_STREQ(bars[bar].prefetch ? "1" : "0", got);
		debugfs_field(_metadata, DEV_SHMEM, bar, "msix", got,
			      sizeof(got));
		ASSERT_STREQ(bars[bar].msix ? "1" : "0", got);
		debugfs_field(_metadata, DEV_SHMEM, bar, "value", got,
			      sizeof(got));
		ASSERT_EQ(0, memattr_bar_active(bdfs[DEV_SHMEM], bar, want,
						sizeof(want)));
		ASSERT_STREQ(want, got);
	}

	write_ok(_metadata, DEV_SHMEM, b2, "normal-nc");
	debugfs_field(_metadata, DEV_SHMEM, b2, "value", got, sizeof(got));
	ASSERT_STREQ("normal-nc", got);
	debugfs_field(_metadata, DEV_SHMEM, b2, "stage1", got, sizeof(got));
	ASSERT_STREQ(expect_attr[MEMATTR_NORMAL_NC].attr, got);
	debugfs_field(_metadata, DEV_SHMEM, b2, "mappings", got, sizeof(got));
	ASSERT_STREQ("0", got);

	map_bar(_metadata, st, DEV_SHMEM, b2);
	debugfs_field(_metadata, DEV_SHMEM, b2, "mappings", got, sizeof(got));
	ASSERT_STREQ("1", got);
	debugfs_field(_metadata, DEV_SHMEM, b2, "faults", got, sizeof(got));
	ASSERT_LT(0, strtoll(got, NULL, 10));
	unmap_bar(_metadata, st);
	debugfs_field(_metadata, DEV_SHMEM, b2, "mappings", got, sizeof(got));
	ASSERT_STREQ("0", got);
}

/*
 * Writes the normal-nc pattern of lib/ivshmem_pattern.h through a normal-nc
 * mapping of BAR2 in 8-byte stores, the access that write-combining is
 * for, then the architecture's store barrier, and reads it back.  The
 * host then finds it in the backing file (check-ivshmem-backing.sh).
 */
TEST_F(policy, data_path_normal_nc)
{
	struct policy_state *st = &self->st;
	unsigned int vendor, device, bad = 0;
	struct memattr_pte pte;
	volatile uint64_t *dst;
	volatile uint8_t *bar;
	uint8_t page[IVSHMEM_NC_SIZE];
	size_t i;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	ASSERT_EQ(0, pci_sysfs_read_id(bdfs[DEV_SHMEM], "vendor", &vendor));
	ASSERT_EQ(0, pci_sysfs_read_id(bdfs[DEV_SHMEM], "device", &device));
	if (vendor != IVSHMEM_VENDOR || device != IVSHMEM_DEVICE)
		SKIP(return, "%s is %04x:%04x, not ivshmem: not writing its BAR2",
		     bdfs[DEV_SHMEM], vendor, device);
	assert_pte_helper(_metadata);

	for (i = 0; i < sizeof(page); i++)
		page[i] = ivshmem_nc_byte(i);

	test_mode_bind(_metadata, bdfs[DEV_SHMEM]);
	write_ok(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, "normal-nc");
	map_bar(_metadata, st, DEV_SHMEM, IVSHMEM_SHMEM_BAR);
	ASSERT_GE(st->map_len, (size_t)IVSHMEM_NC_END);
	bar = st->map;

	dst = (volatile uint64_t *)(bar + IVSHMEM_NC_OFFSET);
	for (i = 0; i < sizeof(page) / 8; i++) {
		uint64_t word;

		memcpy(&word, page + 8 * i, 8);
		dst[i] = word;
	}
	mmio_write_barrier();

	ASSERT_EQ(0, memattr_pte_query(bar + IVSHMEM_NC_OFFSET, &pte));
	TH_LOG("mapping: %s", pte.line);
	ASSERT_STREQ(expect_attr[MEMATTR_NORMAL_NC].attr, pte.attr);

	for (i = 0; i < sizeof(page); i++) {
		uint8_t got = bar[IVSHMEM_NC_OFFSET + i];

		if (got != page[i] && !bad++)
			TH_LOG("byte %zu: read 0x%02x, wrote 0x%02x", i, got,
			       page[i]);
	}
	ASSERT_EQ(0U, bad);
	unmap_bar(_metadata, st);
}

/*
 * The entry that maps the first byte of BAR @bar of @d bound afresh to
 * stock vfio-pci (@value < 0: nothing configured) or ours with the BAR set
 * to @value, and the PAT reservations of the BAR on x86.
 */
struct probe {
	struct memattr_pte pte;
	int nr_memtypes;
	struct pat_memtype memtypes[4];
};

static void probe_bar(struct __test_metadata *_metadata,
		      struct policy_state *st, enum dev_id d,
		      unsigned int bar, int value, struct probe *res)
{
	struct pci_bar bars[PCI_BAR_COUNT];

	if (value < 0) {
		ASSERT_EQ(0, pci_sysfs_unbind(bdfs[d]));
		test_devices_bind(_metadata, bdfs[d], STOCK_DRIVER);
	} else {
		test_mode_bind(_metadata, bdfs[d]);
		write_ok(_metadata, d, bar, memattr_value_names[value]);
	}
	read_bars(_metadata, d, bars);

	map_bar(_metadata, st, d, bar);
	ASSERT_EQ(0, memattr_pte_query(st->map, &res->pte));
	TH_LOG("%s %s%s%s: %s", bdfs[d],
	       value >= 0 ? test_mode_driver() : "stock " STOCK_DRIVER,
	       value >= 0 ? " " : "",
	       value >= 0 ? memattr_value_names[value] : "", res->pte.line);

	res->nr_memtypes = 0;
	if (pat_memtype_available()) {
		res->nr_memtypes = pat_memtype_find(bars[bar].start,
						    bars[bar].size,
						    res->memtypes,
						    ARRAY_SIZE(res->memtypes));
		ASSERT_LE(0, res->nr_memtypes);
	}
	unmap_bar(_metadata, st);
}

/* Access and dirty state, which the same fault may leave differently. */
static uint64_t entry_attrs(uint64_t entry)
{
#if defined(__aarch64__)
	/* AF, AP[2] (hardware dirty), DBM, software dirty */
	return entry & ~(1ULL << 10 | 1ULL << 7 | 1ULL << 51 | 1ULL << 55);
#else
	/* _PAGE_ACCESSED, _PAGE_DIRTY */
	return entry & ~(1ULL << 5 | 1ULL << 6);
#endif
}

static const char *expect_allow(int value, const struct memattr_pte *stock)
{
	if (!strcmp(stock->allow, "na"))
		return "na";
	switch (value) {
	case MEMATTR_DEFAULT:
		return stock->allow;
	case MEMATTR_NORMAL_NC:
		return "1";
	default:
		return "0";
	}
}

/*
 * Ours against stock: the same leaf level; for default the same entry and
 * VMA flags, for the other values their memory type and stage-2 flag, and
 * no VMA flag other than VM_ALLOW_ANY_UNCACHED changed.
 */
static void check_entry(struct __test_metadata *_metadata, int value,
			const struct memattr_pte *stock,
			const struct memattr_pte *ours)
{
	const unsigned long allow = VM_ALLOW_ANY_UNCACHED;

	ASSERT_STREQ(stock->level, ours->level)
		TH_LOG("stock vfio-pci maps with a %s leaf, %s with a %s leaf",
		       stock->level, memattr_value_names[value], ours->level);
	ASSERT_STREQ(expect_allow(value, stock), ours->allow)
		TH_LOG("VM_ALLOW_ANY_UNCACHED under %s",
		       memattr_value_names[value]);
	ASSERT_EQ(stock->vm_flags & ~allow, ours->vm_flags & ~allow)
		TH_LOG("VMA flags 0x%lx, stock 0x%lx", ours->vm_flags,
		       stock->vm_flags);

	if (value == MEMATTR_DEFAULT) {
		ASSERT_STREQ(stock->attr, ours->attr);
		ASSERT_EQ(stock->idx, ours->idx);
		ASSERT_STREQ(stock->mt, ours->mt);
		ASSERT_EQ(stock->vm_flags, ours->vm_flags);
		ASSERT_EQ(entry_attrs(stock->entry), entry_attrs(ours->entry))
			TH_LOG("entry 0x%llx, stock 0x%llx",
			       (unsigned long long)ours->entry,
			       (unsigned long long)stock->entry);
		return;
	}
	ASSERT_STREQ(expect_attr[value].attr, ours->attr)
		TH_LOG("memory type under %s", memattr_value_names[value]);
	ASSERT_STREQ(expect_attr[value].mt, ours->mt);
}

FIXTURE(mapping) {
	struct policy_state st;
};

FIXTURE_VARIANT(mapping) {
	int value;
};

FIXTURE_VARIANT_ADD(mapping, default) {
	.value = MEMATTR_DEFAULT,
};

FIXTURE_VARIANT_ADD(mapping, device_ngnrne) {
	.value = MEMATTR_DEVICE_NGNRNE,
};

FIXTURE_VARIANT_ADD(mapping, device_ngnre) {
	.value = MEMATTR_DEVICE_NGNRE,
};

FIXTURE_VARIANT_ADD(mapping, normal_nc) {
	.value = MEMATTR_NORMAL_NC,
};

FIXTURE_SETUP(mapping)
{
	state_setup(_metadata, &self->st);
}

FIXTURE_TEARDOWN_PARENT(mapping)
{
	state_teardown(_metadata, &self->st);
}

/* The 8 MiB BAR2 of the ivshmem device, against stock, this run. */
TEST_F(mapping, bar2_entry)
{
	struct probe stock, ours;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	assert_pte_helper(_metadata);

	probe_bar(_metadata, &self->st, DEV_SHMEM, IVSHMEM_SHMEM_BAR,
		  -1, &stock);
	probe_bar(_metadata, &self->st, DEV_SHMEM, IVSHMEM_SHMEM_BAR,
		  variant->value, &ours);
	check_entry(_metadata, variant->value, &stock.pte, &ours.pte);
}

/*
 * The 1 GiB BAR2 mapped at a 1 GiB boundary, where the kernel may use a
 * PUD or PMD leaf: wherever stock vfio-pci does, ours must use the same
 * leaf with the value's memory type.
 */
TEST_F(mapping, huge_entry)
{
	struct probe stock, ours;

	if (skip_without(_metadata, DEV_LARGE))
		return;
	assert_pte_helper(_metadata);

	probe_bar(_metadata, &self->st, DEV_LARGE, IVSHMEM_SHMEM_BAR,
		  -1, &stock);
	if (!strcmp(stock.pte.level, "pte"))
		SKIP(return, "stock vfio-pci maps the 1 GiB BAR with 4K pages here: no huge leaf");

	probe_bar(_metadata, &self->st, DEV_LARGE, IVSHMEM_SHMEM_BAR,
		  variant->value, &ours);
	check_entry(_metadata, variant->value, &stock.pte, &ours.pte);
}

/* x86: "x86/PAT: ... conflicting memory types" and the like. */
static bool pat_complaint(const char *msg, void *arg)
{
	(void)arg;
	if (!strstr(msg, "PAT"))
		return false;
	if (!strstr(msg, "conflicting") &&
	    !strstr(msg, "expected mapping type") &&
	    !strstr(msg, "invalid memtype"))
		return false;
	fprintf(stderr, "# kernel: %s\n", msg);
	return true;
}

/*
 * x86: the memtype PAT reserved for the BAR while it is mapped is the
 * value's (stock's for default), with no other type overlapping it, and
 * the kernel did not complain about a conflict.
 */
TEST_F(mapping, x86_pat_memtype)
{
	struct probe stock, ours;
	const char *want;
	int i;

#ifndef __x86_64__
	SKIP(return, "x86 only: PAT memtypes");
#endif
	if (skip_without(_metadata, DEV_SHMEM))
		return;
	assert_pte_helper(_metadata);
	ASSERT_TRUE(pat_memtype_available())
		TH_LOG("no %s (debugfs, CONFIG_X86_PAT)", PAT_MEMTYPE_LIST);

	probe_bar(_metadata, &self->st, DEV_SHMEM, IVSHMEM_SHMEM_BAR,
		  -1, &stock);
	ASSERT_LT(0, stock.nr_memtypes)
		TH_LOG("stock vfio-pci: no PAT reservation for the BAR");
	probe_bar(_metadata, &self->st, DEV_SHMEM, IVSHMEM_SHMEM_BAR,
		  variant->value, &ours);
	ASSERT_LT(0, ours.nr_memtypes)
		TH_LOG("no PAT reservation for the BAR while mapped");

	want = variant->value == MEMATTR_DEFAULT ? stock.memtypes[0].type :
						   expect_memtype[variant->value];
	for (i = 0; i < ours.nr_memtypes && i < (int)ARRAY_SIZE(ours.memtypes);
	     i++) {
		TH_LOG("PAT: [mem 0x%llx-0x%llx] %s", ours.memtypes[i].start,
		       ours.memtypes[i].end, ours.memtypes[i].type);
		ASSERT_STREQ(want, ours.memtypes[i].type);
	}
	ASSERT_EQ(0, kmsg_grep(pat_complaint, NULL));
}

/* Declared after the others so that it runs after them: it reloads. */
FIXTURE(modparam) {
	struct policy_state st;
};

FIXTURE_SETUP(modparam)
{
	state_setup(_metadata, &self->st);
}

FIXTURE_TEARDOWN_PARENT(modparam)
{
	state_teardown(_metadata, &self->st);
}

/*
 * The module parameter default_attr=normal-nc: after a reload, a bind to
 * the variant driver sets every BAR that allows normal-nc to it, and the
 * page tables show it; the other BARs start at default.  A device on
 * vfio-pci (attach mode) is not the variant driver's: every BAR starts at
 * default and BAR2 maps as stock's (Device-nGnRnE, UC-).  The module is
 * then loaded again with the parameters it had.
 */
TEST_F(modparam, default_attr)
{
	struct policy_state *st = &self->st;
	char dft[MEMATTR_VALUE_MAX], unsafe[MEMATTR_VALUE_MAX];
	struct pci_bar bars[PCI_BAR_COUNT];
	int want[PCI_BAR_COUNT];
	enum dev_id devs[NR_DEVS];
	const char *ko = getenv(MEMATTR_KO_ENV);
	struct memattr_pte pte;
	unsigned int bar;
	struct params p;
	int i, n, bar2;

	if (skip_without(_metadata, DEV_SHMEM))
		return;
	if (!ko)
		SKIP(return, "%s not set: no module file to reload",
		     MEMATTR_KO_ENV);
	ASSERT_EQ(0, access(ko, R_OK)) TH_LOG("%s=%s", MEMATTR_KO_ENV, ko);
	assert_pte_helper(_metadata);

	ASSERT_EQ(0, memattr_param_read("default_attr", dft, sizeof(dft)));
	ASSERT_EQ(0, memattr_param_read("unsafe_nonprefetchable_nc", unsafe,
					sizeof(unsafe)));
	snprintf(st->reload_params, sizeof(st->reload_params),
		 "default_attr=%s unsafe_nonprefetchable_nc=%s", dft, unsafe);
	TH_LOG("loaded with %s", st->reload_params);

	ASSERT_EQ(0, reload_module("default_attr=normal-nc"));
	read_params(_metadata, &p);
	ASSERT_EQ(MEMATTR_NORMAL_NC, p.default_attr);

	n = devices(devs);
	for (i = 0; i < n; i++) {
		enum dev_id d = devs[i];

		test_mode_bind(_metadata, bdfs[d]);
		read_bars(_metadata, d, bars);
		for (bar = 0; bar < PCI_BAR_COUNT; bar++)
			want[bar] = bound_value(&bars[bar], &p);
		assert_all_active(_metadata, d, bars, want);
	}
	read_bars(_metadata, DEV_SHMEM, bars);
	ASSERT_FALSE(bars[0].prefetch);
	assert_active(_metadata, DEV_SHMEM, 0,
		      p.unsafe_nc && !test_mode_attach() ? MEMATTR_NORMAL_NC :
							   MEMATTR_DEFAULT);
	bar2 = test_mode_attach() ? MEMATTR_DEFAULT : MEMATTR_NORMAL_NC;
	assert_active(_metadata, DEV_SHMEM, IVSHMEM_SHMEM_BAR, bar2);

	map_bar(_metadata, st, DEV_SHMEM, IVSHMEM_SHMEM_BAR);
	ASSERT_EQ(0, memattr_pte_query(st->map, &pte));
	TH_LOG("BAR2 after bind: %s", pte.line);
	/* default: stock's type, which device-ngnrne's expectation is */
	ASSERT_STREQ(expect_attr[bar2 == MEMATTR_DEFAULT ?
				 MEMATTR_DEVICE_NGNRNE : bar2].attr,
		     pte.attr);
	unmap_bar(_metadata, st);

	ASSERT_EQ(0, reload_module(st->reload_params));
	st->reload_params[0] = '\0';
	read_params(_metadata, &p);
	ASSERT_STREQ(dft, memattr_value_names[p.default_attr]);
}

/* The harness runs fixtures in the order they are declared: this last. */
FIXTURE(kernel_log) {
};

FIXTURE_SETUP(kernel_log)
{
}

FIXTURE_TEARDOWN(kernel_log)
{
}

#define KMSG_MARKER "memattr_policy_test: reading the kernel log"

static bool is_marker(const char *msg, void *arg)
{
	(void)arg;
	return strstr(msg, KMSG_MARKER);
}

/*
 * x86: the whole run so far (this and the earlier test binaries) left no
 * PAT complaint in the kernel log.  A marker written first and found again
 * shows that the log was read to its end.
 */
TEST_F(kernel_log, x86_pat_clean)
{
#ifndef __x86_64__
	SKIP(return, "x86 only: PAT complaints");
#endif
	ASSERT_EQ(0, kmsg_write(KMSG_MARKER "\n"));
	ASSERT_LT(0, kmsg_grep(is_marker, NULL));
	ASSERT_EQ(0, kmsg_grep(pat_complaint, NULL));
}

int main(int argc, char *argv[])
{
	int d;

	test_mode_init();
	bdfs[DEV_SHMEM] = bdf_from_args(&argc, argv);
	for (d = DEV_SHMEM + 1; d < NR_DEVS; d++) {
		bdfs[d] = getenv(dev_env[d]);
		if (bdfs[d] && !bdfs[d][0])
			bdfs[d] = NULL;
	}
	if (!bdfs[DEV_SHMEM]) {
		ksft_print_header();
		ksft_exit_skip("no device: set %s=DDDD:BB:DD.F or pass it as the last argument\n",
			       BDF_ENV);
	}

	for (d = 0; d < NR_DEVS; d++) {
		if (!bdfs[d])
			continue;
		if (!bdf_valid(bdfs[d])) {
			ksft_print_header();
			ksft_exit_fail_msg("%s=\"%s\" is not a PCI address DDDD:BB:DD.F\n",
					   dev_env[d], bdfs[d]);
		}
		if (!pci_sysfs_device_exists(bdfs[d])) {
			ksft_print_header();
			ksft_exit_fail_msg("%s: no PCI device %s in /sys/bus/pci/devices\n",
					   dev_env[d], bdfs[d]);
		}
	}

	return test_harness_run(argc, argv);
}
