// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault-bench: the VM half of `make bench`. Binds one device first to
 * stock vfio-pci, then to memattr-vfio-pci under each value, round after
 * round (interleaved, so drift hits every configuration alike), and
 * measures through VFIO (stock twice per round: the second time, as
 * "stock-again", shows how far two runs of the same code differ):
 *   1. first-touch faults over the whole BAR: ns per GiB (the fastest of
 *      several map-touch-unmap repetitions), and the number of faults
 *      (the process's minor-fault count);
 *   2. the page-table leaf sizes backing the mapping (4K/2M/1G, sampled
 *      every 2 MiB through the memattr-pte test module: how many samples
 *      hit each size);
 *   3. one mmap + munmap cycle of the BAR, in ns;
 *   4. MMIO copy bandwidth and latency of 8, 64 and 4096 bytes.
 * Each measurement prints one "bench:" line; the host (scripts/bench.sh)
 * takes medians and ratios against stock. Round 0 is a warm-up.
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
#include <sys/resource.h>
#include <time.h>

#include "memattr_pte.h"
#include "memattr_sysfs.h"
#include "mmio_copy.h"
#include "pci_sysfs.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define BENCH_BAR	2
#define SAMPLE_STRIDE	(2UL << 20)
#define MMAP_CYCLES	200
#define COPY_ITERS	2000
#define TOUCH_MIN_NS	500e6
#define TOUCH_MIN_REPS	5
/*
 * Beyond the values: stock vfio-pci, and stock measured a second time in
 * the same round, whose ratio to the first is the noise floor of the run.
 */
#define STOCK		MEMATTR_NR_VALUES
#define STOCK_AGAIN	(MEMATTR_NR_VALUES + 1)
#define NR_CONFIGS	(MEMATTR_NR_VALUES + 2)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
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

static void leaf_sizes(volatile uint8_t *map, size_t len, unsigned int *leaf)
{
	struct memattr_pte pte;
	size_t off;

	memset(leaf, 0, 3 * sizeof(*leaf));
	for (off = 0; off < len; off += SAMPLE_STRIDE) {
		if (memattr_pte_query(map + off, &pte))
			continue;
		if (!strcmp(pte.level, "pud"))
			leaf[2]++;
		else if (!strcmp(pte.level, "pmd"))
			leaf[1]++;
		else
			leaf[0]++;
	}
}

static int measure(const char *bdf, int config, int round)
{
	struct vfio_region_info info;
	volatile uint8_t *map;
	struct vfio_dev dev;
	unsigned int leaf[3];
	double start, best_ns, total_ns, cycle_ns;
	unsigned int reps;
	long faults;
	size_t off, i;
	uint8_t sum = 0;
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

	/* 3: mmap + munmap, no touch. */
	start = now_ns();
	for (i = 0; i < MMAP_CYCLES; i++) {
		void *m = vfio_region_mmap(dev.device_fd, &info, 0);

		if (m == MAP_FAILED) {
			ret = -errno;
			goto out;
		}
		munmap(m, info.size);
	}
	cycle_ns = (now_ns() - start) / MMAP_CYCLES;

	/*
	 * 1 and 2: first touch of every page, aligned so huge leaves fit.
	 * Repeated (map, touch, unmap) until TOUCH_MIN_NS have passed, so
	 * that a BAR mapped with few huge leaves is still timed over many
	 * faults. The fastest repetition counts: a repetition only gets
	 * slower by what else the machine does. The last mapping stays for
	 * the leaf sizes and copies.
	 */
	best_ns = 0;
	total_ns = 0;
	faults = 0;
	for (reps = 1;; reps++) {
		double ns;
		long before;

		map = vfio_region_mmap_aligned(dev.device_fd, &info, 0,
					       info.size);
		if (map == MAP_FAILED) {
			ret = -errno;
			goto out;
		}
		before = minor_faults();
		start = now_ns();
		for (off = 0; off < info.size; off += 4096)
			sum += map[off];
		ns = now_ns() - start;
		faults += minor_faults() - before;
		total_ns += ns;
		if (reps == 1 || ns < best_ns)
			best_ns = ns;
		if (total_ns >= TOUCH_MIN_NS && reps >= TOUCH_MIN_REPS)
			break;
		munmap((void *)map, info.size);
	}
	faults /= reps;
	leaf_sizes(map, info.size, leaf);

	printf("bench: round=%d config=%s bytes=%llu", round,
	       config_name(config), (unsigned long long)info.size);
	printf(" fault_ns_per_gib=%.0f faults=%ld",
	       best_ns * (1UL << 30) / info.size, faults);
	printf(" leaf_4k=%u leaf_2m=%u leaf_1g=%u mmap_cycle_ns=%.0f",
	       leaf[0], leaf[1], leaf[2], cycle_ns);

	/* 4: copies at the start of the BAR. */
	for (i = 0; i < MMIO_COPY_NR_SIZES; i++) {
		size_t size = mmio_copy_sizes[i];
		struct mmio_copy_result res;

		mmio_copy_measure(map, size, COPY_ITERS, &res);
		printf(" copy%zu_write_gbps=%.4f copy%zu_read_gbps=%.4f",
		       size, res.write_gbps, size, res.read_gbps);
		printf(" copy%zu_write_ns=%.0f copy%zu_read_ns=%.0f",
		       size, res.write_ns, size, res.read_ns);
	}
	printf(" sum=%u\n", sum);
	fflush(stdout);
	munmap((void *)map, info.size);
out:
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
	 * first or right after stock. Round 0 warms up (the host populates the BAR's
	 * backing memory on first touch) and is not counted.
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
