// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM/arm64 end to end: the stage-2 memory type KVM installs for a guest's
 * access to a BAR that vfio maps follows the device's memattr/bar2 knob.
 *
 * Each test runs a raw-KVM VM (lib/kvm_s2guest.h) with a memslot whose
 * userspace_addr is a VFIO mmap() of an ivshmem BAR2: its vCPU stores a
 * record into each BAR memslot (lib/kvm_record.h; the host finds it in the
 * backing file), and the stage-2 leaf KVM installed for the store is
 * observed with a kprobe event on kvm_pgtable_stage2_map(), decoded with
 * the running kernel's BTF.
 *
 * Each test runs its VM three times: with the devices on stock vfio-pci
 * (what "default" must match), then bound afresh in the mode
 * MEMATTR_TEST_MODE says (lib/test_mode.h: to memattr-vfio-pci, or to
 * vfio-pci with the knobs of attach mode) with one knob value, then, after
 * the VM is destroyed and the device closed, with another.  Devices:
 * $MEMATTR_BDF (8 MiB BAR2) and, for the two-device test, $MEMATTR_BDF2
 * (1 GiB BAR2, of which 8 MiB are mapped).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "fields.h"
#include "ivshmem_pattern.h"
#include "kvm_record.h"
#include "kvm_s2guest.h"
#include "memattr_sysfs.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "test_devices.h"
#include "test_mode.h"
#include "vfio_group.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define BDF2_ENV	"MEMATTR_BDF2"
#define NR_DEVS		2
#define MAP_MAX		(8UL << 20)

#define NO_NC_REASON \
	"no VM_ALLOW_ANY_UNCACHED on this kernel: stage 2 stays Device"

/* Learnt from the kernel's BTF in main(). */
static struct kvm_s2_kernel kernel;

static const char *bdfs[NR_DEVS];
static const char *token;
static const char *skip_reason;

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

/* What the driver's debugfs says stage 2 will be, as an s2_attr. */
static int debugfs_attr(const char *stage2)
{
	if (!strcmp(stage2, "normal-nc-allowed"))
		return KVM_S2_NORMAL_NC;
	if (!strcmp(stage2, "device") ||
	    !strcmp(stage2, "unsupported-on-this-kernel"))
		return KVM_S2_DEVICE;
	return -1;
}

struct s2_dev {
	const char *bdf;
	struct pci_sysfs_state saved;
	bool saved_valid;
	struct vfio_dev vfio;
	volatile uint8_t *bar;
	size_t map_len;
	uint64_t bar_phys;
};

/* The devices, the probe and the VM of one test. */
struct s2_vm {
	unsigned int nr_devs;
	struct s2_dev dev[NR_DEVS];
	struct s2trace trace;
	struct kvm_s2_guest guest;
};

FIXTURE(kvm_s2) {
	pid_t test_pid;		/* the process that owns vm, vfio and maps */
	struct s2_vm s;
};

/*
 * values[i][d]: the knob of device d in memattr iteration i (after the
 * stock vfio-pci run); values[i][1] NULL: one device.  slot: the first of
 * the variant's three record slots.
 */
FIXTURE_VARIANT(kvm_s2) {
	const char *values[2][NR_DEVS];
	unsigned int slot;
};

FIXTURE_VARIANT_ADD(kvm_s2, default) {
	.values = { { "default" }, { "device-ngnrne" } },
	.slot = 0,
};

FIXTURE_VARIANT_ADD(kvm_s2, device_ngnrne) {
	.values = { { "device-ngnrne" }, { "device-ngnre" } },
	.slot = 3,
};

FIXTURE_VARIANT_ADD(kvm_s2, device_ngnre) {
	.values = { { "device-ngnre" }, { "default" } },
	.slot = 6,
};

FIXTURE_VARIANT_ADD(kvm_s2, normal_nc) {
	.values = { { "normal-nc" }, { "device-ngnre" } },
	.slot = 9,
};

/* The case a per-VM switch cannot express; swapped in the second run. */
FIXTURE_VARIANT_ADD(kvm_s2, two_devices) {
	.values = { { "normal-nc", "device-ngnre" },
		    { "device-ngnre", "normal-nc" } },
	.slot = 12,
};

FIXTURE_SETUP(kvm_s2)
{
	struct s2_vm *s = &self->s;
	unsigned int i;

	self->test_pid = getpid();
	s2trace_init(&s->trace);
	kvm_s2_guest_init(&s->guest);
	s->nr_devs = variant->values[0][1] ? 2 : 1;
	for (i = 0; i < NR_DEVS; i++) {
		vfio_dev_init(&s->dev[i].vfio);
		s->dev[i].bar = MAP_FAILED;
		s->dev[i].saved_valid = false;
	}

	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	if (s->nr_devs > 1 && !bdfs[1])
		SKIP(return, "no second device: set %s", BDF2_ENV);

	for (i = 0; i < s->nr_devs; i++) {
		s->dev[i].bdf = bdfs[i];
		ASSERT_EQ(0, pci_sysfs_save(bdfs[i], &s->dev[i].saved));
		s->dev[i].saved_valid = true;
	}
}

/* Everything a VM run holds, VM first: it maps the BARs. */
static void release_run(struct s2_vm *s)
{
	unsigned int i;

	kvm_s2_guest_destroy(&s->guest);
	for (i = 0; i < NR_DEVS; i++) {
		struct s2_dev *d = &s->dev[i];

		if (d->bar != MAP_FAILED)
			munmap((void *)d->bar, d->map_len);
		d->bar = MAP_FAILED;
		vfio_dev_close(&d->vfio);
	}
}

/*
 * A _PARENT teardown, as in memattr_bind_test: it also runs when the test
 * process died, whose exit closed the VM and the devices.  The 6.12
 * harness may run it in the test process itself after a failed ASSERT:
 * then release first, as an unbind waits until the device is not in use.
 */
FIXTURE_TEARDOWN_PARENT(kvm_s2)
{
	struct s2_vm *s = &self->s;
	unsigned int i;
	int ret;

	if (getpid() == self->test_pid)
		release_run(s);

	for (i = 0; i < NR_DEVS; i++) {
		struct s2_dev *d = &s->dev[i];

		if (!d->saved_valid)
			continue;
		/*
		 * Braces: after a failed ASSERT the harness's log trigger is
		 * still set, and would print the TH_LOG of a passing EXPECT.
		 */
		ret = test_devices_restore_one(d->bdf, &d->saved);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("restoring %s to \"%s\": %s",
						 d->bdf, d->saved.driver,
						 strerror(-ret));
		}
	}
	s2trace_stop(&s->trace);
}

static void put_bytes(volatile uint8_t *dst, const void *src, size_t len)
{
	const uint8_t *s = src;

	while (len--)
		*dst++ = *s++;
}

/*
 * Opens the device through the VFIO group API, maps the start of BAR2,
 * and marks record slot @slot as used: header written, payload cleared.
 */
static void open_dev(struct __test_metadata *_metadata, struct s2_dev *d,
		     unsigned int slot)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	struct vfio_region_info rinfo;
	volatile uint8_t *rec;
	size_t i;

	ASSERT_EQ(0, pci_bars_read(d->bdf, bars));
	ASSERT_EQ(PCI_BAR_MEM, bars[IVSHMEM_SHMEM_BAR].kind);
	d->bar_phys = bars[IVSHMEM_SHMEM_BAR].start;

	ASSERT_EQ(0, vfio_group_open_device(d->bdf, &d->vfio));
	ASSERT_EQ(0, vfio_region_get_info(d->vfio.device_fd,
					  IVSHMEM_SHMEM_BAR, &rinfo));
	ASSERT_GE(rinfo.size, (__u64)KVM_RECORD_END);
	d->map_len = rinfo.size < MAP_MAX ? rinfo.size : MAP_MAX;
	d->bar = vfio_region_mmap(d->vfio.device_fd, &rinfo, d->map_len);
	ASSERT_NE(MAP_FAILED, d->bar);

	rec = d->bar + KVM_RECORD_OFFSET + slot * KVM_RECORD_SLOT_SIZE;
	for (i = 0; i < KVM_RECORD_SLOT_SIZE; i++)
		rec[i] = 0;
	if (token)
		put_bytes(rec, KVM_RECORD_HEADER, KVM_RECORD_HEADER_LEN);
}

static void payload(unsigned int slot, char *buf, size_t len)
{
	snprintf(buf, len, "s2:%u:%s", slot, token ? token : "-");
}

/* The driver's own account must agree with what KVM did. */
static void check_debugfs(struct __test_metadata *_metadata,
			  const struct s2_dev *d, enum kvm_s2_attr got)
{
	char line[512], stage2[64];
	int ret;

	ret = memattr_debugfs_bar_line(d->bdf, IVSHMEM_SHMEM_BAR, line,
				       sizeof(line));
	if (ret) {
		TH_LOG("%s: no debugfs line for bar2 (%s): not compared",
		       d->bdf, strerror(-ret));
		return;
	}
	ASSERT_EQ(0, field_get(line, "stage2", stage2, sizeof(stage2)))
		TH_LOG("no stage2= in \"%s\"", line);
	ASSERT_EQ((int)got, debugfs_attr(stage2))
		TH_LOG("%s: debugfs says stage2=%s, KVM mapped %s", d->bdf,
		       stage2, kvm_s2_attr_name(got));
}

/*
 * One VM run with every device as it is bound now: open and map them,
 * run the guest to its MMIO exit, read what KVM mapped, read the records
 * back, destroy the VM, close the devices.  @got[i]: device i's attribute.
 */
static void run_vm(struct __test_metadata *_metadata, struct s2_vm *s,
		   unsigned int slot, bool memattr,
		   enum kvm_s2_attr got[NR_DEVS])
{
	uint64_t off = KVM_RECORD_OFFSET + slot * KVM_RECORD_SLOT_SIZE +
		       KVM_RECORD_PAYLOAD;
	struct kvm_s2_bar bars[NR_DEVS];
	char want[KVM_RECORD_PAYLOAD_MAX], names[160];
	unsigned int i;
	size_t j;

	for (i = 0; i < s->nr_devs; i++)
		open_dev(_metadata, &s->dev[i], slot);

	payload(slot, want, sizeof(want));
	memset(bars, 0, sizeof(bars));
	for (i = 0; i < s->nr_devs; i++) {
		bars[i].hva = (void *)s->dev[i].bar;
		bars[i].len = s->dev[i].map_len;
		bars[i].phys = s->dev[i].bar_phys;
		bars[i].off = off;
		bars[i].data = want;
		bars[i].data_len = strlen(want);
	}
	ASSERT_EQ(0, kvm_s2_guest_run(&s->guest, &kernel, &s->trace, bars,
				      s->nr_devs));
	ASSERT_TRUE(kvm_vm_debugfs_exists(&s->guest.vm))
		TH_LOG("no %s while the VM exists", s->guest.vm.debugfs);

	for (i = 0; i < s->nr_devs; i++) {
		const struct s2map_rec *r = &bars[i].leaf;

		TH_LOG("%s: stage 2 map IPA 0x%llx size 0x%llx phys 0x%llx prot 0x%llx (%s)",
		       s->dev[i].bdf, (unsigned long long)r->addr,
		       (unsigned long long)r->size,
		       (unsigned long long)r->phys,
		       (unsigned long long)r->prot,
		       kvm_s2_prot_str(&kernel, r->prot, names,
				       sizeof(names)));
		got[i] = bars[i].attr;
		TH_LOG("%s: KVM mapped the BAR %s at stage 2", s->dev[i].bdf,
		       kvm_s2_attr_name(got[i]));
	}

	/* The guest's bytes, read back through the host's own mapping. */
	for (i = 0; i < s->nr_devs; i++) {
		volatile uint8_t *rec = s->dev[i].bar + off;

		for (j = 0; j < strlen(want); j++)
			ASSERT_EQ((uint8_t)want[j], rec[j])
				TH_LOG("%s: record byte %zu", s->dev[i].bdf,
				       j);
		if (!memattr)
			continue;
		check_debugfs(_metadata, &s->dev[i], got[i]);
		/* Not while the VM can reach the BAR: the device is open. */
		ASSERT_EQ(-EBUSY, memattr_bar_write(s->dev[i].bdf,
						    IVSHMEM_SHMEM_BAR,
						    "default"));
	}

	/* Destroyed, not just closed: its debugfs directory is gone. */
	kvm_s2_guest_destroy(&s->guest);
	ASSERT_FALSE(kvm_vm_debugfs_exists(&s->guest.vm))
		TH_LOG("%s still there after the last close",
		       s->guest.vm.debugfs);
	release_run(s);
}

/* Afresh: in attach mode both runs are on vfio-pci. */
static void bind_all(struct __test_metadata *_metadata, struct s2_vm *s,
		     const char *driver)
{
	unsigned int i;

	for (i = 0; i < s->nr_devs; i++) {
		ASSERT_EQ(0, pci_sysfs_unbind(s->dev[i].bdf));
		test_devices_bind(_metadata, s->dev[i].bdf, driver);
	}
}

TEST_F_TIMEOUT(kvm_s2, guest_store, 120)
{
	struct s2_vm *s = &self->s;
	enum kvm_s2_attr stock[NR_DEVS], got[NR_DEVS];
	char active[MEMATTR_VALUE_MAX];
	bool no_nc = false;
	unsigned int it, i;

	TH_LOG("this kernel's kvm_pgtable_prot: DEVICE 0x%llx, NORMAL_NC %s",
	       (unsigned long long)kernel.prot_device,
	       kernel.prot_nc ? "present" : "absent");
	ASSERT_EQ(0, s2trace_start(&s->trace, KVM_S2_FETCHARGS))
		TH_LOG("cannot put a kprobe event on %s()", S2TRACE_FUNC);

	/* The reference: what this kernel does with stock vfio-pci. */
	bind_all(_metadata, s, STOCK_DRIVER);
	run_vm(_metadata, s, variant->slot, false, stock);
	for (i = 0; i < s->nr_devs; i++) {
		TH_LOG("%s: stock %s: %s", s->dev[i].bdf, STOCK_DRIVER,
		       kvm_s2_attr_name(stock[i]));
		ASSERT_TRUE(stock[i] == KVM_S2_DEVICE ||
			    stock[i] == KVM_S2_NORMAL_NC);
		if (stock[i] == KVM_S2_NORMAL_NC)
			ASSERT_NE(0ULL, kernel.prot_nc);
	}

	bind_all(_metadata, s, test_mode_driver());
	for (i = 0; i < s->nr_devs; i++)
		if (!memattr_bar_file_exists(s->dev[i].bdf,
					     IVSHMEM_SHMEM_BAR))
			SKIP(return, "%s: no memattr/bar%u knob in this driver",
			     s->dev[i].bdf, IVSHMEM_SHMEM_BAR);

	for (it = 0; it < 2; it++) {
		const char *const *values = variant->values[it];

		/* Every device is closed here: the knob must take it. */
		for (i = 0; i < s->nr_devs; i++) {
			ASSERT_EQ(0, memattr_bar_write(s->dev[i].bdf,
						       IVSHMEM_SHMEM_BAR,
						       values[i]));
			ASSERT_EQ(0, memattr_bar_active(s->dev[i].bdf,
							IVSHMEM_SHMEM_BAR,
							active,
							sizeof(active)));
			ASSERT_STREQ(values[i], active);
		}

		run_vm(_metadata, s, variant->slot + 1 + it, true, got);

		for (i = 0; i < s->nr_devs; i++) {
			enum kvm_s2_attr want = expected_attr(values[i],
							      stock[i]);

			TH_LOG("%s: bar2=%s: %s, expected %s",
			       s->dev[i].bdf, values[i],
			       kvm_s2_attr_name(got[i]),
			       kvm_s2_attr_name(want));
			ASSERT_EQ(want, got[i]);
			if (!strcmp(values[i], "normal-nc") && !kernel.prot_nc)
				no_nc = true;
		}
		if (s->nr_devs > 1 && kernel.prot_nc)
			ASSERT_NE(got[0], got[1])
				TH_LOG("two devices, two values, one attribute");
	}

	if (no_nc)
		SKIP(return, NO_NC_REASON);
}

int main(int argc, char *argv[])
{
	test_mode_init();
	bdfs[0] = bdf_from_args(&argc, argv);
	bdfs[1] = getenv(BDF2_ENV);
	token = getenv(IVSHMEM_TOKEN_ENV);

	if (!bdfs[0]) {
		ksft_print_header();
		ksft_exit_skip("no device: set %s=DDDD:BB:DD.F or pass it as the last argument\n",
			       BDF_ENV);
	}
	if (!bdf_valid(bdfs[0]) || (bdfs[1] && !bdf_valid(bdfs[1]))) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\" %s=\"%s\": not PCI addresses DDDD:BB:DD.F\n",
				   BDF_ENV, bdfs[0], BDF2_ENV,
				   bdfs[1] ? bdfs[1] : "");
	}
	if (token && (!ivshmem_token_valid(token) ||
		      strlen(token) + 8 > KVM_RECORD_PAYLOAD_MAX)) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\" is not a short hex string\n",
				   IVSHMEM_TOKEN_ENV, token);
	}

	/* Every test reports the skip, so that the lane counts them. */
	skip_reason = kvm_s2_unavailable();
	if (!skip_reason && kvm_s2_kernel_load(&kernel)) {
		ksft_print_header();
		ksft_exit_fail_msg("cannot read %s() and kvm_pgtable_prot from %s\n",
				   S2TRACE_FUNC, KBTF_VMLINUX);
	}

	return test_harness_run(argc, argv);
}
