/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_BDF_H
#define MEMATTR_SELFTEST_BDF_H

#include <stdbool.h>

#define BDF_ENV "MEMATTR_BDF"

bool bdf_valid(const char *str);
const char *bdf_from_args(int *argc, char *argv[]);

#endif /* MEMATTR_SELFTEST_BDF_H */
