/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics from the helper library.  Lines start with "# " so that they
 * read as TAP comments in the harness output.
 */
#ifndef MEMATTR_TOOLS_LOG_H
#define MEMATTR_TOOLS_LOG_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define lib_log(fmt, ...) \
	fprintf(stderr, "# %s: " fmt "\n", __func__, ##__VA_ARGS__)

/* Log what failed with strerror(errno); evaluates to -errno, errno kept. */
#define lib_errno(fmt, ...) ({						\
	int __err = errno;						\
	lib_log(fmt ": %s", ##__VA_ARGS__, strerror(__err));		\
	errno = __err;							\
	-__err;								\
})

#endif /* MEMATTR_TOOLS_LOG_H */
