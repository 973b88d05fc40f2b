// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-bench: MMIO copy bandwidth and latency of one BAR of a device
 * bound to memattr-vfio-pci, under each memory type the BAR allows, and
 * the speed-up of normal-nc over device-ngnre. For real hardware: under
 * emulation (QEMU TCG) the figures say nothing about write-combining.
 *
 *   memattr-bench [-i ITERATIONS] [-v VALUE]... BDF BAR
 *
 * The device must not be open elsewhere (the knob refuses with EBUSY).
 * The BAR's previous value is restored on exit. Writes go to the BAR:
 * use it only on a BAR whose contents the device tolerates being
 * overwritten (a memory aperture, a scratch or doorbell area you own).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memattr_sysfs.h"
#include "mmio_copy.h"
#include "pci_sysfs.h"
#include "vfio_open.h"
#include "vfio_region.h"

#define EXIT_USAGE	2
#define EXIT_REFUSED	3

struct value_result {
	int value;
	struct mmio_copy_result res[MMIO_COPY_NR_SIZES];
};

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: memattr-bench [-i ITERATIONS] [-v VALUE]... BDF BAR\n"
		"  Measure MMIO copy bandwidth and latency (8, 64, 4096 bytes)\n"
		"  on BAR (0-5, or barN) of BDF, which must be bound to\n"
		"  memattr-vfio-pci, under each value the BAR allows (or each\n"
		"  -v VALUE), then restore the BAR's value.\n"
		"  -i N   copies per measurement (default 20000)\n"
		"  -v V   measure only V: default, device-ngnrne, device-ngnre,\n"
		"         normal-nc (wc); may be repeated\n");
}

static int parse_bar(const char *arg)
{
	char *end;
	long bar;

	if (!strncmp(arg, "bar", 3))
		arg += 3;
	bar = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || bar < 0 || bar > 5)
		return -1;
	return bar;
}

/* The values the BAR's knob offers, from its "[a] b c" listing. */
static int allowed_values(const char *bdf, unsigned int bar, bool *allowed)
{
	char buf[MEMATTR_VALUE_MAX], *tok, *save;
	int ret, v;

	ret = memattr_bar_read(bdf, bar, buf, sizeof(buf));
	if (ret)
		return ret;
	for (tok = strtok_r(buf, " []\n", &save); tok;
	     tok = strtok_r(NULL, " []\n", &save)) {
		v = memattr_value_parse(tok);
		if (v >= 0)
			allowed[v] = true;
	}
	return 0;
}

static int measure(const char *bdf, unsigned int bar, unsigned int iterations,
		   struct value_result *vr)
{
	struct vfio_region_info info;
	struct vfio_dev dev;
	size_t len;
	void *map;
	size_t i;
	int ret;

	ret = memattr_bar_write(bdf, bar, memattr_value_names[vr->value]);
	if (ret) {
		fprintf(stderr, "memattr-bench: %s bar%u: setting %s: %s\n",
			bdf, bar, memattr_value_names[vr->value],
			ret == -EBUSY ? "the device is open elsewhere" :
			strerror(-ret));
		return ret;
	}
	ret = vfio_open_device(bdf, &dev);
	if (ret) {
		fprintf(stderr, "memattr-bench: %s: cannot open it through VFIO: %s\n",
			bdf, strerror(-ret));
		return ret;
	}
	ret = vfio_region_get_info(dev.device_fd, bar, &info);
	if (ret || !(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !info.size) {
		fprintf(stderr, "memattr-bench: %s bar%u: not mmap-able\n",
			bdf, bar);
		vfio_dev_close(&dev);
		return ret ? ret : -EINVAL;
	}
	len = info.size < 4096 ? info.size : 4096;
	map = vfio_region_mmap(dev.device_fd, &info, len);
	if (map == MAP_FAILED) {
		vfio_dev_close(&dev);
		return -errno;
	}
	for (i = 0; i < MMIO_COPY_NR_SIZES; i++) {
		if (mmio_copy_sizes[i] > len)
			continue;
		mmio_copy_measure(map, mmio_copy_sizes[i], iterations, &vr->res[i]);
	}
	munmap(map, len);
	vfio_dev_close(&dev);
	return 0;
}

static void print_table(const struct value_result *vr, int nr)
{
	int v, dev_ngnre = -1, nc = -1;
	size_t i;

	printf("%-14s %6s %11s %11s %10s %10s\n", "value", "bytes",
	       "write GB/s", "read GB/s", "write ns", "read ns");
	for (v = 0; v < nr; v++) {
		if (vr[v].value == MEMATTR_DEVICE_NGNRE)
			dev_ngnre = v;
		if (vr[v].value == MEMATTR_NORMAL_NC)
			nc = v;
		for (i = 0; i < MMIO_COPY_NR_SIZES; i++)
			printf("%-14s %6zu %11.3f %11.3f %10.1f %10.1f\n",
			       memattr_value_names[vr[v].value], mmio_copy_sizes[i],
			       vr[v].res[i].write_gbps, vr[v].res[i].read_gbps,
			       vr[v].res[i].write_ns, vr[v].res[i].read_ns);
	}
	if (dev_ngnre < 0 || nc < 0)
		return;
	printf("\nspeed-up of normal-nc over device-ngnre (write, read):\n");
	for (i = 0; i < MMIO_COPY_NR_SIZES; i++)
		printf("%6zu bytes: %.2fx %.2fx\n", mmio_copy_sizes[i],
		       vr[nc].res[i].write_gbps / vr[dev_ngnre].res[i].write_gbps,
		       vr[nc].res[i].read_gbps / vr[dev_ngnre].res[i].read_gbps);
}

int main(int argc, char *argv[])
{
	bool wanted[MEMATTR_NR_VALUES] = { false };
	bool allowed[MEMATTR_NR_VALUES] = { false };
	struct value_result vr[MEMATTR_NR_VALUES];
	char driver[PCI_SYSFS_NAME_MAX], saved[MEMATTR_VALUE_MAX];
	unsigned int iterations = 20000;
	bool any_wanted = false;
	int opt, bar, v, nr = 0, ret = 0;
	const char *bdf;

	while ((opt = getopt(argc, argv, "hi:v:")) != -1) {
		switch (opt) {
		case 'i':
			iterations = strtoul(optarg, NULL, 10);
			if (!iterations) {
				fprintf(stderr, "memattr-bench: bad -i %s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			v = memattr_value_parse(optarg);
			if (v < 0) {
				fprintf(stderr, "memattr-bench: unknown value '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			wanted[v] = true;
			any_wanted = true;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			print_help(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	bdf = argv[optind];
	bar = parse_bar(argv[optind + 1]);
	if (bar < 0) {
		fprintf(stderr, "memattr-bench: '%s' is not a BAR (0-5)\n",
			argv[optind + 1]);
		return EXIT_USAGE;
	}
	if (!pci_sysfs_device_exists(bdf)) {
		fprintf(stderr, "memattr-bench: no PCI device %s\n", bdf);
		return EXIT_USAGE;
	}
	if (pci_sysfs_get_driver(bdf, driver, sizeof(driver)) ||
	    strcmp(driver, MEMATTR_DRIVER)) {
		fprintf(stderr, "memattr-bench: %s is not bound to %s (driver: %s)\n",
			bdf, MEMATTR_DRIVER, *driver ? driver : "none");
		return EXIT_REFUSED;
	}
	if (!memattr_bar_file_exists(bdf, bar) ||
	    allowed_values(bdf, bar, allowed)) {
		fprintf(stderr, "memattr-bench: %s bar%d has no memattr knob (not a memory BAR)\n",
			bdf, bar);
		return EXIT_REFUSED;
	}
	for (v = 0; v < MEMATTR_NR_VALUES; v++) {
		if (any_wanted && wanted[v] && !allowed[v]) {
			fprintf(stderr, "memattr-bench: %s bar%d does not allow %s\n",
				bdf, bar, memattr_value_names[v]);
			return EXIT_REFUSED;
		}
	}
	if (memattr_bar_active(bdf, bar, saved, sizeof(saved)))
		return EXIT_FAILURE;

	for (v = 0; v < MEMATTR_NR_VALUES && !ret; v++) {
		if (!allowed[v] || (any_wanted && !wanted[v]))
			continue;
		memset(&vr[nr], 0, sizeof(vr[nr]));
		vr[nr].value = v;
		ret = measure(bdf, bar, iterations, &vr[nr]);
		if (!ret)
			nr++;
	}
	if (memattr_bar_write(bdf, bar, saved))
		fprintf(stderr, "memattr-bench: %s bar%d: could not restore %s\n",
			bdf, bar, saved);
	if (ret)
		return ret == -EBUSY ? EXIT_REFUSED : EXIT_FAILURE;
	print_table(vr, nr);
	return 0;
}
