/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Timed copies to and from a mapped BAR: bandwidth and latency of one copy
 * size, the way a driver's doorbell or descriptor writes would use it.
 */
#ifndef MEMATTR_TOOLS_MMIO_COPY_H
#define MEMATTR_TOOLS_MMIO_COPY_H

#include <stddef.h>

/* The copy sizes every tool reports: a doorbell, a descriptor, a page. */
#define MMIO_COPY_NR_SIZES	3
extern const size_t mmio_copy_sizes[MMIO_COPY_NR_SIZES];

struct mmio_copy_result {
	double write_gbps;	/* GB/s (10^9 bytes) */
	double read_gbps;
	double write_ns;	/* per copy, barrier included */
	double read_ns;
};

/*
 * Copy @size bytes (a multiple of 8) to and from @bar, @iterations times,
 * with 64-bit aligned accesses only: Device memory faults on unaligned or
 * wider accesses that memcpy() may use. Each write copy ends with the
 * architecture's write barrier so that write-combining buffers drain
 * within the timed region.
 */
void mmio_copy_measure(volatile void *bar, size_t size, unsigned int iterations,
		       struct mmio_copy_result *res);

#endif /* MEMATTR_TOOLS_MMIO_COPY_H */
