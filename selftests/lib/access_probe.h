/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_ACCESS_PROBE_H
#define MEMATTR_SELFTEST_ACCESS_PROBE_H

/*
 * Reads one byte at @p. Returns 0 when the read completed, or the signal
 * it raised (SIGBUS, SIGSEGV). Not for concurrent use from several threads.
 */
int access_probe_read(const volatile void *p);

#endif /* MEMATTR_SELFTEST_ACCESS_PROBE_H */
