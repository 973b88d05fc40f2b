// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client of the memattr-pte helper module: the page-table entry that maps
 * an address of this process, read from the page tables by the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fields.h"
#include "log.h"
#include "memattr_pte.h"

bool memattr_pte_available(void)
{
	return access(MEMATTR_PTE_PATH, F_OK) == 0;
}

static int parse(struct memattr_pte *pte)
{
	char num[32];

	if (field_get(pte->line, "level", pte->level, sizeof(pte->level)) ||
	    field_get(pte->line, "attr", pte->attr, sizeof(pte->attr)) ||
	    field_get(pte->line, "allow_any_uncached", pte->allow,
		      sizeof(pte->allow)))
		goto bad;
	if (field_get(pte->line, "mt", pte->mt, sizeof(pte->mt)))
		pte->mt[0] = '\0';

	if (field_get(pte->line, "entry", num, sizeof(num)))
		goto bad;
	pte->entry = strtoull(num, NULL, 16);
	if (field_get(pte->line, "idx", num, sizeof(num)))
		goto bad;
	pte->idx = strtoul(num, NULL, 10);
	if (field_get(pte->line, "vm_flags", num, sizeof(num)))
		goto bad;
	pte->vm_flags = strtoul(num, NULL, 16);
	return 0;

bad:
	lib_log("unexpected line from %s: \"%s\"", MEMATTR_PTE_PATH, pte->line);
	return -EPROTO;
}

/* Writes @req to @path and reads the helper's one-line answer back. */
static int helper_query(const char *path, const char *req, char *line,
			size_t len)
{
	ssize_t ret;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return lib_errno("open %s", path);
	if (write(fd, req, strlen(req)) < 0) {
		ret = lib_errno("%s: query \"%s\"", path, req);
		close(fd);
		return ret;
	}
	ret = pread(fd, line, len - 1, 0);
	if (ret < 0) {
		ret = lib_errno("read %s", path);
		close(fd);
		return ret;
	}
	close(fd);
	line[ret] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return 0;
}

int memattr_barmap_query(const char *bdf, unsigned int bar, char *attr,
			 size_t len)
{
	char req[64], line[256];
	int ret;

	snprintf(req, sizeof(req), "%s %u", bdf, bar);
	ret = helper_query(MEMATTR_BARMAP_PATH, req, line, sizeof(line));
	if (ret)
		return ret;
	if (field_get(line, "attr", attr, len)) {
		lib_log("unexpected line from %s: \"%s\"",
			MEMATTR_BARMAP_PATH, line);
		return -EPROTO;
	}
	return 0;
}

/*
 * The address must be mapped already (touch it first): the helper reports
 * -ENOENT for an address that has no entry yet.
 */
static int query(const char *req, struct memattr_pte *pte)
{
	int ret;

	memset(pte, 0, sizeof(*pte));
	ret = helper_query(MEMATTR_PTE_PATH, req, pte->line,
			   sizeof(pte->line));
	return ret ? ret : parse(pte);
}

int memattr_pte_query(const volatile void *addr, struct memattr_pte *pte)
{
	char req[32];

	snprintf(req, sizeof(req), "%" PRIxPTR, (uintptr_t)addr);
	return query(req, pte);
}

int memattr_pte_query_pid(pid_t pid, uintptr_t addr, struct memattr_pte *pte)
{
	char req[48];

	snprintf(req, sizeof(req), "%d %" PRIxPTR, (int)pid, addr);
	return query(req, pte);
}
