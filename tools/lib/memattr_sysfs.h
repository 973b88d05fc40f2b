/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_TOOLS_MEMATTR_SYSFS_H
#define MEMATTR_TOOLS_MEMATTR_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#define MEMATTR_DRIVER		"memattr-vfio-pci"
#define MEMATTR_MODULE		"memattr_vfio_pci"
#define MEMATTR_KO_ENV		"MEMATTR_KO"
#define MEMATTR_VALUE_MAX	128

/* The policy values, in the order the driver lists them. */
enum memattr_value {
	MEMATTR_DEFAULT,
	MEMATTR_DEVICE_NGNRNE,
	MEMATTR_DEVICE_NGNRE,
	MEMATTR_NORMAL_NC,
	MEMATTR_NR_VALUES
};

extern const char *const memattr_value_names[MEMATTR_NR_VALUES];

int memattr_value_parse(const char *name);

bool memattr_bar_file_exists(const char *bdf, unsigned int bar);
int memattr_bar_read(const char *bdf, unsigned int bar, char *buf,
		     size_t len);
int memattr_bar_active(const char *bdf, unsigned int bar, char *buf,
		       size_t len);
int memattr_bar_write(const char *bdf, unsigned int bar, const char *val);

int memattr_param_read(const char *param, char *buf, size_t len);
int memattr_param_write(const char *param, const char *val);
int memattr_debugfs_bar_line(const char *bdf, unsigned int bar, char *buf,
			     size_t len);

#endif /* MEMATTR_TOOLS_MEMATTR_SYSFS_H */
