// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault-bench: the VM half of `make bench`. Binds one device first to
 * stock vfio-pci, then to memattr-vfio-pci under each value, round after
 * round (interleaved, so drift hits every configuration alike), and
 * measures through VFIO (stock twice per round: the second time, as
 * "stock-again", shows how far two runs of the same code differ):
 *
 *   fault4k, faultpmd, faultpud: the cost of one first-touch fault of each
 *      leaf size, from mappings whose size and alignment leave the kernel
 *      only that size: a 1 MiB window (4K), a 2 MiB-aligned 64 MiB window
 *      (2M), the whole 1 GiB BAR aligned to 1 GiB (1G where the kernel maps
 *      PUDs). Only the touches are timed; the leaf the kernel really
 *      installed is read back (memattr-pte) and printed;
 *   mmap: one mmap + munmap cycle of the whole BAR, no touch (the fastest
 *      of several batches);
 *   pread, pwrite: one 4-byte access through vfio's region read/write.
 *
 * Every figure is the fastest of several batches (mappings, for faults):
 * under icount each configuration runs the same instructions every round,
 * so a timer interrupt would land in the same batch each time and bias
 * one configuration; the fastest batch has none.
 *   copy*: MMIO copy bandwidth and latency of 8, 64 and 4096 bytes.
 *
 * Times are CLOCK_MONOTONIC nanoseconds. Under QEMU -icount shift=0 (the
 * default `make bench`) the guest clock advances by one nanosecond per
 * executed instruction, so every figure is an instruction count. Each
 * measurement prints one "bench:" line; the host (scripts/bench.sh) takes
 * medians and ratios against stock. Round 0 is a warm-up.
 *
 *   fault-bench [-r ROUNDS] BDF
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "memattr_pte.h"
#include "memattr_sysfs.h"
#include "mmio_copy.h"
#include "pci_sysfs.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define BENCH_BAR	2
#define SZ_1M		0x100000UL
#define SZ_2M		0x200000UL
#define SZ_1G		0x40000000UL
#define MMAP_BATCHES	10
#define MMAP_CYCLES	20	/* per batch */
#define RW_BATCHES	10
#define RW_ITERS	50	/* per batch */
#define COPY_ITERS	2000
/* Mappings per leaf size and round: faults = mappings * faults each. */
#define MAPS_4K		8	/* 256 faults each */
#define MAPS_PMD	8	/* 32 faults each */
#define MAPS_PUD	64	/* 1 fault each */
/*
 * Beyond the values: stock vfio-pci, and stock measured a second time in
 * the same round, whose ratio to the first is the noise floor of the run.
 */
#define STOCK		MEMATTR_NR_VALUES
#define STOCK_AGAIN	(MEMATTR_NR_VALUES + 1)
#define NR_CONFIGS	(MEMATTR_NR_VALUES + 2)

struct leaf_class {
	const char *name;
	size_t len;		/* of each mapping */
	size_t align;
	size_t stride;		/* between touches: one fault each */
	unsigned int maps;
};

static const struct leaf_class leaf_classes[] = {
	{ "fault4k", SZ_1M, SZ_1M, 4096, MAPS_4K },
	{ "faultpmd", 64 * SZ_1M, SZ_2M, SZ_2M, MAPS_PMD },
	{ "faultpud", SZ_1G, SZ_1G, SZ_1G, MAPS_PUD },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const char *config_name(int config)
{
	if (config == STOCK)
		return "stock";
	if (config == STOCK_AGAIN)
		return "stock-again";
	return memattr_value_names[config];
}

/* Bind @bdf to the driver @config needs and set its BAR value. */
static int configure(const char *bdf, int config)
{
	bool stock = config == STOCK || config == STOCK_AGAIN;
	const char *driver = stock ? "vfio-pci" : MEMATTR_DRIVER;
	int ret;

	ret = pci_sysfs_bind_override(bdf, driver);
	if (ret) {
		fprintf(stderr, "# bind %s to %s: %s\n", bdf, driver,
			strerror(-ret));
		return ret;
	}
	if (stock)
		return 0;
	ret = memattr_bar_write(bdf, BENCH_BAR, memattr_value_names[config]);
	if (ret)
		fprintf(stderr, "# %s bar%d = %s: %s\n", bdf, BENCH_BAR,
			memattr_value_names[config], strerror(-ret));
	return ret;
}

/*
 * Nanoseconds per first-touch fault of class @lc, and the level of the
 * leaf installed ("pte", "pmd", "pud"), or "-" when the BAR is smaller
 * than the class's mapping.
 */
static int time_faults(int fd, const struct vfio_region_info *info,
		       const struct leaf_class *lc, double *ns_per_fault,
		       char *level, size_t level_len, uint8_t *sum)
{
	struct memattr_pte pte;
	unsigned int m;
	size_t off;

	*ns_per_fault = 0;
	snprintf(level, level_len, "-");
	if (info->size < lc->len)
		return 0;
	for (m = 0; m < lc->maps; m++) {
		volatile uint8_t *map;
		double start, ns;

		map = vfio_region_mmap_aligned(fd, info, lc->len, lc->align);
		if (map == MAP_FAILED)
			return -errno;
		start = now_ns();
		for (off = 0; off < lc->len; off += lc->stride)
			*sum += map[off];
		ns = (now_ns() - start) / (lc->len / lc->stride);
		if (!m || ns < *ns_per_fault)
			*ns_per_fault = ns;
		if (m == 0 && !memattr_pte_query(map, &pte))
			snprintf(level, level_len, "%s", pte.level);
		munmap((void *)map, lc->len);
	}
	return 0;
}

/* The fastest of RW_BATCHES batches of 4-byte region reads or writes. */
static int time_rw_one(int fd, const struct vfio_region_info *info,
		       bool write, double *best)
{
	uint32_t word = 0;
	double start, ns;
	ssize_t n;
	int b, i;

	for (b = 0; b < RW_BATCHES; b++) {
		start = now_ns();
		for (i = 0; i < RW_ITERS; i++) {
			n = write ? pwrite(fd, &word, sizeof(word),
					   info->offset + 0x100) :
				    pread(fd, &word, sizeof(word),
					  info->offset + 0x100);
			if (n != sizeof(word))
				return -EIO;
		}
		ns = (now_ns() - start) / RW_ITERS;
		if (!b || ns < *best)
			*best = ns;
	}
	return 0;
}

static int time_rw(int fd, const struct vfio_region_info *info,
		   double *read_ns, double *write_ns)
{
	return time_rw_one(fd, info, false, read_ns) ?:
	       time_rw_one(fd, info, true, write_ns);
}

static int measure(const char *bdf, int config, int round)
{
	struct vfio_region_info info;
	double ns, start, cycle_ns, read_ns, write_ns;
	volatile uint8_t *map;
	struct vfio_dev dev;
	char level[8];
	uint8_t sum = 0;
	size_t i, b;
	int ret;

	ret = configure(bdf, config);
	if (ret)
		return ret;
	ret = vfio_open_device(bdf, &dev);
	if (ret)
		return ret;
	ret = vfio_region_get_info(dev.device_fd, BENCH_BAR, &info);
	if (ret)
		goto out;

	printf("bench: round=%d config=%s bytes=%llu", round,
	       config_name(config), (unsigned long long)info.size);

	for (i = 0; i < ARRAY_SIZE(leaf_classes); i++) {
		ret = time_faults(dev.device_fd, &info, &leaf_classes[i], &ns,
				  level, sizeof(level), &sum);
		if (ret)
			goto out;
		printf(" %s_ns=%.1f %s_leaf=%s", leaf_classes[i].name, ns,
		       leaf_classes[i].name, level);
	}

	/*
	 * The fastest of several batches: a timer interrupt lands in some
	 * batch or other, and would otherwise make two runs of the same
	 * code differ.
	 */
	cycle_ns = 0;
	for (b = 0; b < MMAP_BATCHES; b++) {
		start = now_ns();
		for (i = 0; i < MMAP_CYCLES; i++) {
			void *m = vfio_region_mmap(dev.device_fd, &info, 0);

			if (m == MAP_FAILED) {
				ret = -errno;
				goto out;
			}
			munmap(m, info.size);
		}
		ns = (now_ns() - start) / MMAP_CYCLES;
		if (!b || ns < cycle_ns)
			cycle_ns = ns;
	}

	ret = time_rw(dev.device_fd, &info, &read_ns, &write_ns);
	if (ret)
		goto out;
	printf(" mmap_ns=%.1f pread_ns=%.1f pwrite_ns=%.1f", cycle_ns, read_ns,
	       write_ns);

	/* Copies at the start of the BAR, 4K-mapped. */
	map = vfio_region_mmap(dev.device_fd, &info, SZ_1M);
	if (map == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	for (i = 0; i < MMIO_COPY_NR_SIZES; i++) {
		size_t size = mmio_copy_sizes[i];
		struct mmio_copy_result res;

		mmio_copy_measure(map, size, COPY_ITERS, &res);
		printf(" copy%zu_write_gbps=%.4f copy%zu_read_gbps=%.4f",
		       size, res.write_gbps, size, res.read_gbps);
		printf(" copy%zu_write_ns=%.0f copy%zu_read_ns=%.0f",
		       size, res.write_ns, size, res.read_ns);
	}
	munmap((void *)map, SZ_1M);
	printf(" sum=%u\n", sum);
	fflush(stdout);
out:
	if (ret)
		printf("\n");
	vfio_dev_close(&dev);
	return ret;
}

int main(int argc, char *argv[])
{
	struct pci_sysfs_state saved;
	int rounds = 5, round, config, i, ret = 0;
	const char *bdf;

	if (argc == 4 && !strcmp(argv[1], "-r")) {
		rounds = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || rounds < 1) {
		fprintf(stderr, "usage: fault-bench [-r ROUNDS] BDF\n");
		return 2;
	}
	bdf = argv[1];
	if (!memattr_pte_available()) {
		fprintf(stderr, "fault-bench: %s missing (memattr-pte test module)\n",
			MEMATTR_PTE_PATH);
		return 1;
	}
	if (pci_sysfs_save(bdf, &saved))
		return 1;
	/*
	 * Each round measures stock (twice) and every value, starting one
	 * further along each round so that no configuration always runs
	 * first or right after stock. Round 0 warms up (the host populates
	 * the BAR's backing memory on first touch) and is not counted.
	 */
	for (round = 0; round <= rounds && !ret; round++)
		for (i = 0; i < NR_CONFIGS && !ret; i++) {
			config = (round + i) % NR_CONFIGS;
			ret = measure(bdf, config, round);
		}
	if (pci_sysfs_restore(bdf, &saved))
		ret = ret ? ret : -EIO;
	if (ret)
		fprintf(stderr, "fault-bench: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
