// SPDX-License-Identifier: GPL-2.0-only
/* See pci_inject.h and selftests/modules/memattr-pci-inject.c. */
#include <stdio.h>
#include <unistd.h>

#include "pci_inject.h"
#include "sysfs_file.h"

bool pci_inject_available(void)
{
	return !access(PCI_INJECT_DIR, F_OK);
}

int pci_inject_surprise_remove(const char *bdf)
{
	return sysfs_file_write(PCI_INJECT_DIR "/surprise_remove", bdf);
}

int pci_inject_claim(const char *bdf, unsigned int bar)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %u", bdf, bar);
	return sysfs_file_write(PCI_INJECT_DIR "/claim", line);
}

int pci_inject_release_all(void)
{
	return sysfs_file_write(PCI_INJECT_DIR "/claim", "release");
}

int pci_inject_unassign(const char *bdf, unsigned int bar)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %u", bdf, bar);
	return sysfs_file_write(PCI_INJECT_DIR "/unassign", line);
}

int pci_inject_assign(const char *bdf, unsigned int bar)
{
	char line[64];

	snprintf(line, sizeof(line), "assign %s %u", bdf, bar);
	return sysfs_file_write(PCI_INJECT_DIR "/unassign", line);
}
