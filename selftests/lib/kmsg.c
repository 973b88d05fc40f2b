// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel log since boot, as far as the ring buffer still holds it,
 * read from /dev/kmsg (Documentation/ABI/testing/dev-kmsg): one record per
 * read(), "prio,seq,time,flags;message\n" followed by optional
 * continuation lines, which are not looked at.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "log.h"

#define KMSG_PATH "/dev/kmsg"

/*
 * Calls @match with every message; returns how many it accepted, or a
 * negative errno.  Non-blocking: stops at the end of the log.
 */
int kmsg_grep(kmsg_match_fn match, void *arg)
{
	char rec[8192];
	int fd, n = 0;
	ssize_t len;
	char *msg;

	fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return lib_errno("open " KMSG_PATH);

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)	/* overwritten: skip it */
			continue;
		if (len < 0 && errno == EAGAIN)
			break;
		if (len < 0) {
			n = lib_errno("read " KMSG_PATH);
			break;
		}
		rec[len] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		if (match(msg, arg))
			n++;
	}
	close(fd);
	return n;
}

/* Adds @msg to the kernel log, as a marker a later kmsg_grep() must find. */
int kmsg_write(const char *msg)
{
	ssize_t ret;
	int fd;

	fd = open(KMSG_PATH, O_WRONLY);
	if (fd < 0)
		return lib_errno("open " KMSG_PATH);
	ret = write(fd, msg, strlen(msg));
	if (ret < 0)
		ret = lib_errno("write " KMSG_PATH);
	close(fd);
	return ret < 0 ? ret : 0;
}
