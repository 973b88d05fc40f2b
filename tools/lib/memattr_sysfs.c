// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver's user interface: /sys/bus/pci/devices/BDF/memattr/barN, its
 * module parameters, and its debugfs file.  Expected refusals are the
 * caller's business: memattr_bar_write() returns them without a message.
 *
 * All int functions return 0 or a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "memattr_sysfs.h"
#include "sysfs_file.h"

#define MEMATTR_DEBUGFS "/sys/kernel/debug/" MEMATTR_DRIVER

const char *const memattr_value_names[MEMATTR_NR_VALUES] = {
	[MEMATTR_DEFAULT] = "default",
	[MEMATTR_DEVICE_NGNRNE] = "device-ngnrne",
	[MEMATTR_DEVICE_NGNRE] = "device-ngnre",
	[MEMATTR_NORMAL_NC] = "normal-nc",
};

/* The value a name stands for, "wc" included; -EINVAL for others. */
int memattr_value_parse(const char *name)
{
	int v;

	if (!strcmp(name, "wc"))
		return MEMATTR_NORMAL_NC;
	for (v = 0; v < MEMATTR_NR_VALUES; v++)
		if (!strcmp(name, memattr_value_names[v]))
			return v;
	return -EINVAL;
}

static void bar_path(const char *bdf, unsigned int bar, char *path,
		     size_t len)
{
	snprintf(path, len, "/sys/bus/pci/devices/%s/memattr/bar%u", bdf, bar);
}

bool memattr_bar_file_exists(const char *bdf, unsigned int bar)
{
	char path[PATH_MAX];

	bar_path(bdf, bar, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* The file as read, newline included. */
int memattr_bar_read(const char *bdf, unsigned int bar, char *buf, size_t len)
{
	char path[PATH_MAX];

	bar_path(bdf, bar, path, sizeof(path));
	return sysfs_file_read(path, buf, len);
}

/* The bracketed value of the listing. */
int memattr_bar_active(const char *bdf, unsigned int bar, char *buf,
		       size_t len)
{
	char listing[MEMATTR_VALUE_MAX];
	const char *open, *close;
	int ret;

	ret = memattr_bar_read(bdf, bar, listing, sizeof(listing));
	if (ret)
		return ret;

	open = strchr(listing, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close || (size_t)(close - open - 1) >= len) {
		lib_log("%s bar%u: no [value] in \"%s\"", bdf, bar, listing);
		return -EINVAL;
	}
	memcpy(buf, open + 1, close - open - 1);
	buf[close - open - 1] = '\0';
	return 0;
}

/* One write() of @val as given, newline or not. */
int memattr_bar_write(const char *bdf, unsigned int bar, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t ret;
	int fd;

	bar_path(bdf, bar, path, sizeof(path));
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return lib_errno("open %s", path);
	ret = write(fd, val, len);
	if (ret < 0)
		ret = -errno;
	close(fd);
	if (ret < 0)
		return ret;
	if ((size_t)ret != len) {
		lib_log("%s: short write of \"%s\"", path, val);
		return -EIO;
	}
	return 0;
}

/* A module parameter as the kernel shows it, without the newline. */
int memattr_param_read(const char *param, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "/sys/module/" MEMATTR_MODULE
		 "/parameters/%s", param);
	ret = sysfs_file_read(path, buf, len);
	if (ret)
		return ret;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Sets a module parameter that is writable at run time. */
int memattr_param_write(const char *param, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/module/" MEMATTR_MODULE
		 "/parameters/%s", param);
	return sysfs_file_write(path, val);
}

/*
 * The line of BAR @bar in /sys/kernel/debug/memattr-vfio-pci/BDF, without
 * its newline; -ENOENT when there is none.
 */
int memattr_debugfs_bar_line(const char *bdf, unsigned int bar, char *buf,
			     size_t len)
{
	char path[PATH_MAX];
	char prefix[16];
	char line[512];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), MEMATTR_DEBUGFS "/%s", bdf);
	f = fopen(path, "r");
	if (!f)
		return lib_errno("open %s", path);

	snprintf(prefix, sizeof(prefix), "bar%u ", bar);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((size_t)snprintf(buf, len, "%s", line) >= len)
			ret = -ENAMETOOLONG;
		else
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
