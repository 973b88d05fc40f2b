// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whether a read of a mapping raises a signal: what a user sees of a BAR
 * mapping that was never valid (VFIO misuse) or was taken away (revoke).
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>

#include "access_probe.h"

static sigjmp_buf access_probe_env;

static void access_probe_fault(int sig)
{
	siglongjmp(access_probe_env, sig);
}

int access_probe_read(const volatile void *p)
{
	struct sigaction sa = { .sa_handler = access_probe_fault };
	struct sigaction obus, osegv;
	int sig;

	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	sig = sigsetjmp(access_probe_env, 1);
	if (!sig)
		(void)*(const volatile unsigned char *)p;
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	return sig;
}
