// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr_holdmap BDF: a user that holds a BAR mapping across a hot-remove
 * and does not let go when asked.
 *
 * Opens BDF through VFIO, maps BAR2 and reads it, registers an eventfd for
 * vfio's device request (what the kernel signals when it wants the device
 * back, as on hot-remove), and prints "mapped". When the request arrives it
 * reads the mapping again and prints "request access-ok" (or "request
 * sigbus"). At vfio's next request, 10 s later, it reads once more and
 * prints "second-request access-ok" (or "sigbus"), followed by " revoked"
 * if the kernel log announced a revocation of BDF. Exiting then releases
 * the device (the mapping holds it open too), so the removal can finish.
 * Errors print "error: ..." and exit 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "access_probe.h"
#include "kmsg_cursor.h"
#include "vfio_open.h"
#include "vfio_region.h"
#include "vfio_request.h"

static bool revoked(const char *msg, void *arg)
{
	return strstr(msg, (const char *)arg) && strstr(msg, "revoked");
}

static int fail(const char *what)
{
	printf("error: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct vfio_region_info info;
	volatile uint32_t *bar;
	struct vfio_dev dev;
	uint64_t count;
	int efd, kmsg;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: %s BDF\n", argv[0]);
		return 2;
	}
	vfio_dev_init(&dev);
	if (vfio_open_device(argv[1], &dev))
		return fail("open");
	if (vfio_region_get_info(dev.device_fd, VFIO_PCI_BAR2_REGION_INDEX,
				 &info))
		return fail("region info");
	bar = vfio_region_mmap(dev.device_fd, &info, info.size);
	if (bar == MAP_FAILED)
		return fail("mmap");
	(void)bar[0];

	kmsg = kmsg_cursor_open();
	if (kmsg < 0)
		return fail("kernel log");
	efd = vfio_request_eventfd(dev.device_fd);
	if (efd < 0)
		return fail("request eventfd");
	printf("mapped\n");

	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return fail("read request eventfd");

	printf("request %s\n",
	       access_probe_read(bar) == SIGBUS ? "sigbus" : "access-ok");

	/* The driver's part of a request is done before vfio signals it. */
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return fail("read request eventfd");
	printf("second-request %s%s\n",
	       access_probe_read(bar) == SIGBUS ? "sigbus" : "access-ok",
	       kmsg_cursor_grep(kmsg, revoked, argv[1]) > 0 ? " revoked" : "");
	return 0;
}
