/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_FIELDS_H
#define MEMATTR_SELFTEST_FIELDS_H

#include <stddef.h>

int field_get(const char *line, const char *key, char *buf, size_t len);

#endif /* MEMATTR_SELFTEST_FIELDS_H */
