/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading a whole small sysfs, debugfs or procfs file. */
#ifndef MEMATTR_SELFTEST_SYSFS_FILE_H
#define MEMATTR_SELFTEST_SYSFS_FILE_H

#include <stddef.h>

/* The file as read, newline included, NUL-terminated; 0 or -errno. */
int sysfs_file_read(const char *path, char *buf, size_t len);

#endif /* MEMATTR_SELFTEST_SYSFS_FILE_H */
