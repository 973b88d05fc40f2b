// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recording the stage-2 mappings KVM installs, through a kprobe event
 * (Documentation/trace/kprobetrace.rst) on kvm_pgtable_stage2_map(), the
 * one function every stage-2 leaf of a guest fault goes through on 6.1 to
 * 7.2.  The event is enabled in a trace instance of its own, read with the
 * non-consuming "trace" file, and removed again by s2trace_stop().
 *
 * All int functions return 0 (s2trace_read: a count) or a negative errno.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fields.h"
#include "kvm_s2trace.h"
#include "log.h"

#define S2TRACE_NAME	S2TRACE_GROUP "/" S2TRACE_EVENT

/* Mounted by hand if need be; the guest mounts debugfs only. */
static const char *const tracefs_roots[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
	NULL
};

static int write_str(const char *path, const char *val, int flags)
{
	size_t len = strlen(val);
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, len);
	if (ret < 0)
		ret = -errno;
	close(fd);
	if (ret < 0)
		return ret;
	return (size_t)ret == len ? 0 : -EIO;
}

static int find_tracefs(struct s2trace *t)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; tracefs_roots[i]; i++) {
		snprintf(path, sizeof(path), "%s/kprobe_events",
			 tracefs_roots[i]);
		if (!access(path, F_OK)) {
			t->root = tracefs_roots[i];
			return 0;
		}
	}
	if (mount("tracefs", tracefs_roots[0], "tracefs", 0, NULL))
		return lib_errno("mount tracefs on %s", tracefs_roots[0]);
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs_roots[0]);
	if (access(path, F_OK)) {
		lib_log("no %s: kernel without CONFIG_KPROBE_EVENTS", path);
		return -EOPNOTSUPP;
	}
	t->root = tracefs_roots[0];
	return 0;
}

static void instance_path(const struct s2trace *t, const char *file,
			  char *path, size_t len)
{
	snprintf(path, len, "%s/instances/" S2TRACE_INSTANCE "%s%s", t->root,
		 file[0] ? "/" : "", file);
}

static int set_enable(struct s2trace *t, const char *val)
{
	char path[PATH_MAX];

	instance_path(t, "events/" S2TRACE_NAME "/enable", path, sizeof(path));
	return write_str(path, val, 0);
}

/* Removes what a previous run that died may have left behind. */
static void remove_stale(struct s2trace *t)
{
	char path[PATH_MAX];

	instance_path(t, "", path, sizeof(path));
	if (!access(path, F_OK)) {
		set_enable(t, "0");
		rmdir(path);
	}
	snprintf(path, sizeof(path), "%s/kprobe_events", t->root);
	write_str(path, "-:" S2TRACE_NAME "\n", O_APPEND);
}

void s2trace_init(struct s2trace *t)
{
	memset(t, 0, sizeof(*t));
}

/*
 * @fetchargs: the event's arguments, "addr=%x1:x64 ..." (the registers
 * that hold the parameters are the caller's to know).  O_APPEND: a plain
 * write to kprobe_events would delete every other probe.
 */
int s2trace_start(struct s2trace *t, const char *fetchargs)
{
	char path[PATH_MAX];
	char def[512];
	int ret;

	ret = find_tracefs(t);
	if (ret)
		return ret;
	remove_stale(t);

	snprintf(path, sizeof(path), "%s/kprobe_events", t->root);
	snprintf(def, sizeof(def), "p:" S2TRACE_NAME " " S2TRACE_FUNC " %s\n",
		 fetchargs);
	ret = write_str(path, def, O_APPEND);
	if (ret) {
		lib_log("adding \"%.*s\" to %s: %s", (int)strlen(def) - 1, def,
			path, strerror(-ret));
		return ret;
	}
	t->probe = true;

	instance_path(t, "", path, sizeof(path));
	if (mkdir(path, 0755))
		return lib_errno("mkdir %s", path);
	t->instance = true;

	ret = set_enable(t, "1");
	if (ret)
		lib_log("enabling " S2TRACE_NAME " in %s: %s", path,
			strerror(-ret));
	return ret;
}

/*
 * Records only the calls @expr accepts ("phys >= 0x8000000000 && ..."):
 * a guest booting a kernel makes thousands of calls for its RAM.
 */
int s2trace_filter(struct s2trace *t, const char *expr)
{
	char path[PATH_MAX];
	int ret;

	instance_path(t, "events/" S2TRACE_NAME "/filter", path, sizeof(path));
	ret = write_str(path, expr, O_TRUNC);
	if (ret)
		lib_log("filter \"%s\" in %s: %s", expr, path, strerror(-ret));
	return ret;
}

/* Empties the instance's buffer: opening "trace" with O_TRUNC does. */
int s2trace_clear(struct s2trace *t)
{
	char path[PATH_MAX];
	int ret;

	instance_path(t, "trace", path, sizeof(path));
	ret = write_str(path, "", O_TRUNC);
	if (ret)
		lib_log("clearing %s: %s", path, strerror(-ret));
	return ret;
}

static int parse_u64(const char *line, const char *key, uint64_t *val)
{
	char buf[32];
	char *end;

	if (field_get(line, key, buf, sizeof(buf)))
		return -EINVAL;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	return errno || end == buf || *end ? -EINVAL : 0;
}

/*
 * The calls recorded since the last clear, oldest first, at most @max of
 * them; a line such as
 *   prog-42 [001] d..1.  12.3: s2map: (kvm_pgtable_stage2_map+0x0/0x2a8)
 *       addr=0x40010000 size=0x1000 phys=0x8000010000 prot=0x16
 * (one line).  The event is left enabled.
 */
int s2trace_read(struct s2trace *t, struct s2map_rec *recs, size_t max)
{
	char path[PATH_MAX];
	char line[1024];
	size_t n = 0;
	FILE *f;

	instance_path(t, "trace", path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return lib_errno("open %s", path);
	while (fgets(line, sizeof(line), f)) {
		struct s2map_rec r;

		if (line[0] == '#' || !strstr(line, " " S2TRACE_EVENT ": "))
			continue;
		if (parse_u64(line, "addr", &r.addr) ||
		    parse_u64(line, "size", &r.size) ||
		    parse_u64(line, "phys", &r.phys) ||
		    parse_u64(line, "prot", &r.prot)) {
			lib_log("%s: cannot parse \"%s\"", path, line);
			fclose(f);
			return -EPROTO;
		}
		if (n == max) {
			lib_log("%s: more than %zu records", path, max);
			fclose(f);
			return -E2BIG;
		}
		recs[n++] = r;
	}
	fclose(f);
	return n;
}

/* Disable, drop the instance, then the event (in use, it cannot go). */
void s2trace_stop(struct s2trace *t)
{
	char path[PATH_MAX];
	int ret;

	if (!t->root)
		return;
	if (t->instance) {
		set_enable(t, "0");
		instance_path(t, "", path, sizeof(path));
		if (rmdir(path))
			(void)lib_errno("rmdir %s", path);
		t->instance = false;
	}
	if (t->probe) {
		snprintf(path, sizeof(path), "%s/kprobe_events", t->root);
		ret = write_str(path, "-:" S2TRACE_NAME "\n", O_APPEND);
		if (ret)
			lib_log("removing " S2TRACE_NAME ": %s", strerror(-ret));
		t->probe = false;
	}
}
