// SPDX-License-Identifier: GPL-2.0-only
#include <stdint.h>
#include <time.h>

#include "mmio_barrier.h"
#include "mmio_copy.h"

const size_t mmio_copy_sizes[MMIO_COPY_NR_SIZES] = { 8, 64, 4096 };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void mmio_copy_measure(volatile void *bar, size_t size, unsigned int iterations,
		       struct mmio_copy_result *res)
{
	volatile uint64_t *dst = bar;
	size_t words = size / sizeof(uint64_t);
	uint64_t sum = 0;
	double start, elapsed;
	unsigned int i;
	size_t w;

	/* Fault the mapping in first: the copies are measured, not that. */
	dst[0] = 0;
	mmio_write_barrier();

	start = now_ns();
	for (i = 0; i < iterations; i++) {
		for (w = 0; w < words; w++)
			dst[w] = i + w;
		mmio_write_barrier();
	}
	elapsed = now_ns() - start;
	res->write_ns = elapsed / iterations;
	res->write_gbps = (double)size * iterations / elapsed;

	start = now_ns();
	for (i = 0; i < iterations; i++)
		for (w = 0; w < words; w++)
			sum += dst[w];
	elapsed = now_ns() - start;
	res->read_ns = elapsed / iterations;
	res->read_gbps = (double)size * iterations / elapsed;

	/* Keep the loads: the sum is stored back where it cannot matter. */
	if (sum == 1)
		dst[0] = sum;
}
