/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_KVM_S2TRACE_H
#define MEMATTR_SELFTEST_KVM_S2TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The function whose arguments are recorded, and its parameters 1..4. */
#define S2TRACE_FUNC		"kvm_pgtable_stage2_map"
#define S2TRACE_GROUP		"memattr_kvm"
#define S2TRACE_EVENT		"s2map"
#define S2TRACE_INSTANCE	"memattr_kvm"

/*
 * A kprobe event on S2TRACE_FUNC, enabled in a trace instance of its own
 * so that the global trace buffer is left alone.
 */
struct s2trace {
	const char *root;	/* tracefs; NULL until found */
	bool probe;		/* the kprobe event exists */
	bool instance;		/* the instance exists */
};

/* One call: the arguments as the event recorded them. */
struct s2map_rec {
	uint64_t addr;		/* IPA */
	uint64_t size;
	uint64_t phys;
	uint64_t prot;		/* enum kvm_pgtable_prot */
};

void s2trace_init(struct s2trace *t);
int s2trace_start(struct s2trace *t, const char *fetchargs);
int s2trace_filter(struct s2trace *t, const char *expr);
int s2trace_clear(struct s2trace *t);
int s2trace_read(struct s2trace *t, struct s2map_rec *recs, size_t max);
void s2trace_stop(struct s2trace *t);

#endif /* MEMATTR_SELFTEST_KVM_S2TRACE_H */
