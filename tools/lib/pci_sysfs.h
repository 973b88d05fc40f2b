/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_TOOLS_PCI_SYSFS_H
#define MEMATTR_TOOLS_PCI_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#define PCI_SYSFS_NAME_MAX 64

/* What pci_sysfs_restore() puts back. */
struct pci_sysfs_state {
	char driver[PCI_SYSFS_NAME_MAX];	/* "" when unbound */
	char override[PCI_SYSFS_NAME_MAX];	/* "" when unset */
};

bool pci_sysfs_device_exists(const char *bdf);
bool pci_sysfs_driver_registered(const char *driver);
bool pci_sysfs_driver_has_device(const char *driver, const char *bdf);
int pci_sysfs_read_id(const char *bdf, const char *attr, unsigned int *val);

int pci_sysfs_get_driver(const char *bdf, char *buf, size_t len);
int pci_sysfs_get_override(const char *bdf, char *buf, size_t len);
int pci_sysfs_set_override(const char *bdf, const char *driver);
int pci_sysfs_unbind(const char *bdf);
int pci_sysfs_rescan(void);
int pci_sysfs_bind_override(const char *bdf, const char *driver);

int pci_sysfs_save(const char *bdf, struct pci_sysfs_state *state);
int pci_sysfs_restore(const char *bdf, const struct pci_sysfs_state *state);

#endif /* MEMATTR_TOOLS_PCI_SYSFS_H */
