/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * selftests/modules/memattr-pci-inject.ko from user space: surprise
 * removal, busy and unassigned BARs. Functions return 0 or -errno.
 */
#ifndef MEMATTR_SELFTEST_PCI_INJECT_H
#define MEMATTR_SELFTEST_PCI_INJECT_H

#include <stdbool.h>

#define PCI_INJECT_DIR "/sys/kernel/debug/memattr-pci-inject"

bool pci_inject_available(void);
/* Blocks until the removal is complete (the users let go). */
int pci_inject_surprise_remove(const char *bdf);
int pci_inject_claim(const char *bdf, unsigned int bar);
int pci_inject_release_all(void);
/* On an unbound device: BAR @bar loses its address, or gets one again. */
int pci_inject_unassign(const char *bdf, unsigned int bar);
int pci_inject_assign(const char *bdf, unsigned int bar);

#endif /* MEMATTR_SELFTEST_PCI_INJECT_H */
