// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-vfio-pci: fuzzed writes to the sysfs files memattr/barN.
 *
 * Every barN file of the test devices takes at least 10,000 writes from a
 * seeded PRNG: random bytes of 0 to PAGE_SIZE + 1, near-valid strings
 * (wrong case, extra spaces, embedded NULs, valid prefixes with junk,
 * "wc" variants) and valid values, allowed or not.  Each write must get
 * exactly the answer the oracle below computes, and the file must then
 * read back as the exact listing for the value the oracle says is active.
 * Afterwards the kernel log may hold only the driver's rate-limited
 * "refused" lines (and ratelimit's "callbacks suppressed").
 *
 * What the kernel does with a write to a sysfs attribute before the driver
 * sees it (fs/kernfs/file.c, fs/sysfs/file.c; the same from 6.1 to 7.2),
 * asserted by write_limits:
 *   - 0 bytes: write() returns 0, store() is not called;
 *   - more than PAGE_SIZE bytes: store() gets the first PAGE_SIZE only
 *     (sysfs attributes have no atomic_write_len, so kernfs truncates),
 *     and a success is a short write of PAGE_SIZE;
 *   - store() gets a copy with a NUL after it, and parses it as a C
 *     string: bytes after an embedded NUL are ignored, as by every
 *     sysfs_match_string()/sysfs_streq() user in the kernel.  A success
 *     returns the count store() was given.
 * Then the ABI of the driver: one value name or "wc", with at most one
 * trailing newline, else EINVAL; a value the BAR does not allow (normal-nc
 * on a non-prefetchable BAR without unsafe_nonprefetchable_nc, or on the
 * MSI-X BAR), EOPNOTSUPP.  The device is never open here, so no EBUSY.
 *
 * Environment: MEMATTR_BDF (ivshmem: BAR0 non-prefetchable, BAR2
 * prefetchable; also the last argument), MEMATTR_MSIX_BDF (MSI-X table in
 * a memory BAR), MEMATTR_FUZZ_SEED (default: from the clock; printed),
 * MEMATTR_FUZZ_WRITES (per file, at least 10000), MEMATTR_TEST_MODE (the
 * devices bound to memattr-vfio-pci or left on vfio-pci: lib/test_mode.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "bdf.h"
#include "kmsg_cursor.h"
#include "memattr_sysfs.h"
#include "pci_bars.h"
#include "pci_sysfs.h"
#include "test_devices.h"
#include "test_mode.h"

#define FUZZ_WRITES_MIN		10000
/* include/linux/ratelimit_types.h: DEFAULT_RATELIMIT_{INTERVAL,BURST} */
#define RATELIMIT_INTERVAL_S	5
#define RATELIMIT_BURST		10

enum dev_id { DEV_SHMEM, DEV_MSIX, NR_DEVS };

static const char *const dev_env[NR_DEVS] = {
	[DEV_SHMEM] = BDF_ENV,
	[DEV_MSIX] = "MEMATTR_MSIX_BDF",
};

static const char *bdfs[NR_DEVS];
static uint64_t seed;
static unsigned long nr_writes = FUZZ_WRITES_MIN;
static size_t page_size;

/* splitmix64: small, seedable, and good enough to pick inputs. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rng_below(uint64_t *state, unsigned int n)
{
	return rng_next(state) % n;
}

/* Every name a write may use: the values, then the alias. */
static const char *const names[] = {
	"default", "device-ngnrne", "device-ngnre", "normal-nc", "wc",
};

static int name_value(unsigned int i)
{
	return i < MEMATTR_NR_VALUES ? (int)i : MEMATTR_NORMAL_NC;
}

/* One barN file, what the oracle knows about it, and what it saw. */
struct knob {
	const char *bdf;
	unsigned int bar;
	bool allowed[MEMATTR_NR_VALUES];
	int active;
	int wfd, rfd;
	unsigned long ok, zero, einval, eopnotsupp, truncated;
};

/* How many bytes of a write store() gets, and a success returns. */
static size_t store_len(size_t len)
{
	return len < page_size ? len : page_size;
}

/*
 * The answer a write of @buf (@len bytes) must get: 0 for success, with
 * the value in *value (-1 for a write that changes nothing), or -errno.
 */
static int oracle(const struct knob *k, const uint8_t *buf, size_t len,
		  int *value)
{
	size_t n, nl;
	unsigned int i;

	*value = -1;
	if (!len)
		return 0;

	n = strnlen((const char *)buf, store_len(len));
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		nl = strlen(names[i]);
		if (n != nl && !(n == nl + 1 && buf[nl] == '\n'))
			continue;
		if (memcmp(buf, names[i], nl))
			continue;
		if (!k->allowed[name_value(i)])
			return -EOPNOTSUPP;
		*value = name_value(i);
		return 0;
	}
	return -EINVAL;
}

/* The exact contents of the file, newline included. */
static void listing(const struct knob *k, char *buf, size_t len)
{
	size_t n = 0;
	int v;

	buf[0] = '\0';
	for (v = 0; v < MEMATTR_NR_VALUES; v++) {
		if (!k->allowed[v])
			continue;
		n += snprintf(buf + n, len - n, v == k->active ? "%s[%s]" : "%s%s",
			      n ? " " : "", memattr_value_names[v]);
	}
	snprintf(buf + n, len - n, "\n");
}

/* The first bytes of @buf, C-escaped, for messages. */
static const char *escape(const uint8_t *buf, size_t len, char *out,
			  size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 8 < outlen; i++) {
		if (buf[i] >= 0x20 && buf[i] < 0x7f && buf[i] != '\\' &&
		    buf[i] != '"')
			out[n++] = buf[i];
		else
			n += snprintf(out + n, outlen - n, "\\x%02x", buf[i]);
	}
	snprintf(out + n, outlen - n, "%s", i < len ? "..." : "");
	return out;
}

/* Random bytes, mostly short, sometimes up to PAGE_SIZE + 1. */
static size_t gen_random(uint64_t *rng, uint8_t *buf)
{
	const size_t edges[] = { 0, 1, 2, page_size - 1, page_size,
				 page_size + 1 };
	bool text = rng_below(rng, 2);
	size_t len, i;

	switch (rng_below(rng, 8)) {
	case 0: case 1: case 2:
		len = rng_below(rng, 17);
		break;
	case 3:
		len = rng_below(rng, page_size + 2);
		break;
	case 4:
		len = edges[rng_below(rng, ARRAY_SIZE(edges))];
		break;
	default:
		len = rng_below(rng, 64);
		break;
	}
	for (i = 0; i < len; i++) {
		buf[i] = rng_next(rng);
		/* Text: printable, with the odd separator and NUL. */
		if (text && rng_below(rng, 16))
			buf[i] = 0x20 + buf[i] % 0x5f;
		else if (text)
			buf[i] = "\n\t \0"[buf[i] % 4];
	}
	return len;
}

/* Sized, as some hold a NUL. */
#define SIZED(s) { s, sizeof(s) - 1 }
static const struct {
	const char *s;
	size_t len;
} wc_variants[] = {
	SIZED("WC"), SIZED("Wc"), SIZED("wC"), SIZED("w c"), SIZED("wcc"),
	SIZED("wc\n\n"), SIZED(" wc"), SIZED("wc "), SIZED("w"), SIZED("c"),
	SIZED("wc\t"), SIZED("wc\r\n"), SIZED("\nwc"), SIZED("wc\n "),
	SIZED("wc-"), SIZED("wc\0junk"), SIZED("wc\n\0x"), SIZED("\0wc"),
	SIZED("write-combining"), SIZED("normal_nc"), SIZED("NORMAL-NC"),
	SIZED("normalnc"), SIZED("wc\0"),
};

/* A valid name with one to three mistakes, which may cancel out. */
static size_t gen_near_valid(uint64_t *rng, uint8_t *buf, size_t max)
{
	const char *junk = "x-_ 9\n\tAZ#";
	size_t len, pos, i, n;
	unsigned int m, k;

	i = rng_below(rng, ARRAY_SIZE(names));
	len = strlen(names[i]);
	memcpy(buf, names[i], len);

	for (m = 1 + rng_below(rng, 3); m; m--) {
		pos = len ? rng_below(rng, len + 1) : 0;
		switch (rng_below(rng, 12)) {
		case 0:		/* one letter's case */
			if (pos < len && isalpha(buf[pos]))
				buf[pos] ^= 0x20;
			break;
		case 1:		/* all upper case */
			for (k = 0; k < len; k++)
				if (buf[k] >= 'a' && buf[k] <= 'z')
					buf[k] -= 0x20;
			break;
		case 2:		/* a space or tab anywhere */
			if (len + 1 >= max)
				break;
			memmove(buf + pos + 1, buf + pos, len - pos);
			buf[pos] = rng_below(rng, 2) ? ' ' : '\t';
			len++;
			break;
		case 3:		/* a newline at the end: valid once */
			if (len + 1 < max)
				buf[len++] = '\n';
			break;
		case 4: {	/* other line ends */
			static const char *const ends[] = {
				"\n\n", "\r\n", "\t\n", "\n ", "\r",
			};
			const char *e = ends[rng_below(rng, 5)];

			if (len + strlen(e) < max) {
				memcpy(buf + len, e, strlen(e));
				len += strlen(e);
			}
			break;
		}
		case 5:		/* a NUL, maybe with junk after it */
			if (len + 1 >= max)
				break;
			memmove(buf + pos + 1, buf + pos, len - pos);
			buf[pos] = '\0';
			len++;
			break;
		case 6:		/* junk appended */
			for (n = 1 + rng_below(rng, 8); n && len + 1 < max; n--)
				buf[len++] = junk[rng_below(rng, strlen(junk))];
			break;
		case 7:		/* a prefix only */
			len = len ? rng_below(rng, len) : 0;
			break;
		case 8:		/* junk in front */
			if (len + 1 >= max)
				break;
			memmove(buf + 1, buf, len);
			buf[0] = junk[rng_below(rng, strlen(junk))];
			len++;
			break;
		case 9:		/* a character replaced or dropped */
			if (!len || pos >= len)
				break;
			if (rng_below(rng, 2)) {
				buf[pos] = "_ -.x"[rng_below(rng, 5)];
			} else {
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
			}
			break;
		case 10:	/* twice */
			if (2 * len + 1 < max) {
				n = rng_below(rng, 2);
				if (n)
					buf[len] = ' ';
				memcpy(buf + len + n, buf, len);
				len = 2 * len + n;
			}
			break;
		default:	/* the alias, misspelt */
			k = rng_below(rng, ARRAY_SIZE(wc_variants));
			len = wc_variants[k].len;
			memcpy(buf, wc_variants[k].s, len);
			break;
		}
	}
	return len;
}

/* A value name, allowed here or not, with or without a newline. */
static size_t gen_valid(uint64_t *rng, uint8_t *buf)
{
	const char *name = names[rng_below(rng, ARRAY_SIZE(names))];
	size_t len = strlen(name);

	memcpy(buf, name, len);
	if (rng_below(rng, 2))
		buf[len++] = '\n';
	return len;
}

static size_t gen_input(uint64_t *rng, uint8_t *buf, size_t max)
{
	unsigned int r = rng_below(rng, 20);

	if (r < 8)
		return gen_random(rng, buf);
	if (r < 17)
		return gen_near_valid(rng, buf, 256 < max ? 256 : max);
	return gen_valid(rng, buf);
}

static int open_knob(struct knob *k)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/memattr/bar%u",
		 k->bdf, k->bar);
	k->wfd = open(path, O_WRONLY | O_CLOEXEC);
	k->rfd = open(path, O_RDONLY | O_CLOEXEC);
	return k->wfd < 0 || k->rfd < 0 ? -errno : 0;
}

static void close_knob(struct knob *k)
{
	if (k->wfd >= 0)
		close(k->wfd);
	if (k->rfd >= 0)
		close(k->rfd);
	k->wfd = -1;
	k->rfd = -1;
}

/* The value of an unsafe_nonprefetchable_nc that sysfs shows. */
static bool unsafe_nc(struct __test_metadata *_metadata)
{
	char buf[MEMATTR_VALUE_MAX];

	EXPECT_EQ(0, memattr_param_read("unsafe_nonprefetchable_nc", buf,
					sizeof(buf)));
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

/* The BAR rules of issue 4, from the BAR itself, not from the driver. */
static void knob_init(struct __test_metadata *_metadata, struct knob *k,
		      const char *bdf, unsigned int bar,
		      const struct pci_bar *b, bool unsafe)
{
	char active[MEMATTR_VALUE_MAX];
	int v;

	memset(k, 0, sizeof(*k));
	k->wfd = -1;
	k->rfd = -1;
	k->bdf = bdf;
	k->bar = bar;
	for (v = 0; v < MEMATTR_NR_VALUES; v++)
		k->allowed[v] = v != MEMATTR_NORMAL_NC ||
				(!b->msix && (b->prefetch || unsafe));
	ASSERT_EQ(0, memattr_bar_active(bdf, bar, active, sizeof(active)));
	k->active = memattr_value_parse(active);
	ASSERT_LE(0, k->active) TH_LOG("%s bar%u: active \"%s\"", bdf, bar,
				       active);
	ASSERT_EQ(0, open_knob(k)) TH_LOG("%s bar%u: %s", bdf, bar,
					  strerror(errno));
}

/* One write and its read-back, checked against the oracle. */
static void fuzz_one(struct __test_metadata *_metadata, struct knob *k,
		     const uint8_t *buf, size_t len, unsigned long i)
{
	char want[MEMATTR_VALUE_MAX], got[MEMATTR_VALUE_MAX], esc[200];
	int expect, value, err;
	ssize_t ret;

	expect = oracle(k, buf, len, &value);
	ret = pwrite(k->wfd, buf, len, 0);
	err = ret < 0 ? errno : 0;

	if (!expect) {
		ASSERT_EQ((ssize_t)store_len(len), ret)
			TH_LOG("%s bar%u, write %lu (seed %llu), %zu bytes \"%s\": %s, want %s",
			       k->bdf, k->bar, i, (unsigned long long)seed, len,
			       escape(buf, len, esc, sizeof(esc)),
			       ret < 0 ? strerror(err) : "wrong count", "success");
	} else {
		ASSERT_EQ(-expect, err)
			TH_LOG("%s bar%u, write %lu (seed %llu), %zu bytes \"%s\": %s, want %s",
			       k->bdf, k->bar, i, (unsigned long long)seed, len,
			       escape(buf, len, esc, sizeof(esc)),
			       ret < 0 ? strerror(err) : "success",
			       strerror(-expect));
	}

	if (len > page_size)
		k->truncated++;
	switch (expect) {
	case 0:
		if (!len)
			k->zero++;
		else
			k->ok++;
		if (value >= 0)
			k->active = value;
		break;
	case -EINVAL:
		k->einval++;
		break;
	case -EOPNOTSUPP:
		k->eopnotsupp++;
		break;
	}

	ret = pread(k->rfd, got, sizeof(got) - 1, 0);
	ASSERT_LT(0, ret) TH_LOG("%s bar%u: read back: %s", k->bdf, k->bar,
				 strerror(errno));
	got[ret] = '\0';
	listing(k, want, sizeof(want));
	ASSERT_STREQ(want, got)
		TH_LOG("%s bar%u, after write %lu (seed %llu) of %zu bytes \"%s\"",
		       k->bdf, k->bar, i, (unsigned long long)seed, len,
		       escape(buf, len, esc, sizeof(esc)));
}

/* What the kernel log may hold after a fuzz run. */
struct log_check {
	const char *bdf;
	unsigned int refused;
	unsigned int suppressed;
	unsigned int other;
};

static bool log_line(const char *msg, void *arg)
{
	struct log_check *c = arg;
	char prefix[128];
	const char *p;

	if (strstr(msg, " callbacks suppressed")) {
		c->suppressed++;
		return true;
	}
	/* "memattr-vfio-pci BDF: memattr: barN: ... refused[: why]" */
	snprintf(prefix, sizeof(prefix), "%s %s: memattr: bar",
		 test_mode_driver(), c->bdf);
	if (!strncmp(msg, prefix, strlen(prefix))) {
		p = strstr(msg, " refused");
		if (p && (!p[8] || !strncmp(p + 8, ": ", 2))) {
			c->refused++;
			return true;
		}
	}
	/*
	 * Other subsystems' lines (e.g. "hrtimer: interrupt took ... ns",
	 * which slow emulation triggers at random) are not the fuzz's doing;
	 * anything about the device or the driver, or any kernel warning,
	 * is.
	 */
	if (!strstr(msg, c->bdf) && !strstr(msg, "memattr") &&
	    !strstr(msg, "WARNING") && !strstr(msg, "BUG") &&
	    !strstr(msg, "Oops"))
		return true;
	c->other++;
	fprintf(stderr, "# unexpected kernel message: %s\n", msg);
	return false;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(fuzz) {
	struct pci_sysfs_state saved;
	bool saved_valid;
	const char *bdf;
	int kmsg;
};

FIXTURE_VARIANT(fuzz) {
	enum dev_id dev;
};

FIXTURE_VARIANT_ADD(fuzz, ivshmem) {
	.dev = DEV_SHMEM,
};

FIXTURE_VARIANT_ADD(fuzz, msix) {
	.dev = DEV_MSIX,
};

FIXTURE_SETUP(fuzz)
{
	self->kmsg = -1;
	self->bdf = bdfs[variant->dev];
	if (!self->bdf)
		SKIP(return, "%s not set: no such device in this guest",
		     dev_env[variant->dev]);
	if (!pci_sysfs_driver_registered(MEMATTR_DRIVER))
		SKIP(return, "driver %s is not registered (module not loaded)",
		     MEMATTR_DRIVER);
	ASSERT_EQ(0, pci_sysfs_save(self->bdf, &self->saved));
	self->saved_valid = true;
	test_mode_bind(_metadata, self->bdf);
	/* After the bind: its messages are not the fuzz run's. */
	self->kmsg = kmsg_cursor_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(fuzz)
{
	int ret;

	if (self->kmsg >= 0)
		close(self->kmsg);
	if (!self->saved_valid)
		return;
	ret = test_devices_restore_one(self->bdf, &self->saved);
	if (ret) {
		EXPECT_EQ(0, ret) TH_LOG("restoring %s: %s", self->bdf,
					 strerror(-ret));
	}
}

/* Every memory BAR's file: the fuzz run, then the kernel log. */
TEST_F_TIMEOUT(fuzz, writes, 600)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	struct log_check log = { .bdf = self->bdf };
	unsigned int bar, knobs = 0, limit;
	uint64_t rng = seed ^ (uint64_t)variant->dev << 56;
	uint8_t *buf;
	unsigned long i;
	struct knob k;
	bool unsafe;
	double t0, t;

	buf = malloc(page_size + 2);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pci_bars_read(self->bdf, bars));
	unsafe = unsafe_nc(_metadata);
	t0 = now();

	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		if (bars[bar].kind != PCI_BAR_MEM)
			continue;
		knob_init(_metadata, &k, self->bdf, bar, &bars[bar], unsafe);
		t = now();
		for (i = 0; i < nr_writes; i++) {
			size_t len = gen_input(&rng, buf, page_size + 2);

			fuzz_one(_metadata, &k, buf, len, i);
			if (_metadata->exit_code)
				break;
		}
		close_knob(&k);
		if (_metadata->exit_code)
			break;
		TH_LOG("%s bar%u (%s%s): %lu writes in %.1f s",
		       self->bdf, bar, bars[bar].prefetch ? "prefetchable" :
		       "non-prefetchable", bars[bar].msix ? ", MSI-X" : "",
		       nr_writes, now() - t);
		TH_LOG("%lu ok, %lu empty, %lu EINVAL, %lu EOPNOTSUPP, %lu longer than a page",
		       k.ok, k.zero, k.einval, k.eopnotsupp, k.truncated);
		ASSERT_LT(0UL, k.ok);
		ASSERT_LT(0UL, k.einval);
		ASSERT_LT(0UL, k.truncated);
		if (!k.allowed[MEMATTR_NORMAL_NC])
			ASSERT_LT(0UL, k.eopnotsupp);
		knobs++;
	}
	free(buf);
	ASSERT_LT(0U, knobs) TH_LOG("%s: no memory BAR", self->bdf);

	/*
	 * The driver rate-limits refusal notices per device: at most a burst
	 * per interval, plus one for an interval that began before this
	 * test. Another device's refusals cannot spend this device's budget,
	 * so at least one reason must reach the log.
	 */
	ASSERT_LE(0, kmsg_cursor_grep(self->kmsg, log_line, &log));
	limit = RATELIMIT_BURST *
		((unsigned int)((now() - t0) / RATELIMIT_INTERVAL_S) + 2);
	TH_LOG("kernel log: %u refused lines (at most %u), %u \"callbacks suppressed\", %u others",
	       log.refused, limit, log.suppressed, log.other);
	ASSERT_EQ(0U, log.other);
	ASSERT_GE(limit, log.refused);
	ASSERT_LT(0U, log.refused);
}

/*
 * The sysfs layer's limits, spelt out on BAR2 of the ivshmem device
 * (prefetchable: every value allowed), with the state in between.
 */
TEST_F(fuzz, write_limits)
{
	char active[MEMATTR_VALUE_MAX];
	uint8_t *buf;
	ssize_t ret;
	struct knob k = { .bdf = self->bdf, .bar = 2, .wfd = -1, .rfd = -1 };

	if (variant->dev != DEV_SHMEM)
		SKIP(return, "spelt out on the ivshmem device only");
	ASSERT_EQ(0, open_knob(&k));
	buf = calloc(1, page_size + 2);
	ASSERT_NE(NULL, buf);

	ASSERT_EQ(0, memattr_bar_write(self->bdf, 2, "device-ngnre"));

	/* Nothing written: no store(), success, nothing changed. */
	ASSERT_EQ(0, pwrite(k.wfd, "normal-nc", 0, 0));
	ASSERT_EQ(0, memattr_bar_active(self->bdf, 2, active, sizeof(active)));
	ASSERT_STREQ("device-ngnre", active);

	/* PAGE_SIZE bytes: a value padded with NULs is that value. */
	memcpy(buf, "normal-nc", 9);
	ret = pwrite(k.wfd, buf, page_size, 0);
	ASSERT_EQ((ssize_t)page_size, ret) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memattr_bar_active(self->bdf, 2, active, sizeof(active)));
	ASSERT_STREQ("normal-nc", active);

	/* One byte more: store() gets a page, the write is short. */
	memcpy(buf, "default", 8);
	ret = pwrite(k.wfd, buf, page_size + 1, 0);
	ASSERT_EQ((ssize_t)page_size, ret) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memattr_bar_active(self->bdf, 2, active, sizeof(active)));
	ASSERT_STREQ("default", active);
	/* What is cut off is not looked at: junk there changes nothing. */
	memcpy(buf, "device-ngnre", 12);
	memset(buf + 12, 0, page_size - 12);
	buf[page_size] = 'x';
	ret = pwrite(k.wfd, buf, page_size + 1, 0);
	ASSERT_EQ((ssize_t)page_size, ret) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memattr_bar_active(self->bdf, 2, active, sizeof(active)));
	ASSERT_STREQ("device-ngnre", active);

	/* An embedded NUL ends the string store() parses. */
	ret = pwrite(k.wfd, "default\0junk", 12, 0);
	ASSERT_EQ(12, ret) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memattr_bar_active(self->bdf, 2, active, sizeof(active)));
	ASSERT_STREQ("default", active);
	ASSERT_EQ(-1, pwrite(k.wfd, "\0normal-nc", 10, 0));
	ASSERT_EQ(EINVAL, errno);

	/* One newline, not two, not a space; case matters. */
	ASSERT_EQ(3, pwrite(k.wfd, "wc\n", 3, 0));
	ASSERT_EQ(-1, pwrite(k.wfd, "default\n\n", 9, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, pwrite(k.wfd, "default ", 8, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, pwrite(k.wfd, "Default", 7, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, pwrite(k.wfd, "WC", 2, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, memattr_bar_active(self->bdf, 2, active, sizeof(active)));
	ASSERT_STREQ("normal-nc", active);

	free(buf);
	close_knob(&k);
}

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end) {
		ksft_print_header();
		ksft_exit_fail_msg("%s=\"%s\" is not a number\n", name, s);
	}
	return v;
}

int main(int argc, char *argv[])
{
	struct timespec ts;

	test_mode_init();
	test_devices_get(&argc, argv, dev_env, bdfs, NR_DEVS);

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = env_ulong("MEMATTR_FUZZ_SEED",
			 (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec);
	nr_writes = env_ulong("MEMATTR_FUZZ_WRITES", FUZZ_WRITES_MIN);
	if (nr_writes < FUZZ_WRITES_MIN)
		nr_writes = FUZZ_WRITES_MIN;
	page_size = sysconf(_SC_PAGESIZE);
	/* A TAP comment, before the plan, so a failure can be replayed. */
	printf("# MEMATTR_FUZZ_SEED=%llu MEMATTR_FUZZ_WRITES=%lu PAGE_SIZE=%zu\n",
	       (unsigned long long)seed, nr_writes, page_size);
	fflush(stdout);

	return test_harness_run(argc, argv);
}
