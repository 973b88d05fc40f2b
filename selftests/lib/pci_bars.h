/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_PCI_BARS_H
#define MEMATTR_SELFTEST_PCI_BARS_H

#include <stdbool.h>

#define PCI_BAR_COUNT 6

enum pci_bar_kind {
	PCI_BAR_NONE,	/* absent, or the upper half of a 64-bit BAR */
	PCI_BAR_IO,
	PCI_BAR_MEM,
};

/* A standard BAR as the kernel assigned it. */
struct pci_bar {
	enum pci_bar_kind kind;
	bool prefetch;
	bool mem64;
	bool msix;	/* holds the MSI-X table or the PBA */
	unsigned long long start;	/* bus-independent CPU address */
	unsigned long long size;
};

int pci_bars_read(const char *bdf, struct pci_bar bars[PCI_BAR_COUNT]);

#endif /* MEMATTR_SELFTEST_PCI_BARS_H */
