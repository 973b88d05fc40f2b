/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_MEMATTR_MODULE_H
#define MEMATTR_SELFTEST_MEMATTR_MODULE_H

#include <stddef.h>

int memattr_module_params(char *buf, size_t len);
int memattr_module_refcnt(void);
int memattr_driver_unbind_all(void);
int memattr_driver_count(void);
int memattr_module_reload(const char *params);

#endif /* MEMATTR_SELFTEST_MEMATTR_MODULE_H */
