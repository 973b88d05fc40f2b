// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which device to test: a PCI address "segment:bus:device.function" given
 * as the last command-line argument or in $MEMATTR_BDF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdf.h"

bool bdf_valid(const char *str)
{
	unsigned int seg, bus, dev, fn;
	int len = -1;

	if (sscanf(str, "%4x:%2x:%2x.%1x%n", &seg, &bus, &dev, &fn, &len) != 4)
		return false;
	return len == (int)strlen(str) && dev < 32 && fn < 8;
}

/*
 * Returns the BDF, or NULL when none was given.  A BDF taken from argv is
 * removed from it, so that the harness does not see it as an option.  The
 * caller checks the result with bdf_valid(): a malformed $MEMATTR_BDF is
 * returned as is so that the caller can name it in its error.
 */
const char *bdf_from_args(int *argc, char *argv[])
{
	const char *bdf;

	if (*argc > 1 && bdf_valid(argv[*argc - 1])) {
		bdf = argv[--(*argc)];
		argv[*argc] = NULL;
		return bdf;
	}

	return getenv(BDF_ENV);
}
