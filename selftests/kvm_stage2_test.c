// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM/arm64 end to end: the stage-2 memory type KVM installs for a guest's
 * access to a BAR that vfio maps follows the device's memattr/bar2 knob.
 *
 * Each test builds a VM with the raw KVM API (no VMM): a memslot whose
 * userspace_addr is a VFIO mmap() of an ivshmem BAR2, one of normal memory
 * for the guest's code, one vCPU.  The guest stores a record into each BAR
 * memslot (lib/kvm_record.h; the host finds it in the backing file), then
 * exits with an MMIO store to an IPA without a memslot.
 *
 * The stage-2 attribute is observed, not assumed: a kprobe event on
 * kvm_pgtable_stage2_map() records the IPA, size, physical address and
 * enum kvm_pgtable_prot of every leaf KVM maps, and the bits of that enum
 * are read from the running kernel's BTF (they moved between 6.1, 6.12 and
 * 7.2; KVM_PGTABLE_PROT_NORMAL_NC exists only where KVM can map
 * Normal-NC, since 6.9 with VM_ALLOW_ANY_UNCACHED).
 *
 * Each test runs its VM three times: with the devices on stock vfio-pci
 * (what "default" must match), then on memattr-vfio-pci with one knob
 * value, then, after the VM is destroyed and the device closed, with
 * another.  Devices: $MEMATTR_BDF (8 MiB BAR2) and, for the two-device
 * test, $MEMATTR_BDF2 (1 GiB BAR2, of which 8 MiB are mapped).
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
#include "kvm_btf.h"
#include "kvm_record.h"
#include "kvm_s2trace.h"
#include "kvm_vm.h"
#include "memattr_sysfs.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "vfio_group.h"
#include "vfio_region.h"

#define STOCK_DRIVER	"vfio-pci"
#define BDF2_ENV	"MEMATTR_BDF2"
#define NR_DEVS		2
#define MAP_MAX		(8UL << 20)

#define NO_NC_REASON \
	"no VM_ALLOW_ANY_UNCACHED on this kernel: stage 2 stays Device"

/*
 * The guest's physical address space.  The BARs sit at 1 GiB boundaries
 * so that KVM may use block mappings where stage 1 has them.
 */
#define CODE_IPA	0x10000000ULL
#define CODE_SIZE	0x10000UL
#define VECTORS_OFF	0x800		/* VBAR_EL1: 2 KiB aligned */
#define TABLE_OFF	0x1000
#define PAYLOAD_OFF	0x2000
#define EXIT_IPA	0xc0000000ULL	/* no memslot: MMIO exit */
#define EXC_IPA		0xc0001000ULL	/* no memslot: guest exception */
#define EXIT_MAGIC	0x656e6f6432732d6bULL	/* "k-s2done" */

static const uint64_t bar_ipa[NR_DEVS] = { 0x40000000ULL, 0x80000000ULL };

/*
 * The guest, hand-assembled (aarch64-linux-gnu-as, then objdump -d).
 * x0: a table of {src, dst, len} descriptors, len 0 ends it; x5: EXIT_IPA;
 * x6: EXIT_MAGIC; x8: EXC_IPA.  Byte stores only: with the guest's MMU
 * off its data accesses are Device memory, where wider ones must be
 * aligned.  str (no writeback) so that the abort syndrome is valid and
 * KVM can hand the access to user space as KVM_EXIT_MMIO.
 */
static const uint32_t guest_code[] = {
	0xa8c10801,	/* 0x00 copy: ldp  x1, x2, [x0], #16 */
	0xf8408403,	/* 0x04       ldr  x3, [x0], #8 */
	0xb40000c3,	/* 0x08       cbz  x3, done */
	0x38401424,	/* 0x0c byte: ldrb w4, [x1], #1 */
	0x38001444,	/* 0x10       strb w4, [x2], #1 */
	0xf1000463,	/* 0x14       subs x3, x3, #1 */
	0x54ffffa1,	/* 0x18       b.ne byte */
	0x17fffff9,	/* 0x1c       b    copy */
	0xd5033f9f,	/* 0x20 done: dsb  sy */
	0xf90000a6,	/* 0x24       str  x6, [x5] */
	0x14000000,	/* 0x28       b    . */
};

/* Each of the 16 exception vectors: report ESR_EL1 at EXC_IPA. */
static const uint32_t guest_vector[] = {
	0xd5385207,	/* mrs  x7, esr_el1 */
	0xf9000107,	/* str  x7, [x8] */
	0x14000000,	/* b    . */
};

/* The stage-2 memory types KVM can choose for a leaf. */
enum s2_attr {
	S2_NORMAL,	/* cacheable: what a BAR must never get */
	S2_DEVICE,	/* Device-nGnRE */
	S2_NORMAL_NC,
	S2_BOTH,	/* both bits: not a type */
};

static const char *const s2_attr_names[] = {
	[S2_NORMAL] = "Normal (cacheable)",
	[S2_DEVICE] = "Device-nGnRE",
	[S2_NORMAL_NC] = "Normal-NC",
	[S2_BOTH] = "DEVICE|NORMAL_NC",
};

/* Learnt from the kernel's BTF in main(). */
static struct kbtf btf;
static uint64_t prot_device, prot_nc;	/* prot_nc 0: KVM has no Normal-NC */

static const char *bdfs[NR_DEVS];
static const char *token;
static const char *skip_reason;

static enum s2_attr s2_decode(uint64_t prot)
{
	bool dev = prot & prot_device, nc = prot & prot_nc;

	if (dev && nc)
		return S2_BOTH;
	return dev ? S2_DEVICE : nc ? S2_NORMAL_NC : S2_NORMAL;
}

struct prot_names {
	uint64_t prot;
	char buf[160];
};

/* The single-bit enumerators set in a prot, for the log. */
static int add_prot_name(const char *name, uint64_t val, void *arg)
{
	struct prot_names *p = arg;
	size_t len = strlen(p->buf);

	if (!val || (val & (val - 1)) || !(p->prot & val))
		return 0;
	if (!strncmp(name, "KVM_PGTABLE_PROT_", 17))
		name += 17;
	snprintf(p->buf + len, sizeof(p->buf) - len, "%s%s", len ? "|" : "",
		 name);
	return 0;
}

static const char *prot_str(struct prot_names *p, uint64_t prot)
{
	p->prot = prot;
	p->buf[0] = '\0';
	kbtf_enum_foreach(&btf, "kvm_pgtable_prot", add_prot_name, p);
	return p->buf;
}

/* What KVM must map for a knob value, given what stock vfio-pci got. */
static enum s2_attr expected_attr(const char *value, enum s2_attr stock)
{
	if (!strcmp(value, "default"))
		return stock;
	if (!strcmp(value, "normal-nc"))
		return prot_nc ? S2_NORMAL_NC : S2_DEVICE;
	return S2_DEVICE;
}

/* What the driver's debugfs says stage 2 will be, as an s2_attr. */
static int debugfs_attr(const char *stage2)
{
	if (!strcmp(stage2, "normal-nc-allowed"))
		return S2_NORMAL_NC;
	if (!strcmp(stage2, "device") ||
	    !strcmp(stage2, "unsupported-on-this-kernel"))
		return S2_DEVICE;
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
	struct kvm_vm vm;
	void *guest_mem;
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
	kvm_vm_init(&s->vm);
	s->guest_mem = MAP_FAILED;
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

	kvm_vm_destroy(&s->vm);
	if (s->guest_mem != MAP_FAILED)
		munmap(s->guest_mem, CODE_SIZE);
	s->guest_mem = MAP_FAILED;
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
		ret = pci_sysfs_restore(d->bdf, &d->saved);
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

/* Code, exception vectors, the copy table and the payloads. */
static void build_guest(struct s2_vm *s, unsigned int slot)
{
	uint8_t *mem = s->guest_mem;
	uint64_t *table = (uint64_t *)(mem + TABLE_OFF);
	char *src = (char *)(mem + PAYLOAD_OFF);
	unsigned int i;

	memset(mem, 0, CODE_SIZE);
	memcpy(mem, guest_code, sizeof(guest_code));
	for (i = 0; i < 16; i++)
		memcpy(mem + VECTORS_OFF + i * 0x80, guest_vector,
		       sizeof(guest_vector));

	payload(slot, src, KVM_RECORD_PAYLOAD_MAX);
	for (i = 0; i < s->nr_devs; i++) {
		*table++ = CODE_IPA + PAYLOAD_OFF;
		*table++ = bar_ipa[i] + KVM_RECORD_OFFSET +
			   slot * KVM_RECORD_SLOT_SIZE + KVM_RECORD_PAYLOAD;
		*table++ = strlen(src);
	}
	*table++ = 0;
	*table++ = 0;
	*table = 0;
}

/*
 * The stage-2 attribute of the leaf that maps the guest's store to device
 * @i: exactly the recorded calls whose range covers the IPA, all with the
 * same prot, each mapping it to the BAR's own physical address.
 */
static enum s2_attr observed_attr(struct __test_metadata *_metadata,
				  struct s2_vm *s, unsigned int i,
				  const struct s2map_rec *recs, int nr,
				  unsigned int slot)
{
	uint64_t off = KVM_RECORD_OFFSET + slot * KVM_RECORD_SLOT_SIZE;
	uint64_t ipa = bar_ipa[i] + off;
	struct prot_names names;
	const struct s2map_rec *leaf = NULL;
	int n;

	for (n = 0; n < nr; n++) {
		const struct s2map_rec *r = &recs[n];

		if (ipa < r->addr || ipa - r->addr >= r->size)
			continue;
		TH_LOG("%s: stage 2 map IPA 0x%llx size 0x%llx phys 0x%llx prot 0x%llx (%s)",
		       s->dev[i].bdf, (unsigned long long)r->addr,
		       (unsigned long long)r->size,
		       (unsigned long long)r->phys,
		       (unsigned long long)r->prot, prot_str(&names, r->prot));
		ASSERT_EQ(s->dev[i].bar_phys + off, r->phys + (ipa - r->addr))
			TH_LOG("the leaf does not map the BAR at 0x%llx",
			       (unsigned long long)s->dev[i].bar_phys);
		if (leaf)
			ASSERT_EQ(leaf->prot, r->prot);
		leaf = r;
	}
	ASSERT_NE(NULL, leaf) TH_LOG("no %s() call for IPA 0x%llx among %d",
				     S2TRACE_FUNC, (unsigned long long)ipa,
				     nr);
	return s2_decode(leaf->prot);
}

/* The driver's own account must agree with what KVM did. */
static void check_debugfs(struct __test_metadata *_metadata,
			  const struct s2_dev *d, enum s2_attr got)
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
		       stage2, s2_attr_names[got]);
}

/*
 * One VM run with every device as it is bound now: open and map them,
 * run the guest to its MMIO exit, read what KVM mapped, read the records
 * back, destroy the VM, close the devices.  @got[i]: device i's attribute.
 */
static void run_vm(struct __test_metadata *_metadata, struct s2_vm *s,
		   unsigned int slot, bool memattr, enum s2_attr got[NR_DEVS])
{
	struct s2map_rec recs[64];
	struct kvm_vm_mmio mmio;
	char want[KVM_RECORD_PAYLOAD_MAX];
	unsigned int i;
	size_t j;
	int nr;

	for (i = 0; i < s->nr_devs; i++)
		open_dev(_metadata, &s->dev[i], slot);

	s->guest_mem = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s->guest_mem);
	build_guest(s, slot);

	ASSERT_EQ(0, kvm_vm_create(&s->vm));
	ASSERT_TRUE(kvm_vm_debugfs_exists(&s->vm))
		TH_LOG("no %s after KVM_CREATE_VM", s->vm.debugfs);
	ASSERT_EQ(0, kvm_vm_add_memslot(&s->vm, 0, CODE_IPA,
					s->guest_mem, CODE_SIZE));
	for (i = 0; i < s->nr_devs; i++)
		ASSERT_EQ(0, kvm_vm_add_memslot(&s->vm, 1 + i, bar_ipa[i],
						(void *)s->dev[i].bar,
						s->dev[i].map_len));
	ASSERT_EQ(0, kvm_vm_add_vcpu(&s->vm));
	ASSERT_EQ(0, kvm_vm_set_xreg(&s->vm, 0, CODE_IPA + TABLE_OFF));
	ASSERT_EQ(0, kvm_vm_set_xreg(&s->vm, 5, EXIT_IPA));
	ASSERT_EQ(0, kvm_vm_set_xreg(&s->vm, 6, EXIT_MAGIC));
	ASSERT_EQ(0, kvm_vm_set_xreg(&s->vm, 8, EXC_IPA));
	ASSERT_EQ(0, kvm_vm_set_vbar(&s->vm, CODE_IPA + VECTORS_OFF));
	ASSERT_EQ(0, kvm_vm_set_pc(&s->vm, CODE_IPA));

	ASSERT_EQ(0, s2trace_clear(&s->trace));
	ASSERT_EQ(0, kvm_vm_run_to_mmio(&s->vm, &mmio));
	ASSERT_NE(EXC_IPA, mmio.addr)
		TH_LOG("guest exception, ESR_EL1 0x%llx",
		       (unsigned long long)mmio.data);
	ASSERT_EQ(EXIT_IPA, mmio.addr);
	ASSERT_TRUE(mmio.write);
	ASSERT_EQ(8U, mmio.len);
	ASSERT_EQ(EXIT_MAGIC, mmio.data);

	nr = s2trace_read(&s->trace, recs, ARRAY_SIZE(recs));
	ASSERT_LE(0, nr);
	for (i = 0; i < s->nr_devs; i++) {
		got[i] = observed_attr(_metadata, s, i, recs, nr, slot);
		TH_LOG("%s: KVM mapped the BAR %s at stage 2", s->dev[i].bdf,
		       s2_attr_names[got[i]]);
	}

	/* The guest's bytes, read back through the host's own mapping. */
	payload(slot, want, sizeof(want));
	for (i = 0; i < s->nr_devs; i++) {
		volatile uint8_t *rec = s->dev[i].bar + KVM_RECORD_OFFSET +
					slot * KVM_RECORD_SLOT_SIZE +
					KVM_RECORD_PAYLOAD;

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
	kvm_vm_destroy(&s->vm);
	ASSERT_FALSE(kvm_vm_debugfs_exists(&s->vm))
		TH_LOG("%s still there after the last close", s->vm.debugfs);
	release_run(s);
}

static void bind_all(struct __test_metadata *_metadata, struct s2_vm *s,
		     const char *driver)
{
	unsigned int i;
	int ret;

	for (i = 0; i < s->nr_devs; i++) {
		ret = pci_sysfs_bind_override(s->dev[i].bdf, driver);
		ASSERT_EQ(0, ret) TH_LOG("binding %s to %s: %s",
					 s->dev[i].bdf, driver,
					 strerror(-ret));
	}
}

TEST_F_TIMEOUT(kvm_s2, guest_store, 120)
{
	struct s2_vm *s = &self->s;
	enum s2_attr stock[NR_DEVS], got[NR_DEVS];
	char active[MEMATTR_VALUE_MAX];
	bool no_nc = false;
	unsigned int it, i;

	TH_LOG("this kernel's kvm_pgtable_prot: DEVICE 0x%llx, NORMAL_NC %s",
	       (unsigned long long)prot_device,
	       prot_nc ? "present" : "absent");
	ASSERT_EQ(0, s2trace_start(&s->trace,
				   "addr=%x1:x64 size=%x2:x64 phys=%x3:x64 prot=%x4:x64"))
		TH_LOG("cannot put a kprobe event on %s()", S2TRACE_FUNC);

	/* The reference: what this kernel does with stock vfio-pci. */
	bind_all(_metadata, s, STOCK_DRIVER);
	run_vm(_metadata, s, variant->slot, false, stock);
	for (i = 0; i < s->nr_devs; i++) {
		TH_LOG("%s: stock %s: %s", s->dev[i].bdf, STOCK_DRIVER,
		       s2_attr_names[stock[i]]);
		ASSERT_TRUE(stock[i] == S2_DEVICE || stock[i] == S2_NORMAL_NC);
		if (stock[i] == S2_NORMAL_NC)
			ASSERT_NE(0ULL, prot_nc);
	}

	bind_all(_metadata, s, MEMATTR_DRIVER);
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
			enum s2_attr want = expected_attr(values[i], stock[i]);

			TH_LOG("%s: bar2=%s: %s, expected %s",
			       s->dev[i].bdf, values[i],
			       s2_attr_names[got[i]], s2_attr_names[want]);
			ASSERT_EQ(want, got[i]);
			if (!strcmp(values[i], "normal-nc") && !prot_nc)
				no_nc = true;
		}
		if (s->nr_devs > 1 && prot_nc)
			ASSERT_NE(got[0], got[1])
				TH_LOG("two devices, two values, one attribute");
	}

	if (no_nc)
		SKIP(return, NO_NC_REASON);
}

/*
 * The kernel's enum kvm_pgtable_prot, and that parameters 1..4 of the
 * probed function are still the ones the kprobe event reads from x1..x4.
 */
static int learn_kernel(void)
{
	static const char *const params[] = { "addr", "size", "phys", "prot" };
	const char *name;
	unsigned int i;
	int ret;

	ret = kbtf_load(&btf, KBTF_VMLINUX);
	if (ret)
		return ret;
	for (i = 0; i < 4; i++) {
		ret = kbtf_func_param(&btf, S2TRACE_FUNC, i + 1, &name);
		if (ret || strcmp(name, params[i])) {
			ksft_print_msg("%s() parameter %u is \"%s\", not %s\n",
				       S2TRACE_FUNC, i + 1, ret ? "?" : name,
				       params[i]);
			return -EPROTO;
		}
	}
	ret = kbtf_enum_value(&btf, "kvm_pgtable_prot",
			      "KVM_PGTABLE_PROT_DEVICE", &prot_device);
	if (ret) {
		ksft_print_msg("no KVM_PGTABLE_PROT_DEVICE in BTF\n");
		return ret;
	}
	ret = kbtf_enum_value(&btf, "kvm_pgtable_prot",
			      "KVM_PGTABLE_PROT_NORMAL_NC", &prot_nc);
	if (ret == -ENOENT)
		prot_nc = 0;
	else if (ret)
		return ret;
	return 0;
}

/* Why no test can run here; NULL when they can. */
static const char *why_not(void)
{
#ifndef __aarch64__
	return "KVM/arm64 only";
#endif
	if (access(KVM_DEV_PATH, F_OK))
		return "no " KVM_DEV_PATH ": kernel not at EL2 or without KVM";
	if (access(KBTF_VMLINUX, F_OK))
		return "no " KBTF_VMLINUX ": cannot decode kvm_pgtable_prot without BTF";
	return NULL;
}

int main(int argc, char *argv[])
{
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
	skip_reason = why_not();
	if (!skip_reason && learn_kernel()) {
		ksft_print_header();
		ksft_exit_fail_msg("cannot read %s() and kvm_pgtable_prot from %s\n",
				   S2TRACE_FUNC, KBTF_VMLINUX);
	}

	return test_harness_run(argc, argv);
}
