/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading or writing a whole small sysfs, debugfs or procfs file. */
#ifndef MEMATTR_TOOLS_SYSFS_FILE_H
#define MEMATTR_TOOLS_SYSFS_FILE_H

#include <stddef.h>

/* The file as read, newline included, NUL-terminated; 0 or -errno. */
int sysfs_file_read(const char *path, char *buf, size_t len);

/* Writes all of @val in one write(); 0 or -errno. */
int sysfs_file_write(const char *path, const char *val);

#endif /* MEMATTR_TOOLS_SYSFS_FILE_H */
