// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading and unloading a module by its system calls, as kmod's insmod and
 * rmmod do: the guest has no kmod, and busybox's cannot be asked why.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kmod.h"
#include "log.h"

/* @name as the kernel knows it: underscores, no ".ko". */
bool kmod_loaded(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

/* @params: "name=value ...", as on an insmod command line. */
int kmod_load(const char *path, const char *params)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lib_errno("open %s", path);
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = lib_errno("finit_module %s \"%s\"", path, params);
	close(fd);
	return ret;
}

/* Fails with EWOULDBLOCK rather than wait while the module is in use. */
int kmod_unload(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return lib_errno("delete_module %s", name);
	return 0;
}
