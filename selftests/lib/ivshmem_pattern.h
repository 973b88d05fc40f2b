/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the BAR2 tests write to ivshmem, and what the host checks in the
 * file that backs BAR2 after the guest exits (check-ivshmem-backing.sh):
 *
 *   offset 0:    the bytes of $MEMATTR_TOKEN, an ASCII hex string of 1 to
 *                IVSHMEM_TOKEN_MAX characters made up per run by the host;
 *                no terminating NUL is written (memattr_bind_test);
 *   offset 4096: 4096 bytes, byte i == (i * 31 + 7) & 0xff
 *                (memattr_bind_test);
 *   offset 8192: 4096 bytes, byte i == (i * 17 + 3) & 0xff, written
 *                through a normal-nc mapping (memattr_policy_test).
 *
 * Nothing else in the first 12 KiB is written.
 */
#ifndef MEMATTR_SELFTEST_IVSHMEM_PATTERN_H
#define MEMATTR_SELFTEST_IVSHMEM_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
#define IVSHMEM_SHMEM_BAR	2

#define IVSHMEM_TOKEN_ENV	"MEMATTR_TOKEN"
#define IVSHMEM_TOKEN_OFFSET	0
#define IVSHMEM_TOKEN_MAX	256
#define IVSHMEM_PAGE_OFFSET	4096
#define IVSHMEM_PAGE_SIZE	4096
#define IVSHMEM_PATTERN_END	(IVSHMEM_PAGE_OFFSET + IVSHMEM_PAGE_SIZE)
#define IVSHMEM_NC_OFFSET	8192
#define IVSHMEM_NC_SIZE		4096
#define IVSHMEM_NC_END		(IVSHMEM_NC_OFFSET + IVSHMEM_NC_SIZE)

static inline uint8_t ivshmem_page_byte(size_t i)
{
	return (i * 31 + 7) & 0xff;
}

static inline uint8_t ivshmem_nc_byte(size_t i)
{
	return (i * 17 + 3) & 0xff;
}

static inline bool ivshmem_token_valid(const char *token)
{
	size_t len = strlen(token);

	return len && len <= IVSHMEM_TOKEN_MAX &&
	       strspn(token, "0123456789abcdefABCDEF") == len;
}

#endif /* MEMATTR_SELFTEST_IVSHMEM_PATTERN_H */
