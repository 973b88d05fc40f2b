// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
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
