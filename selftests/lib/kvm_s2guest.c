// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VM built with the raw KVM API (no VMM): a memslot of normal memory for
 * the guest's code, one memslot per BAR whose userspace_addr is the
 * caller's VFIO mmap() of it, one vCPU.  The guest copies each BAR's bytes
 * into it, then exits with an MMIO store to an IPA without a memslot.
 *
 * The stage-2 attribute is observed, not assumed: the caller's kprobe
 * event on kvm_pgtable_stage2_map() records the IPA, size, physical
 * address and enum kvm_pgtable_prot of every leaf KVM maps, and the bits
 * of that enum are read from the running kernel's BTF (they moved between
 * 6.1, 6.12 and 7.2; KVM_PGTABLE_PROT_NORMAL_NC exists only where KVM can
 * map Normal-NC, since 6.9 with VM_ALLOW_ANY_UNCACHED).
 *
 * All int functions return 0 or a negative errno, and say why on stderr.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_s2guest.h"
#include "log.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * The guest's physical address space.  The BARs sit at 1 GiB boundaries
 * so that KVM may use block mappings where stage 1 has them.
 */
#define CODE_IPA	0x10000000ULL
#define CODE_SIZE	0x10000UL
#define VECTORS_OFF	0x800		/* VBAR_EL1: 2 KiB aligned */
#define TABLE_OFF	0x1000
#define DATA_OFF	0x2000		/* KVM_S2_DATA_MAX per BAR */
#define EXIT_IPA	0xc0000000ULL	/* no memslot: MMIO exit */
#define EXC_IPA		0xc0001000ULL	/* no memslot: guest exception */
#define EXIT_MAGIC	0x656e6f6432732d6bULL	/* "k-s2done" */

static const uint64_t bar_ipa[KVM_S2_MAX_BARS] = {
	0x40000000ULL, 0x80000000ULL
};

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

static const char *const attr_names[] = {
	[KVM_S2_NORMAL] = "Normal (cacheable)",
	[KVM_S2_DEVICE] = "Device-nGnRE",
	[KVM_S2_NORMAL_NC] = "Normal-NC",
	[KVM_S2_BOTH] = "DEVICE|NORMAL_NC",
};

const char *kvm_s2_attr_name(enum kvm_s2_attr attr)
{
	return attr_names[attr];
}

enum kvm_s2_attr kvm_s2_decode(const struct kvm_s2_kernel *k, uint64_t prot)
{
	bool dev = prot & k->prot_device, nc = prot & k->prot_nc;

	if (dev && nc)
		return KVM_S2_BOTH;
	return dev ? KVM_S2_DEVICE : nc ? KVM_S2_NORMAL_NC : KVM_S2_NORMAL;
}

struct prot_names {
	uint64_t prot;
	char *buf;
	size_t len;
};

/* The single-bit enumerators set in a prot, for the log. */
static int add_prot_name(const char *name, uint64_t val, void *arg)
{
	struct prot_names *p = arg;
	size_t used = strlen(p->buf);

	if (!val || (val & (val - 1)) || !(p->prot & val))
		return 0;
	if (!strncmp(name, "KVM_PGTABLE_PROT_", 17))
		name += 17;
	snprintf(p->buf + used, p->len - used, "%s%s", used ? "|" : "", name);
	return 0;
}

const char *kvm_s2_prot_str(const struct kvm_s2_kernel *k, uint64_t prot,
			    char *buf, size_t len)
{
	struct prot_names p = { .prot = prot, .buf = buf, .len = len };

	buf[0] = '\0';
	kbtf_enum_foreach(&k->btf, "kvm_pgtable_prot", add_prot_name, &p);
	return buf;
}

/* Why no stage-2 observation can run here; NULL when it can. */
const char *kvm_s2_unavailable(void)
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

/*
 * The kernel's enum kvm_pgtable_prot, and that parameters 1..4 of the
 * probed function are still the ones KVM_S2_FETCHARGS reads from x1..x4.
 */
int kvm_s2_kernel_load(struct kvm_s2_kernel *k)
{
	static const char *const params[] = { "addr", "size", "phys", "prot" };
	const char *name;
	unsigned int i;
	int ret;

	memset(k, 0, sizeof(*k));
	ret = kbtf_load(&k->btf, KBTF_VMLINUX);
	if (ret)
		return ret;
	for (i = 0; i < 4; i++) {
		ret = kbtf_func_param(&k->btf, S2TRACE_FUNC, i + 1, &name);
		if (ret || strcmp(name, params[i])) {
			lib_log("%s() parameter %u is \"%s\", not %s",
				S2TRACE_FUNC, i + 1, ret ? "?" : name,
				params[i]);
			return -EPROTO;
		}
	}
	ret = kbtf_enum_value(&k->btf, "kvm_pgtable_prot",
			      "KVM_PGTABLE_PROT_DEVICE", &k->prot_device);
	if (ret) {
		lib_log("no KVM_PGTABLE_PROT_DEVICE in BTF");
		return ret;
	}
	ret = kbtf_enum_value(&k->btf, "kvm_pgtable_prot",
			      "KVM_PGTABLE_PROT_NORMAL_NC", &k->prot_nc);
	if (ret == -ENOENT)
		k->prot_nc = 0;
	else if (ret)
		return ret;
	return 0;
}

void kvm_s2_guest_init(struct kvm_s2_guest *g)
{
	kvm_vm_init(&g->vm);
	g->mem = MAP_FAILED;
}

/* The VM first: it maps the guest memory and the BARs. */
void kvm_s2_guest_destroy(struct kvm_s2_guest *g)
{
	kvm_vm_destroy(&g->vm);
	if (g->mem != MAP_FAILED)
		munmap(g->mem, CODE_SIZE);
	g->mem = MAP_FAILED;
}

/* Code, exception vectors, the copy table and each BAR's bytes. */
static int build_guest(struct kvm_s2_guest *g, struct kvm_s2_bar *bars,
		       unsigned int nr)
{
	uint8_t *mem = g->mem;
	uint64_t *table = (uint64_t *)(mem + TABLE_OFF);
	unsigned int i;

	memcpy(mem, guest_code, sizeof(guest_code));
	for (i = 0; i < 16; i++)
		memcpy(mem + VECTORS_OFF + i * 0x80, guest_vector,
		       sizeof(guest_vector));

	for (i = 0; i < nr; i++) {
		struct kvm_s2_bar *b = &bars[i];
		uint64_t src = DATA_OFF + i * KVM_S2_DATA_MAX;

		if (!b->data_len || b->data_len > KVM_S2_DATA_MAX ||
		    b->off > b->len || b->len - b->off < b->data_len) {
			lib_log("BAR %u: %zu bytes at 0x%llx of 0x%zx", i,
				b->data_len, (unsigned long long)b->off,
				b->len);
			return -EINVAL;
		}
		memcpy(mem + src, b->data, b->data_len);
		b->ipa = bar_ipa[i] + b->off;
		*table++ = CODE_IPA + src;
		*table++ = b->ipa;
		*table++ = b->data_len;
	}
	/* The terminating descriptor is already zero. */
	return 0;
}

static int create_vm(struct kvm_s2_guest *g, struct kvm_s2_bar *bars,
		     unsigned int nr)
{
	struct kvm_vm *vm = &g->vm;
	unsigned int i;
	int ret;

	ret = kvm_vm_create(vm);
	if (ret)
		return ret;
	ret = kvm_vm_add_memslot(vm, 0, CODE_IPA, g->mem, CODE_SIZE);
	for (i = 0; !ret && i < nr; i++)
		ret = kvm_vm_add_memslot(vm, 1 + i, bar_ipa[i], bars[i].hva,
					 bars[i].len);
	if (!ret)
		ret = kvm_vm_add_vcpu(vm);
	if (!ret)
		ret = kvm_vm_set_xreg(vm, 5, EXIT_IPA);
	if (!ret)
		ret = kvm_vm_set_xreg(vm, 6, EXIT_MAGIC);
	if (!ret)
		ret = kvm_vm_set_xreg(vm, 8, EXC_IPA);
	if (!ret)
		ret = kvm_vm_set_vbar(vm, CODE_IPA + VECTORS_OFF);
	return ret;
}

static int check_exit(const struct kvm_vm_mmio *mmio)
{
	if (mmio->addr == EXC_IPA) {
		lib_log("guest exception, ESR_EL1 0x%llx",
			(unsigned long long)mmio->data);
		return -EFAULT;
	}
	if (mmio->addr != EXIT_IPA || !mmio->write || mmio->len != 8 ||
	    mmio->data != EXIT_MAGIC) {
		lib_log("unexpected exit: %s of %u bytes at IPA 0x%llx (0x%llx)",
			mmio->write ? "store" : "load", mmio->len,
			(unsigned long long)mmio->addr,
			(unsigned long long)mmio->data);
		return -EPROTO;
	}
	return 0;
}

/*
 * The stage-2 leaf that maps the guest's store into @b: exactly the
 * recorded calls whose range covers its IPA, all with the same prot, each
 * mapping it to the BAR's own physical address.
 */
static int find_leaf(const struct kvm_s2_kernel *k, struct kvm_s2_bar *b,
		     const struct s2map_rec *recs, int nr)
{
	const struct s2map_rec *leaf = NULL;
	int n;

	for (n = 0; n < nr; n++) {
		const struct s2map_rec *r = &recs[n];

		if (b->ipa < r->addr || b->ipa - r->addr >= r->size)
			continue;
		if (r->phys + (b->ipa - r->addr) != b->phys + b->off) {
			lib_log("IPA 0x%llx: leaf at phys 0x%llx, not in the BAR at 0x%llx",
				(unsigned long long)b->ipa,
				(unsigned long long)r->phys,
				(unsigned long long)b->phys);
			return -EPROTO;
		}
		if (leaf && leaf->prot != r->prot) {
			lib_log("IPA 0x%llx mapped twice: prot 0x%llx, then 0x%llx",
				(unsigned long long)b->ipa,
				(unsigned long long)leaf->prot,
				(unsigned long long)r->prot);
			return -EPROTO;
		}
		leaf = r;
	}
	if (!leaf) {
		lib_log("no %s() call for IPA 0x%llx among %d", S2TRACE_FUNC,
			(unsigned long long)b->ipa, nr);
		return -ENOENT;
	}
	b->leaf = *leaf;
	b->attr = kvm_s2_decode(k, leaf->prot);
	return 0;
}

/* Builds the VM on the first call, with the BARs of that call. */
static int build_vm(struct kvm_s2_guest *g, struct kvm_s2_bar *bars,
		    unsigned int nr)
{
	int ret;

	if (!nr || nr > KVM_S2_MAX_BARS)
		return -EINVAL;
	if (g->mem != MAP_FAILED)
		return build_guest(g, bars, nr);
	g->mem = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return lib_errno("mmap guest memory");
	ret = build_guest(g, bars, nr);
	return ret ? ret : create_vm(g, bars, nr);
}

/* The vCPU from the guest's first instruction to its MMIO exit. */
static int run_from_start(struct kvm_s2_guest *g)
{
	struct kvm_vm_mmio mmio;
	int ret;

	ret = kvm_vm_set_xreg(&g->vm, 0, CODE_IPA + TABLE_OFF);
	if (!ret)
		ret = kvm_vm_set_pc(&g->vm, CODE_IPA);
	if (!ret)
		ret = kvm_vm_run_to_mmio(&g->vm, &mmio);
	return ret ? ret : check_exit(&mmio);
}

/*
 * Runs the guest once more with new bytes for the same BARs (the VM and
 * its memslots stay): the stores go through whatever stage 2 KVM has, or
 * builds, for the BAR mappings now.  KVM_RUN fails with -EFAULT when a
 * BAR's stage-2 fault finds no page behind the user mapping (SIGBUS).
 */
int kvm_s2_guest_rerun(struct kvm_s2_guest *g, struct kvm_s2_bar *bars,
		       unsigned int nr)
{
	int ret;

	if (g->mem == MAP_FAILED)
		return -EINVAL;
	ret = build_vm(g, bars, nr);
	if (!ret)
		ret = kvm_vm_complete_exit(&g->vm);
	return ret ? ret : run_from_start(g);
}

/*
 * Builds the VM, runs it to its MMIO exit and fills in each BAR's leaf
 * and attribute.  @trace: started with KVM_S2_FETCHARGS.  The VM stays
 * until kvm_s2_guest_destroy(), so the caller can look at it alive.
 */
int kvm_s2_guest_run(struct kvm_s2_guest *g, const struct kvm_s2_kernel *k,
		     struct s2trace *trace, struct kvm_s2_bar *bars,
		     unsigned int nr)
{
	struct s2map_rec recs[64];
	unsigned int i;
	int ret, n;

	ret = build_vm(g, bars, nr);
	if (!ret && trace)
		ret = s2trace_clear(trace);
	if (!ret)
		ret = run_from_start(g);
	if (ret || !trace)
		return ret;

	n = s2trace_read(trace, recs, ARRAY_SIZE(recs));
	if (n < 0)
		return n;
	for (i = 0; i < nr; i++) {
		ret = find_leaf(k, &bars[i], recs, n);
		if (ret)
			return ret;
	}
	return 0;
}
