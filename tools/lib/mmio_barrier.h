/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The architecture's write barrier for stores to a mapped BAR: stores to a
 * write-combining (Normal-NC) mapping complete, and are ordered ahead of
 * any later access, only after it.
 */
#ifndef MEMATTR_TOOLS_MMIO_BARRIER_H
#define MEMATTR_TOOLS_MMIO_BARRIER_H

static inline void mmio_write_barrier(void)
{
#if defined(__aarch64__)
	__asm__ __volatile__("dsb st" ::: "memory");
#elif defined(__x86_64__)
	__asm__ __volatile__("sfence" ::: "memory");
#else
	__sync_synchronize();
#endif
}

#endif /* MEMATTR_TOOLS_MMIO_BARRIER_H */
