// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci attach mode: a device left on stock vfio-pci gets the
 * same knobs, and the kernel-side policy (module parameter "policy")
 * gives BARs their value before the first open, in both modes.
 *
 *   stock.*    nothing configured: the mapping is stock's and this module
 *              is not in its path (debugfs counts no mapping, the module
 *              use count stays 0);
 *   knob.*     bar2 set on a device bound to vfio-pci: the entry installed
 *              for the user mapping, on x86 the PAT memtype, the bytes
 *              read back, EBUSY while open, rmmod refused while the
 *              device stays bound, allowed after a rebind;
 *   policy.*   refused policies change nothing; a rule by address, ID and
 *              subsystem ID applies before the first open, 100 binds each
 *              opened at once; in the variant driver too;
 *   load.*     a device bound before the module loads is attached at load;
 *              one that is open then keeps stock's mapping until reopened;
 *   vfio_pci.* vfio-pci removed and loaded again under an attached device;
 *   dma_buf.*  7.x: VFIO_DEVICE_FEATURE_DMA_BUF on BAR2 gives the same
 *              result on a configured device as on stock vfio-pci, in
 *              both modes.
 *
 * Device: the ivshmem given as the last argument or in $MEMATTR_BDF (8 MiB
 * prefetchable BAR2); $MEMATTR_KO the module file; $MEMATTR_VFIO_PCI_KO
 * vfio-pci's (default /lib/modules/stock/vfio-pci.ko). The device ends on
 * the driver it had, the module loaded with the parameters it had.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "kmsg_cursor.h"
#include "memattr_module.h"
#include "memattr_pte.h"
#include "memattr_sysfs.h"
#include "pat_memtype.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "vfio_dev.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define STOCK_DRIVER		"vfio-pci"
#define STOCK_MODULE		"vfio_pci"
#define VFIO_PCI_KO_ENV		"MEMATTR_VFIO_PCI_KO"
#define VFIO_PCI_KO		"/lib/modules/stock/vfio-pci.ko"
#define BAR2			IVSHMEM_SHMEM_BAR
#define POLICY_ROUNDS		100

/* include/uapi/linux/vfio.h, Linux 6.19+; the build's headers may be older. */
#ifndef VFIO_DEVICE_FEATURE_DMA_BUF
#define VFIO_DEVICE_FEATURE_DMA_BUF 11
struct vfio_region_dma_range {
	__u64 offset;
	__u64 length;
};

struct vfio_device_feature_dma_buf {
	__u32 region_index;
	__u32 open_flags;
	__u32 flags;
	__u32 nr_ranges;
	struct vfio_region_dma_range dma_ranges[];
};
#endif

#if defined(__aarch64__)
#define STOCK_ATTR	"Device-nGnRnE"
#define NC_ATTR		"Normal-NC"
#define NGNRE_ATTR	"Device-nGnRE"
#elif defined(__x86_64__)
#define STOCK_ATTR	"UC-"
#define NC_ATTR		"WC"
#define NGNRE_ATTR	"UC-"
#else
#error "memattr_attach_test knows arm64 and x86_64 only"
#endif

static const char *bdf;

struct attach_state {
	pid_t test_pid;
	struct pci_sysfs_state saved;
	bool saved_valid;
	char params[640];	/* the module's, to load it again with */
	struct vfio_dev dev;
	volatile uint8_t *map;
	size_t map_len;
	__u64 bar2_offset;	/* of BAR2 in the device file */
};

static void state_setup(struct __test_metadata *_metadata,
			struct attach_state *self)
{
	self->test_pid = getpid();
	vfio_dev_init(&self->dev);
	self->map = MAP_FAILED;
	if (!bdf)
		SKIP(return, "%s not set: no ivshmem device in this guest",
		     BDF_ENV);
	if (!kmod_loaded(MEMATTR_MODULE))
		SKIP(return, "%s is not loaded", MEMATTR_MODULE);
	ASSERT_EQ(0, memattr_module_params(self->params, sizeof(self->params)));
	ASSERT_EQ(0, pci_sysfs_save(bdf, &self->saved));
	self->saved_valid = true;
	ASSERT_TRUE(memattr_pte_available())
		TH_LOG("no %s: load selftests/modules/memattr-pte.ko",
		       MEMATTR_PTE_PATH);
}

static void unmap_close(struct attach_state *self)
{
	if (self->map != MAP_FAILED)
		munmap((void *)self->map, self->map_len);
	self->map = MAP_FAILED;
	vfio_dev_close(&self->dev);
}

static void state_teardown(struct __test_metadata *_metadata,
			   struct attach_state *self)
{
	const char *vfio_pci_ko = getenv(VFIO_PCI_KO_ENV) ?: VFIO_PCI_KO;
	int ret;

	if (getpid() == self->test_pid)
		unmap_close(self);
	if (!self->saved_valid)
		return;
	if (!kmod_loaded(STOCK_MODULE)) {
		ret = kmod_load(vfio_pci_ko, "");
		if (ret)
			EXPECT_EQ(0, ret) TH_LOG("loading vfio-pci again");
	}
	/*
	 * Unbound, so that an engaged device lets go of the module, which
	 * is then loaded again with its parameters.
	 */
	memattr_param_write("policy", "\n");
	pci_sysfs_unbind(bdf);
	if (kmod_loaded(MEMATTR_MODULE))
		kmod_unload(MEMATTR_MODULE);
	ret = kmod_load(getenv(MEMATTR_KO_ENV), self->params);
	if (ret)
		EXPECT_EQ(0, ret) TH_LOG("loading %s with \"%s\"",
					 MEMATTR_MODULE, self->params);
	ret = pci_sysfs_restore(bdf, &self->saved);
	if (ret)
		EXPECT_EQ(0, ret) TH_LOG("restoring %s to \"%s\"", bdf,
					 self->saved.driver);
}

FIXTURE(attach) {
	struct attach_state st;
};

FIXTURE_SETUP(attach)
{
	state_setup(_metadata, &self->st);
}

FIXTURE_TEARDOWN_PARENT(attach)
{
	state_teardown(_metadata, &self->st);
}

/* A fresh bind through driver_override, or fails the test. */
static void bind(struct __test_metadata *_metadata, const char *driver)
{
	int ret = pci_sysfs_unbind(bdf);

	ASSERT_EQ(0, ret) TH_LOG("unbinding %s: %s", bdf, strerror(-ret));
	ret = pci_sysfs_bind_override(bdf, driver);

	ASSERT_EQ(0, ret) TH_LOG("binding %s to %s: %s", bdf, driver,
				 strerror(-ret));
}

static void set_bar2(struct __test_metadata *_metadata, const char *value)
{
	int ret = memattr_bar_write(bdf, BAR2, value);

	ASSERT_EQ(0, ret) TH_LOG("%s bar2=%s: %s", bdf, value, strerror(-ret));
}

static void assert_bar2(struct __test_metadata *_metadata, const char *value)
{
	char active[MEMATTR_VALUE_MAX];

	ASSERT_EQ(0, memattr_bar_active(bdf, BAR2, active, sizeof(active)))
		TH_LOG("%s: no memattr/bar2", bdf);
	ASSERT_STREQ(value, active);
}

/* Opens the device, maps BAR2 and touches it: the entry is installed. */
static void map_bar2(struct __test_metadata *_metadata,
		     struct attach_state *self)
{
	struct vfio_region_info info;

	ASSERT_EQ(0, vfio_open_device(bdf, &self->dev));
	ASSERT_EQ(0, vfio_region_get_info(self->dev.device_fd, BAR2, &info));
	self->map_len = info.size;
	self->bar2_offset = info.offset;
	self->map = vfio_region_mmap(self->dev.device_fd, &info, 0);
	ASSERT_NE(MAP_FAILED, (void *)self->map);
	(void)self->map[0];
}

/* The type of the entry mapping BAR2's first page. */
static void assert_entry(struct __test_metadata *_metadata,
			 struct attach_state *self, const char *attr)
{
	struct memattr_pte pte;

	ASSERT_EQ(0, memattr_pte_query(self->map, &pte));
	ASSERT_STREQ(attr, pte.attr) TH_LOG("%s: %s", bdf, pte.line);
	if (!strcmp(attr, NC_ATTR))
		ASSERT_STRNE("0", pte.allow)
			TH_LOG("normal-nc without VM_ALLOW_ANY_UNCACHED: %s",
			       pte.line);
}

static unsigned long debugfs_mappings(void)
{
	char line[512], val[32];

	if (memattr_debugfs_bar_line(bdf, BAR2, line, sizeof(line)) ||
	    field_get(line, "mappings", val, sizeof(val)))
		return ~0UL;
	return strtoul(val, NULL, 10);
}

/* The x86 PAT reservation of BAR2, where there is one to read. */
static void assert_memtype(struct __test_metadata *_metadata,
			   const char *type)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	struct pat_memtype mt[4];
	int n;

	if (!pat_memtype_available())
		return;
	ASSERT_EQ(0, pci_bars_read(bdf, bars));
	n = pat_memtype_find(bars[BAR2].start, bars[BAR2].size, mt, 4);
	ASSERT_LT(0, n) TH_LOG("no PAT memtype for %s BAR2", bdf);
	ASSERT_STREQ(type, mt[0].type);
}

static int policy_write(const char *policy)
{
	return memattr_param_write("policy", policy);
}

/* Nothing configured: stock's entry, and this module not in the path. */
TEST_F(attach, stock_unconfigured)
{
	bind(_metadata, STOCK_DRIVER);
	assert_bar2(_metadata, "default");
	map_bar2(_metadata, &self->st);
	assert_entry(_metadata, &self->st, STOCK_ATTR);
	assert_memtype(_metadata, "uncached-minus");
	ASSERT_EQ(0UL, debugfs_mappings())
		TH_LOG("a stock mapping went through this module");
	ASSERT_EQ(0, memattr_module_refcnt());
}

/*
 * bar2 set on a vfio-pci device: the entry, the PAT memtype and the
 * bytes; EBUSY while open; rmmod refused until the device is unbound.
 */
TEST_F(attach, knob_normal_nc)
{
	uint8_t page[IVSHMEM_NC_SIZE], back[IVSHMEM_NC_SIZE];
	size_t i;
	int ret;

	bind(_metadata, STOCK_DRIVER);
	set_bar2(_metadata, "normal-nc");
	ASSERT_EQ(1, memattr_module_refcnt());
	map_bar2(_metadata, &self->st);
	assert_entry(_metadata, &self->st, NC_ATTR);
	assert_memtype(_metadata, "write-combining");
	ASSERT_EQ(1UL, debugfs_mappings());

	for (i = 0; i < sizeof(page); i++)
		page[i] = ivshmem_nc_byte(i) ^ 0x5a;
	memcpy((void *)(self->st.map + IVSHMEM_NC_OFFSET), page, sizeof(page));
	__sync_synchronize();
	ASSERT_EQ((ssize_t)sizeof(back),
		  pread(self->st.dev.device_fd, back, sizeof(back),
			self->st.bar2_offset + IVSHMEM_NC_OFFSET));
	ASSERT_EQ(0, memcmp(page, back, sizeof(page)));

	ASSERT_EQ(-EBUSY, memattr_bar_write(bdf, BAR2, "default"));
	ret = kmod_unload(MEMATTR_MODULE);
	ASSERT_NE(0, ret) TH_LOG("rmmod succeeded with a configured device");
	ASSERT_TRUE(kmod_loaded(MEMATTR_MODULE));

	unmap_close(&self->st);
	set_bar2(_metadata, "device-ngnre");
	map_bar2(_metadata, &self->st);
	assert_entry(_metadata, &self->st, NGNRE_ATTR);
	unmap_close(&self->st);

	/* Back at default: stock's entry, still through this module. */
	set_bar2(_metadata, "default");
	ASSERT_EQ(1, memattr_module_refcnt());
	map_bar2(_metadata, &self->st);
	assert_entry(_metadata, &self->st, STOCK_ATTR);
	ASSERT_EQ(1UL, debugfs_mappings());
	unmap_close(&self->st);
	ret = kmod_unload(MEMATTR_MODULE);
	ASSERT_NE(0, ret) TH_LOG("rmmod succeeded with an engaged device");

	/* A rebind lets go; unconfigured, rmmod goes through. */
	bind(_metadata, STOCK_DRIVER);
	ASSERT_EQ(0, memattr_module_refcnt());
	ASSERT_EQ(0, kmod_unload(MEMATTR_MODULE));
	ASSERT_TRUE(pci_sysfs_driver_has_device(STOCK_DRIVER, bdf));
	ASSERT_FALSE(memattr_bar_file_exists(bdf, BAR2));
}

/* Each refused policy: EINVAL, and the policy before it stays. */
TEST_F(attach, policy_refused)
{
	static const char *const bad[] = {
		"1af4:1110",			/* no BAR */
		"1af4:1110,bar6=wc",		/* no such BAR */
		"1af4:1110,bar2=bogus",
		"1af4:1110,bar2=wc,bar2=default",
		"1af4:11100,bar2=wc",
		"1af4,bar2=wc",
		"1af4:1110:1af4,bar2=wc",
		"0000:00:20.0,bar2=wc",		/* device 0x20 */
		"0000:00:03.8,bar2=wc",
		"xyz:1110,bar2=wc",
		"1af4:1110,bar2",
		"1af4:1110,bar2=wc;0000:00:03.0",
	};
	const char *good = "1af4:1110,bar2=normal-nc;0000:00:03.0,bar0=default,bar2=device-ngnre";
	char got[512];
	size_t i;

	ASSERT_EQ(0, policy_write(good));
	ASSERT_EQ(0, memattr_param_read("policy", got, sizeof(got)));
	ASSERT_STREQ(good, got);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(-EINVAL, policy_write(bad[i])) TH_LOG("\"%s\"", bad[i]);
		ASSERT_EQ(0, memattr_param_read("policy", got, sizeof(got)));
		ASSERT_STREQ(good, got) TH_LOG("after \"%s\"", bad[i]);
	}
	/* What "echo > policy" writes: no rules. */
	ASSERT_EQ(0, policy_write("\n"));
	ASSERT_EQ(0, memattr_param_read("policy", got, sizeof(got)));
	ASSERT_STREQ("", got);
}

FIXTURE(attach_policy) {
	struct attach_state st;
};

FIXTURE_SETUP(attach_policy)
{
	state_setup(_metadata, &self->st);
}

FIXTURE_TEARDOWN_PARENT(attach_policy)
{
	state_teardown(_metadata, &self->st);
}

FIXTURE_VARIANT(attach_policy) {
	const char *driver;
	const char *rule;	/* %s: the BDF, or the subsystem IDs */
	bool subsystem;
};

FIXTURE_VARIANT_ADD(attach_policy, stock_by_address) {
	.driver = STOCK_DRIVER, .rule = "%s,bar2=normal-nc",
};

FIXTURE_VARIANT_ADD(attach_policy, stock_by_id) {
	.driver = STOCK_DRIVER, .rule = "1af4:1110:%s,bar2=normal-nc",
	.subsystem = true,
};

FIXTURE_VARIANT_ADD(attach_policy, variant_by_address) {
	.driver = MEMATTR_DRIVER, .rule = "%s,bar2=normal-nc",
};

/* @fmt's %s: the device's address, or with @subsystem its subsystem IDs. */
static void rule_for(struct __test_metadata *_metadata, const char *fmt,
		     bool subsystem, char *buf, size_t len)
{
	char ids[16];
	unsigned int sv, sd;

	if (!subsystem) {
		snprintf(buf, len, fmt, bdf);
		return;
	}
	ASSERT_EQ(0, pci_sysfs_read_id(bdf, "subsystem_vendor", &sv));
	ASSERT_EQ(0, pci_sysfs_read_id(bdf, "subsystem_device", &sd));
	snprintf(ids, sizeof(ids), "%04x:%04x", sv, sd);
	snprintf(buf, len, fmt, ids);
}

/*
 * The policy is in place before anyone can open the device: bound, then
 * opened at once, with nothing in between, every time. 100 rounds took
 * about 30 s on the debug kernel next to make check's host checks (over
 * the harness's default 30 s once): 120 s.
 */
TEST_F_TIMEOUT(attach_policy, before_first_open, 120)
{
	char rule[128];
	int round;

	rule_for(_metadata, variant->rule, variant->subsystem, rule,
		 sizeof(rule));
	ASSERT_EQ(0, policy_write(rule)) TH_LOG("policy \"%s\"", rule);

	for (round = 0; round < POLICY_ROUNDS; round++) {
		bind(_metadata, variant->driver);
		map_bar2(_metadata, &self->st);
		assert_entry(_metadata, &self->st, NC_ATTR);
		unmap_close(&self->st);
	}
	assert_bar2(_metadata, "normal-nc");
	ASSERT_EQ(0, policy_write("\n"));
	bind(_metadata, variant->driver);
	assert_bar2(_metadata, "default");
}

/* Loads the module with @params; the device's state is the fixture's. */
static void reload(struct __test_metadata *_metadata, const char *params)
{
	int ret;

	if (kmod_loaded(MEMATTR_MODULE))
		ASSERT_EQ(0, kmod_unload(MEMATTR_MODULE));
	ret = kmod_load(getenv(MEMATTR_KO_ENV), params);
	ASSERT_EQ(0, ret) TH_LOG("loading %s \"%s\": %s", MEMATTR_MODULE,
				 params, strerror(-ret));
}

/* A device on vfio-pci before the module loads is attached at load. */
TEST_F(attach, load_bound_before)
{
	char params[160];

	bind(_metadata, STOCK_DRIVER);
	ASSERT_EQ(0, kmod_unload(MEMATTR_MODULE));
	ASSERT_FALSE(memattr_bar_file_exists(bdf, BAR2));
	snprintf(params, sizeof(params), "policy=%s,bar2=normal-nc", bdf);
	reload(_metadata, params);
	assert_bar2(_metadata, "normal-nc");
	map_bar2(_metadata, &self->st);
	assert_entry(_metadata, &self->st, NC_ATTR);
}

static bool is_attached_while_open(const char *msg, void *arg)
{
	return strstr(msg, (const char *)arg) &&
	       strstr(msg, "attached while open");
}

/*
 * Open when the module loads: that open keeps stock's mapping (nothing
 * claimed that it did not get), the next open gets the policy.
 */
TEST_F(attach, load_while_open)
{
	struct vfio_region_info info;
	char params[160];
	int cursor;

	bind(_metadata, STOCK_DRIVER);
	ASSERT_EQ(0, kmod_unload(MEMATTR_MODULE));
	ASSERT_EQ(0, vfio_open_device(bdf, &self->st.dev));
	cursor = kmsg_cursor_open();
	ASSERT_LE(0, cursor);
	snprintf(params, sizeof(params), "policy=%s,bar2=normal-nc", bdf);
	reload(_metadata, params);
	ASSERT_EQ(1, kmsg_cursor_grep(cursor, is_attached_while_open,
				      (void *)bdf));
	close(cursor);
	assert_bar2(_metadata, "normal-nc");
	ASSERT_EQ(1, memattr_module_refcnt());

	/* The open from before the load: stock's mapping. */
	ASSERT_EQ(0, vfio_region_get_info(self->st.dev.device_fd, BAR2, &info));
	self->st.map_len = info.size;
	self->st.map = vfio_region_mmap(self->st.dev.device_fd, &info, 0);
	ASSERT_NE(MAP_FAILED, (void *)self->st.map);
	(void)self->st.map[0];
	assert_entry(_metadata, &self->st, STOCK_ATTR);
	/*
	 * vfio-pci's own mmap, not this module's: on x86 the entry alone
	 * cannot tell, as PAT gives a WC request UC- under the open's UC-
	 * barmap.
	 */
	ASSERT_EQ(0UL, debugfs_mappings());
	unmap_close(&self->st);

	map_bar2(_metadata, &self->st);
	assert_entry(_metadata, &self->st, NC_ATTR);
}

/* vfio-pci removed under an attached, configured device, then back. */
TEST_F(attach, vfio_pci_reload)
{
	const char *ko = getenv(VFIO_PCI_KO_ENV) ?: VFIO_PCI_KO;
	char params[160];

	snprintf(params, sizeof(params), "%s,bar2=device-ngnre", bdf);
	ASSERT_EQ(0, policy_write(params));
	bind(_metadata, STOCK_DRIVER);
	set_bar2(_metadata, "normal-nc");
	ASSERT_EQ(1, memattr_module_refcnt());

	ASSERT_EQ(0, kmod_unload(STOCK_MODULE))
		TH_LOG("rmmod vfio_pci (other devices still on it?)");
	ASSERT_EQ(0, memattr_module_refcnt());
	ASSERT_FALSE(memattr_bar_file_exists(bdf, BAR2));

	ASSERT_EQ(0, kmod_load(ko, ""));
	ASSERT_TRUE(pci_sysfs_driver_has_device(STOCK_DRIVER, bdf))
		TH_LOG("driver_override did not bind it again");
	assert_bar2(_metadata, "device-ngnre");
	map_bar2(_metadata, &self->st);
	assert_entry(_metadata, &self->st, NGNRE_ATTR);
}

/* A dma-buf of BAR2's first page: 0, or -errno. */
static int dma_buf_get(int device_fd)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_dma_buf buf;
		struct vfio_region_dma_range range;
	} req = {
		.hdr.argsz = sizeof(req),
		.hdr.flags = VFIO_DEVICE_FEATURE_GET |
			     VFIO_DEVICE_FEATURE_DMA_BUF,
		.buf.region_index = BAR2,
		.buf.open_flags = O_RDWR | O_CLOEXEC,
		.buf.nr_ranges = 1,
		.range = { .offset = 0, .length = 4096 },
	};
	int fd = ioctl(device_fd, VFIO_DEVICE_FEATURE, &req);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int dma_buf_result(struct __test_metadata *_metadata,
			  struct attach_state *self, const char *driver,
			  const char *value)
{
	int ret;

	bind(_metadata, driver);
	if (value)
		set_bar2(_metadata, value);
	ASSERT_EQ(0, vfio_open_device(bdf, &self->dev));
	ret = dma_buf_get(self->dev.device_fd);
	vfio_dev_close(&self->dev);
	vfio_dev_init(&self->dev);
	if (value)
		set_bar2(_metadata, "default");
	TH_LOG("%s%s%s: %s", driver, value ? " bar2=" : "", value ?: "",
	       ret ? strerror(-ret) : "a dma-buf");
	return ret;
}

TEST_F(attach, dma_buf)
{
	int stock, attached, ours;

	stock = dma_buf_result(_metadata, &self->st, STOCK_DRIVER, NULL);
	if (stock == -ENOTTY || stock == -EINVAL)
		SKIP(return, "this kernel has no VFIO_DEVICE_FEATURE_DMA_BUF (%s)",
		     strerror(-stock));
	attached = dma_buf_result(_metadata, &self->st, STOCK_DRIVER,
				  "normal-nc");
	ASSERT_EQ(stock, attached)
		TH_LOG("attach mode changed the dma-buf export");
	ours = dma_buf_result(_metadata, &self->st, MEMATTR_DRIVER,
			      "normal-nc");
	ASSERT_EQ(stock, ours)
		TH_LOG("%s: %s, stock: %s", MEMATTR_DRIVER,
		       ours ? strerror(-ours) : "a dma-buf",
		       stock ? strerror(-stock) : "a dma-buf");
}

int main(int argc, char *argv[])
{
	bdf = bdf_from_args(&argc, argv);
	if (bdf && !pci_sysfs_device_exists(bdf)) {
		ksft_print_header();
		ksft_exit_fail_msg("%s: no such PCI device\n", bdf);
	}
	return test_harness_run(argc, argv);
}
