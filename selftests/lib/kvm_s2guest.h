/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_KVM_S2GUEST_H
#define MEMATTR_SELFTEST_KVM_S2GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "kvm_btf.h"
#include "kvm_s2trace.h"
#include "kvm_vm.h"

/*
 * A raw-KVM/arm64 guest whose vCPU stores bytes into BAR mappings given to
 * it as memslots, and the stage-2 memory type KVM chose for each, observed
 * with a kprobe event on S2TRACE_FUNC (lib/kvm_s2trace.h) and decoded with
 * the running kernel's BTF.  Used by kvm_stage2_test and memattr-demo.
 */

#define KVM_S2_MAX_BARS		2
#define KVM_S2_DATA_MAX		0x1000	/* bytes stored per BAR */
/* The kprobe event's arguments: parameters 1..4 are in x1..x4. */
#define KVM_S2_FETCHARGS \
	"addr=%x1:x64 size=%x2:x64 phys=%x3:x64 prot=%x4:x64"

/* The stage-2 memory types KVM can choose for a leaf. */
enum kvm_s2_attr {
	KVM_S2_NORMAL,		/* cacheable: what a BAR must never get */
	KVM_S2_DEVICE,		/* Device-nGnRE */
	KVM_S2_NORMAL_NC,
	KVM_S2_BOTH,		/* both bits: not a type */
};

/* This kernel's enum kvm_pgtable_prot, learnt from its BTF. */
struct kvm_s2_kernel {
	struct kbtf btf;
	uint64_t prot_device;
	uint64_t prot_nc;	/* 0: this KVM has no Normal-NC at stage 2 */
};

/* One BAR mapping: the guest stores @data at @off into it. */
struct kvm_s2_bar {
	void *hva;		/* the caller's mmap() of the BAR */
	size_t len;
	uint64_t phys;		/* the BAR's physical address (hva[0]) */
	uint64_t off;
	const char *data;
	size_t data_len;	/* at most KVM_S2_DATA_MAX */
	/* Filled in by kvm_s2_guest_run(). */
	uint64_t ipa;		/* where the guest stored */
	struct s2map_rec leaf;	/* the stage-2 leaf that maps ipa */
	enum kvm_s2_attr attr;
};

struct kvm_s2_guest {
	struct kvm_vm vm;
	void *mem;		/* code, vectors, copy table, data */
};

const char *kvm_s2_unavailable(void);
int kvm_s2_kernel_load(struct kvm_s2_kernel *k);
enum kvm_s2_attr kvm_s2_decode(const struct kvm_s2_kernel *k, uint64_t prot);
const char *kvm_s2_attr_name(enum kvm_s2_attr attr);
const char *kvm_s2_prot_str(const struct kvm_s2_kernel *k, uint64_t prot,
			    char *buf, size_t len);

void kvm_s2_guest_init(struct kvm_s2_guest *g);
/* @trace NULL: store only, without observing the leaves. */
int kvm_s2_guest_run(struct kvm_s2_guest *g, const struct kvm_s2_kernel *k,
		     struct s2trace *trace, struct kvm_s2_bar *bars,
		     unsigned int nr);
int kvm_s2_guest_rerun(struct kvm_s2_guest *g, struct kvm_s2_bar *bars,
		       unsigned int nr);
void kvm_s2_guest_destroy(struct kvm_s2_guest *g);

#endif /* MEMATTR_SELFTEST_KVM_S2GUEST_H */
