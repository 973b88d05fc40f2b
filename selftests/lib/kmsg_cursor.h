/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_KMSG_CURSOR_H
#define MEMATTR_SELFTEST_KMSG_CURSOR_H

#include "kmsg.h"

int kmsg_cursor_open(void);
int kmsg_cursor_grep(int fd, kmsg_match_fn match, void *arg);
int kmsg_cursor_wait(int fd, kmsg_match_fn match, void *arg, int timeout_ms);

#endif /* MEMATTR_SELFTEST_KMSG_CURSOR_H */
