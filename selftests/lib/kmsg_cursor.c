// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel log from a saved position on: what a test made the kernel
 * say, without what earlier tests left there.  A /dev/kmsg descriptor
 * moved to the end of the log (SEEK_END, Documentation/ABI/testing/
 * dev-kmsg) is the position; each read() from it returns the next record,
 * "prio,seq,time,flags;message\n", followed by continuation lines that are
 * not looked at.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "kmsg_cursor.h"
#include "log.h"

#define KMSG_PATH "/dev/kmsg"

/* A descriptor positioned after the last message so far, or -errno. */
int kmsg_cursor_open(void)
{
	int fd;

	fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return lib_errno("open " KMSG_PATH);
	if (lseek(fd, 0, SEEK_END) < 0) {
		int ret = lib_errno("lseek " KMSG_PATH);

		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Calls @match with every message logged since the cursor was opened or
 * last read, without prefix or newline, and moves the cursor to the end.
 * Returns how many messages @match accepted, or -errno; a record that was
 * overwritten before it could be read (EPIPE) is an error, as a message
 * may have been lost.
 */
int kmsg_cursor_grep(int fd, kmsg_match_fn match, void *arg)
{
	char rec[8192];
	ssize_t len;
	char *msg;
	int n = 0;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EAGAIN)
			break;
		if (len < 0)
			return lib_errno("read " KMSG_PATH);
		rec[len] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		if (match(msg, arg))
			n++;
	}
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Like kmsg_cursor_grep(), but blocks until @match accepted a message or
 * @timeout_ms passed: how a test waits for something that only the kernel
 * log announces. Returns how many messages matched (0 on timeout) or -errno.
 */
int kmsg_cursor_wait(int fd, kmsg_match_fn match, void *arg, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n, left;

	for (;;) {
		n = kmsg_cursor_grep(fd, match, arg);
		if (n)
			return n;
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, left) < 0)
			return lib_errno("poll " KMSG_PATH);
	}
}
