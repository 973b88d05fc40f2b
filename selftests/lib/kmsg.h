/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_KMSG_H
#define MEMATTR_SELFTEST_KMSG_H

#include <stdbool.h>

/* Called with each kernel log message, without prefix or newline. */
typedef bool (*kmsg_match_fn)(const char *msg, void *arg);

int kmsg_grep(kmsg_match_fn match, void *arg);
int kmsg_write(const char *msg);

#endif /* MEMATTR_SELFTEST_KMSG_H */
