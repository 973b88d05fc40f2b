// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sysfs_file.h"

int sysfs_file_read(const char *path, char *buf, size_t len)
{
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return lib_errno("open %s", path);
	ret = read(fd, buf, len - 1);
	if (ret < 0) {
		ret = lib_errno("read %s", path);
		close(fd);
		return ret;
	}
	close(fd);
	buf[ret] = '\0';
	return 0;
}

int sysfs_file_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return lib_errno("open %s", path);

	ret = write(fd, val, len);
	if (ret < 0) {
		ret = lib_errno("write \"%s\" to %s", val, path);
		close(fd);
		return ret;
	}
	close(fd);

	if ((size_t)ret != len) {
		lib_log("short write \"%s\" to %s", val, path);
		return -EIO;
	}
	return 0;
}
