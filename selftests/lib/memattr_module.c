// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memattr-vfio-pci module as a whole: its parameters as an insmod
 * command line, its reference count, the devices bound to its driver, and
 * a reload with the same parameters.  For the tests that remove the module
 * and must leave it as they found it.
 *
 * All int functions return 0 (or a count) or a negative errno.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdf.h"
#include "kmod.h"
#include "log.h"
#include "memattr_module.h"
#include "memattr_sysfs.h"
#include "pci_sysfs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DRIVER_DIR "/sys/bus/pci/drivers/" MEMATTR_DRIVER

static const char *const memattr_params[] = {
	"default_attr", "unsafe_nonprefetchable_nc", "revoke_after_request",
	"disable_denylist", "enable_sriov", "policy",
};

/* "default_attr=V unsafe_nonprefetchable_nc=V ...", as the module has them. */
int memattr_module_params(char *buf, size_t len)
{
	char val[MEMATTR_VALUE_MAX];
	size_t i, used = 0;
	int ret;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(memattr_params); i++) {
		ret = memattr_param_read(memattr_params[i], val, sizeof(val));
		if (ret)
			return ret;
		ret = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "",
			       memattr_params[i], val);
		if (ret < 0 || (size_t)ret >= len - used)
			return -ENAMETOOLONG;
		used += ret;
	}
	return 0;
}

/* /sys/module/memattr_vfio_pci/refcnt: users that block removal. */
int memattr_module_refcnt(void)
{
	const char *path = "/sys/module/" MEMATTR_MODULE "/refcnt";
	FILE *f;
	int n;

	f = fopen(path, "r");
	if (!f)
		return lib_errno("open %s", path);
	if (fscanf(f, "%d", &n) != 1 || n < 0) {
		lib_log("%s: not a count", path);
		n = -EINVAL;
	}
	fclose(f);
	return n;
}

#define MAX_BOUND 64

/*
 * The devices bound to the driver, from a list taken first (an unbind
 * changes the directory), unbound if @unbind; stops at the first error.
 * Returns how many devices there were, or -errno.
 */
static int bound_devices(bool unbind)
{
	char names[MAX_BOUND][PCI_SYSFS_NAME_MAX];
	struct dirent *de;
	int i, n = 0, ret;
	DIR *dir;

	dir = opendir(DRIVER_DIR);
	if (!dir)
		return lib_errno("open " DRIVER_DIR);
	while ((de = readdir(dir)) && n < MAX_BOUND) {
		/* A BDF is 12 characters: it fits. */
		if (!bdf_valid(de->d_name))
			continue;
		memcpy(names[n++], de->d_name, strlen(de->d_name) + 1);
	}
	closedir(dir);

	for (i = 0; unbind && i < n; i++) {
		ret = pci_sysfs_unbind(names[i]);
		if (ret)
			return ret;
	}
	return n;
}

/* How many devices the driver has. */
int memattr_driver_count(void)
{
	return bound_devices(false);
}

/*
 * Unbinds every device from the driver, whoever bound it; their
 * driver_override is left as it is.  Returns how many were unbound.
 */
int memattr_driver_unbind_all(void)
{
	return bound_devices(true);
}

/*
 * Removes the module and loads $MEMATTR_KO with @params.  Every device
 * must have been unbound and closed: the removal does not wait.
 */
int memattr_module_reload(const char *params)
{
	const char *ko = getenv(MEMATTR_KO_ENV);
	int ret;

	if (!ko) {
		lib_log("%s not set: no module file to load", MEMATTR_KO_ENV);
		return -ENOENT;
	}
	if (kmod_loaded(MEMATTR_MODULE)) {
		ret = kmod_unload(MEMATTR_MODULE);
		if (ret)
			return ret;
	}
	return kmod_load(ko, params);
}
