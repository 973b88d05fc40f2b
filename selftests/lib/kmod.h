/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_KMOD_H
#define MEMATTR_SELFTEST_KMOD_H

#include <stdbool.h>

bool kmod_loaded(const char *name);
int kmod_load(const char *path, const char *params);
int kmod_unload(const char *name);

#endif /* MEMATTR_SELFTEST_KMOD_H */
