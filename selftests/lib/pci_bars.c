// SPDX-License-Identifier: GPL-2.0-only
/*
 * The standard BARs of a PCI device: their kind, size and address from
 * sysfs "resource", and which of them hold the MSI-X table and PBA, from
 * the MSI-X capability in "config".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "log.h"
#include "pci_bars.h"

/* include/linux/ioport.h */
#define IORESOURCE_IO		0x00000100
#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_PREFETCH	0x00002000
#define IORESOURCE_MEM_64	0x00100000

/* One line per resource: "0x<start> 0x<end> 0x<flags>", the BARs first. */
static int read_resource(const char *bdf, struct pci_bar bars[PCI_BAR_COUNT])
{
	unsigned long long start, end, flags;
	char path[PATH_MAX];
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return lib_errno("open %s", path);

	for (i = 0; i < PCI_BAR_COUNT; i++) {
		struct pci_bar *bar = &bars[i];

		if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3) {
			lib_log("%s: line %u unreadable", path, i + 1);
			fclose(f);
			return -EINVAL;
		}
		memset(bar, 0, sizeof(*bar));
		if (!flags || end <= start)
			continue;
		if (flags & IORESOURCE_MEM)
			bar->kind = PCI_BAR_MEM;
		else if (flags & IORESOURCE_IO)
			bar->kind = PCI_BAR_IO;
		bar->prefetch = flags & IORESOURCE_PREFETCH;
		bar->mem64 = flags & IORESOURCE_MEM_64;
		bar->start = start;
		bar->size = end - start + 1;
	}
	fclose(f);
	return 0;
}

static void mark_msix(struct pci_bar bars[PCI_BAR_COUNT], unsigned int bir)
{
	if (bir < PCI_BAR_COUNT)
		bars[bir].msix = true;
}

static uint32_t cfg_le(const uint8_t *cfg, unsigned int off, unsigned int len)
{
	uint32_t val = 0;

	while (len--)
		val = val << 8 | cfg[off + len];
	return val;
}

/*
 * Marks the BARs named by the Table BIR and PBA BIR of the MSI-X
 * capability; none when the device has no such capability.
 */
static int read_msix(const char *bdf, struct pci_bar bars[PCI_BAR_COUNT])
{
	uint8_t cfg[256];
	char path[PATH_MAX];
	unsigned int pos, ttl = 48;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return lib_errno("open %s", path);
	len = pread(fd, cfg, sizeof(cfg), 0);
	if (len < 0) {
		len = lib_errno("read %s", path);
		close(fd);
		return len;
	}
	close(fd);
	if (len < (ssize_t)sizeof(cfg)) {
		lib_log("%s: %zd bytes, not 256 (not root?)", path, len);
		return -EIO;
	}

	if (!(cfg_le(cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;

	for (pos = cfg[PCI_CAPABILITY_LIST] & ~3U;
	     pos >= 0x40 && pos <= sizeof(cfg) - PCI_CAP_MSIX_SIZEOF && ttl--;
	     pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3U) {
		if (cfg[pos + PCI_CAP_LIST_ID] != PCI_CAP_ID_MSIX)
			continue;
		mark_msix(bars, cfg_le(cfg, pos + PCI_MSIX_TABLE, 4) &
				PCI_MSIX_TABLE_BIR);
		mark_msix(bars, cfg_le(cfg, pos + PCI_MSIX_PBA, 4) &
				PCI_MSIX_PBA_BIR);
		break;
	}
	return 0;
}

/* Returns 0 or a negative errno. */
int pci_bars_read(const char *bdf, struct pci_bar bars[PCI_BAR_COUNT])
{
	int ret;

	ret = read_resource(bdf, bars);
	if (ret)
		return ret;
	return read_msix(bdf, bars);
}
