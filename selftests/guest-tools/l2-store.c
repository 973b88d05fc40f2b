// SPDX-License-Identifier: GPL-2.0-only
/*
 * l2-store: the nested guest's half of qemu_l2_test.  Maps a sysfs PCI
 * resource file (resource2_wc: a write-combining stage 1, Normal-NC on
 * arm64), stores TEXT at OFFSET byte by byte, makes the stores complete
 * with the architecture's barrier, and reads them back.
 *
 *   l2-store RESOURCE_FILE OFFSET TEXT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmio_barrier.h"

int main(int argc, char *argv[])
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len, map_len, i;
	volatile uint8_t *map, *dst;
	unsigned long long off;
	const char *text;
	char *end;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s RESOURCE_FILE OFFSET TEXT\n", argv[0]);
		return 2;
	}
	errno = 0;
	off = strtoull(argv[2], &end, 0);
	if (errno || *end || end == argv[2]) {
		fprintf(stderr, "l2-store: bad offset \"%s\"\n", argv[2]);
		return 2;
	}
	text = argv[3];
	len = strlen(text);

	fd = open(argv[1], O_RDWR | O_SYNC);
	if (fd < 0) {
		fprintf(stderr, "l2-store: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	map_len = (off % page + len + page - 1) / page * page;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)(off / page * page));
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "l2-store: mmap %s at 0x%llx: %s\n", argv[1],
			off, strerror(errno));
		return 1;
	}
	dst = map + off % page;
	for (i = 0; i < len; i++)
		dst[i] = (uint8_t)text[i];
	mmio_write_barrier();
	for (i = 0; i < len; i++) {
		if (dst[i] != (uint8_t)text[i]) {
			fprintf(stderr, "l2-store: %s byte %zu reads back 0x%02x, not 0x%02x\n",
				argv[1], i, dst[i], (uint8_t)text[i]);
			return 1;
		}
	}
	printf("l2-store: %s: %zu bytes at 0x%llx, read back\n", argv[1], len,
	       off);
	munmap((void *)map, map_len);
	return 0;
}
