// SPDX-License-Identifier: GPL-2.0-only
/* Lines of space-separated "key=value" fields, as debugfs files print. */
#include <errno.h>
#include <string.h>

#include "fields.h"

/*
 * Copies the value of @key into @buf.  -ENOENT when the line has no such
 * field, -ENAMETOOLONG when the value does not fit.
 */
int field_get(const char *line, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = line;
	size_t vlen;

	while (*p) {
		p += strspn(p, " ");
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			p += klen + 1;
			vlen = strcspn(p, "\n ");
			if (vlen >= len)
				return -ENAMETOOLONG;
			memcpy(buf, p, vlen);
			buf[vlen] = '\0';
			return 0;
		}
		p += strcspn(p, " ");
	}
	return -ENOENT;
}
