// SPDX-License-Identifier: GPL-2.0-only
/*
 * memattr-demo: the guest half of `make demo` (scripts/demo.sh). Not
 * installed.
 *
 * Maps BAR2 of an ivshmem device bound to memattr-vfio-pci through VFIO,
 * the way DPDK or QEMU would, writes a message into it, and prints what
 * the memory type turned out to be at each level:
 *   - the page-table entry the kernel installed for the mapping, read by
 *     the test-only memattr-pte module (lib/memattr_pte.h);
 *   - on arm64, the KVM stage-2 leaf for a raw-KVM vCPU that stores a
 *     second message through a memslot on the same mapping, observed with
 *     a kprobe on kvm_pgtable_stage2_map() (lib/kvm_s2guest.h).
 * The host then finds both messages in the file behind BAR2.
 *
 * usage: memattr-demo BDF
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "bdf.h"
#include "ivshmem_pattern.h"
#include "kvm_s2guest.h"
#include "memattr_pte.h"
#include "pci_bars.h"
#include "vfio_dev.h"
#include "vfio_group.h"
#include "vfio_region.h"

#ifdef __aarch64__
#define IS_ARM64	1
#else
#define IS_ARM64	0
#endif

#define MAP_MAX		(8UL << 20)
#define USER_OFF	0x0
#define KVM_OFF		0x1000
#define USER_MSG	"Hello from user space: memattr-demo wrote this through its VFIO mapping of BAR2."
#define KVM_MSG		"Hello from a KVM/arm64 guest: its vCPU stored this through the BAR2 memslot."

struct demo {
	const char *bdf;
	struct vfio_dev vfio;
	volatile uint8_t *bar;
	size_t map_len;
	unsigned long long bar_phys;
};

static void section(const char *title)
{
	printf("\n---- %s ----\n", title);
}

static void put_bytes(volatile uint8_t *dst, const char *src, size_t len)
{
	while (len--)
		*dst++ = *src++;
}

static int map_bar(struct demo *d)
{
	struct pci_bar bars[PCI_BAR_COUNT];
	struct vfio_region_info rinfo;
	int ret;

	ret = pci_bars_read(d->bdf, bars);
	if (ret)
		return ret;
	d->bar_phys = bars[IVSHMEM_SHMEM_BAR].start;
	ret = vfio_group_open_device(d->bdf, &d->vfio);
	if (ret)
		return ret;
	ret = vfio_region_get_info(d->vfio.device_fd, IVSHMEM_SHMEM_BAR,
				   &rinfo);
	if (ret)
		return ret;
	d->map_len = rinfo.size < MAP_MAX ? rinfo.size : MAP_MAX;
	d->bar = vfio_region_mmap(d->vfio.device_fd, &rinfo, d->map_len);
	if (d->bar == MAP_FAILED)
		return -errno;

	printf("opened %s through VFIO (/dev/vfio/N, group API) and mmap()ed BAR2:\n",
	       d->bdf);
	printf("  %zu KiB at %p, BAR at physical 0x%llx\n", d->map_len >> 10,
	       (void *)d->bar, d->bar_phys);
	put_bytes(d->bar + USER_OFF, USER_MSG, strlen(USER_MSG));
	printf("wrote %zu bytes at BAR2 offset 0x%x:\n  \"%s\"\n",
	       strlen(USER_MSG), USER_OFF, USER_MSG);
	return 0;
}

static int show_pte(struct demo *d)
{
	struct memattr_pte pte;
	int ret;

	ret = memattr_pte_query(d->bar + USER_OFF, &pte);
	if (ret)
		return ret;
	printf("the kernel's page-table entry for %p (what the CPU uses):\n",
	       (void *)(d->bar + USER_OFF));
	printf("  level                  %s (%s)\n", pte.level,
	       !strcmp(pte.level, "pte") ? "4 KiB page" :
	       !strcmp(pte.level, "pmd") ? "2 MiB block" : "1 GiB block");
	printf("  memory type            %s", pte.attr);
	if (pte.mt[0])
		printf(" (MAIR index %u, %s)", pte.idx, pte.mt);
	else
		printf(" (PAT index %u)", pte.idx);
	printf("\n  VM_ALLOW_ANY_UNCACHED  %s%s\n",
	       !strcmp(pte.allow, "1") ? "set" :
	       !strcmp(pte.allow, "0") ? "clear" : "n/a on this kernel",
	       !IS_ARM64 || !strcmp(pte.allow, "na") ? "" :
	       !strcmp(pte.allow, "1") ? ": KVM may map it Normal-NC at stage 2" :
	       ": KVM maps it Device at stage 2");
	printf("  raw                    %s\n", pte.line);
	return 0;
}

static int show_stage2(struct demo *d)
{
	struct kvm_s2_kernel kernel;
	struct kvm_s2_guest guest;
	struct s2trace trace;
	struct kvm_s2_bar bar = {
		.hva = (void *)d->bar,
		.len = d->map_len,
		.phys = d->bar_phys,
		.off = KVM_OFF,
		.data = KVM_MSG,
		.data_len = strlen(KVM_MSG),
	};
	const char *why = kvm_s2_unavailable();
	char names[160];
	int ret;

	if (why) {
		printf("not shown: %s.\n", why);
		printf("Stage 2 (the hypervisor's page table of a KVM guest) is shown on\n"
		       "arm64 only, where KVM maps a BAR Device or Normal-NC following the\n"
		       "mapping above: run `make demo` without DEMO_ARCH=amd64.\n");
		return 0;
	}
	ret = kvm_s2_kernel_load(&kernel);
	if (ret)
		return ret;
	s2trace_init(&trace);
	kvm_s2_guest_init(&guest);
	ret = s2trace_start(&trace, KVM_S2_FETCHARGS);
	if (!ret)
		ret = kvm_s2_guest_run(&guest, &kernel, &trace, &bar, 1);
	kvm_s2_guest_destroy(&guest);
	s2trace_stop(&trace);
	if (ret) {
		kbtf_free(&kernel.btf);
		return ret;
	}

	printf("a raw-KVM VM (no VMM) with this mapping as a memslot at IPA 0x%llx;\n",
	       (unsigned long long)(bar.ipa - KVM_OFF));
	printf("its vCPU stored %zu bytes at BAR2 offset 0x%x:\n  \"%s\"\n",
	       strlen(KVM_MSG), KVM_OFF, KVM_MSG);
	printf("the stage-2 leaf KVM installed (kprobe on %s):\n",
	       S2TRACE_FUNC);
	printf("  IPA 0x%llx size 0x%llx -> phys 0x%llx\n",
	       (unsigned long long)bar.leaf.addr,
	       (unsigned long long)bar.leaf.size,
	       (unsigned long long)bar.leaf.phys);
	printf("  prot                   0x%llx (%s)\n",
	       (unsigned long long)bar.leaf.prot,
	       kvm_s2_prot_str(&kernel, bar.leaf.prot, names, sizeof(names)));
	printf("  memory type            %s\n", kvm_s2_attr_name(bar.attr));
	kbtf_free(&kernel.btf);
	return 0;
}

int main(int argc, char *argv[])
{
	struct demo d = { .bar = MAP_FAILED };
	int ret;

	if (argc != 2 || !bdf_valid(argv[1])) {
		fprintf(stderr, "usage: %s DDDD:BB:DD.F\n", argv[0]);
		return 2;
	}
	d.bdf = argv[1];
	vfio_dev_init(&d.vfio);
	setvbuf(stdout, NULL, _IOLBF, 0);

	section("3. User space maps BAR2 and writes to it");
	ret = map_bar(&d);
	if (!ret) {
		section("4. Page-table entry (stage 1), from memattr-pte");
		ret = show_pte(&d);
	}
	if (!ret) {
		section("5. KVM stage 2");
		ret = show_stage2(&d);
	}
	if (d.bar != MAP_FAILED)
		munmap((void *)d.bar, d.map_len);
	vfio_dev_close(&d.vfio);
	if (ret)
		fprintf(stderr, "memattr-demo: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
