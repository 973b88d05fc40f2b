// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI device binding through sysfs, as driverctl and the kernel's vfio
 * selftest scripts do it: driver_override names the driver, drivers_probe
 * binds it.  Writes to these files run the driver's probe/remove before they
 * return, so the "driver" link is up to date as soon as write() returns and
 * no polling is needed.
 *
 * All functions return 0 or a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pci_sysfs.h"
#include "sysfs_file.h"

#define PCI_SYSFS "/sys/bus/pci"

/* Reads one line, without its newline. */
static int sysfs_read(const char *path, char *buf, size_t len)
{
	int ret = sysfs_file_read(path, buf, len);

	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

bool pci_sysfs_device_exists(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s", bdf);
	return access(path, F_OK) == 0;
}

bool pci_sysfs_driver_registered(const char *driver)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_SYSFS "/drivers/%s", driver);
	return access(path, F_OK) == 0;
}

/* The driver's own view of the binding: drivers/DRIVER/BDF. */
bool pci_sysfs_driver_has_device(const char *driver, const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_SYSFS "/drivers/%s/%s", driver, bdf);
	return access(path, F_OK) == 0;
}

/* Reads a hexadecimal attribute such as "vendor" or "device". */
int pci_sysfs_read_id(const char *bdf, const char *attr, unsigned int *val)
{
	char path[PATH_MAX];
	char buf[32];
	char *end;
	int ret;

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/%s", bdf, attr);
	ret = sysfs_read(path, buf, sizeof(buf));
	if (ret)
		return ret;

	errno = 0;
	*val = strtoul(buf, &end, 16);
	if (errno || end == buf || *end) {
		lib_log("%s: not a number: \"%s\"", path, buf);
		return -EINVAL;
	}
	return 0;
}

/*
 * The basename of the "driver" link, what lspci -k prints as "Kernel driver
 * in use".  -ENOENT, without a message, when no driver is bound.
 */
int pci_sysfs_get_driver(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	char target[PATH_MAX];
	ssize_t ret;

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver", bdf);
	ret = readlink(path, target, sizeof(target) - 1);
	if (ret < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return lib_errno("readlink %s", path);
	}
	target[ret] = '\0';

	if ((size_t)snprintf(buf, len, "%s", basename(target)) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The driver_override value, "" when unset (the kernel shows "(null)"). */
int pci_sysfs_get_override(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver_override",
		 bdf);
	ret = sysfs_read(path, buf, len);
	if (ret)
		return ret;

	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	return 0;
}

/* An empty name clears driver_override; the kernel takes "\n" for that. */
int pci_sysfs_set_override(const char *bdf, const char *driver)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver_override",
		 bdf);
	return sysfs_file_write(path, driver[0] ? driver : "\n");
}

int pci_sysfs_unbind(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver/unbind",
		 bdf);
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	return sysfs_file_write(path, bdf);
}

/*
 * Binds @driver through driver_override, which matches any driver by name,
 * including vfio-pci and our variant driver that have no ID to match.
 * A successful write to drivers_probe does not mean that a driver bound
 * (probe failures are not reported to the writer), so check the link.
 */
int pci_sysfs_bind_override(const char *bdf, const char *driver)
{
	char cur[PCI_SYSFS_NAME_MAX];
	int ret;

	ret = pci_sysfs_set_override(bdf, driver);
	if (ret)
		return ret;

	if (!pci_sysfs_get_driver(bdf, cur, sizeof(cur)) &&
	    !strcmp(cur, driver))
		return 0;

	ret = pci_sysfs_unbind(bdf);
	if (ret)
		return ret;

	ret = sysfs_file_write(PCI_SYSFS "/drivers_probe", bdf);
	if (ret)
		return ret;

	ret = pci_sysfs_get_driver(bdf, cur, sizeof(cur));
	if (ret == -ENOENT) {
		lib_log("%s: no driver bound after probing for %s (see dmesg)",
			bdf, driver);
		return -ENXIO;
	}
	if (ret)
		return ret;
	if (strcmp(cur, driver)) {
		lib_log("%s: bound to %s instead of %s", bdf, cur, driver);
		return -ENXIO;
	}
	return 0;
}

int pci_sysfs_save(const char *bdf, struct pci_sysfs_state *state)
{
	int ret;

	ret = pci_sysfs_get_driver(bdf, state->driver, sizeof(state->driver));
	if (ret == -ENOENT)
		state->driver[0] = '\0';
	else if (ret)
		return ret;

	return pci_sysfs_get_override(bdf, state->override,
				      sizeof(state->override));
}

/*
 * Puts back the saved driver, then the saved driver_override.  Changing
 * driver_override alone does not rebind, so the order does not unbind the
 * driver just restored.
 */
int pci_sysfs_restore(const char *bdf, const struct pci_sysfs_state *state)
{
	char cur[PCI_SYSFS_NAME_MAX];
	int ret;

	if (state->driver[0])
		ret = pci_sysfs_bind_override(bdf, state->driver);
	else
		ret = pci_sysfs_unbind(bdf);
	if (ret)
		return ret;

	ret = pci_sysfs_set_override(bdf, state->override);
	if (ret)
		return ret;

	ret = pci_sysfs_get_driver(bdf, cur, sizeof(cur));
	if (ret == -ENOENT && !state->driver[0])
		return 0;
	if (ret)
		return ret;
	return strcmp(cur, state->driver) ? -ENXIO : 0;
}

/* Re-enumerates every PCI bus: a removed device comes back. */
int pci_sysfs_rescan(void)
{
	return sysfs_file_write(PCI_SYSFS "/rescan", "1");
}
