// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bare KVM/arm64 VM (Documentation/virt/kvm/api.rst): KVM_CREATE_VM,
 * memslots, one vCPU initialised with the preferred target, its registers
 * set with KVM_SET_ONE_REG, and KVM_RUN until the guest makes an MMIO
 * access.  The vCPU starts at EL1 with its MMU off and interrupts masked.
 *
 * All int functions return 0 or a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm_vm.h"
#include "log.h"

void kvm_vm_init(struct kvm_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	vm->vcpu_fd = -1;
	vm->run = MAP_FAILED;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The kvm_run mapping holds the vCPU file, and the vCPU holds the VM: the
 * VM is destroyed, synchronously, when the last of them goes, which
 * removes its debugfs directory.
 */
void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	vm->run = MAP_FAILED;
	close_fd(&vm->vcpu_fd);
	close_fd(&vm->vm_fd);
	close_fd(&vm->kvm_fd);
}

bool kvm_vm_debugfs_exists(const struct kvm_vm *vm)
{
	return vm->debugfs[0] && !access(vm->debugfs, F_OK);
}

#ifdef __aarch64__

int kvm_vm_create(struct kvm_vm *vm)
{
	int ret;

	kvm_vm_init(vm);
	vm->kvm_fd = open(KVM_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return lib_errno("open " KVM_DEV_PATH);

	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		lib_log("KVM_GET_API_VERSION: %d, expected %d", ret,
			KVM_API_VERSION);
		return -EPROTO;
	}

	/* Type 0: the default 40-bit IPA space. */
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return lib_errno("KVM_CREATE_VM");
	/* virt/kvm/kvm_main.c names it "%d-%d", the creator's pid and fd. */
	snprintf(vm->debugfs, sizeof(vm->debugfs),
		 "/sys/kernel/debug/kvm/%d-%d", getpid(), vm->vm_fd);
	return 0;
}

int kvm_vm_add_memslot(struct kvm_vm *vm, unsigned int slot, uint64_t ipa,
		       void *hva, size_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = ipa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		return lib_errno("KVM_SET_USER_MEMORY_REGION slot %u: 0x%zx bytes at IPA 0x%llx",
				 slot, size, (unsigned long long)ipa);
	return 0;
}

int kvm_vm_add_vcpu(struct kvm_vm *vm)
{
	struct kvm_vcpu_init init;
	int size;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return lib_errno("KVM_CREATE_VCPU");

	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return lib_errno("KVM_GET_VCPU_MMAP_SIZE: %d", size);
	vm->run_size = size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		return lib_errno("mmap kvm_run");

	memset(&init, 0, sizeof(init));
	if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init))
		return lib_errno("KVM_ARM_PREFERRED_TARGET");
	if (ioctl(vm->vcpu_fd, KVM_ARM_VCPU_INIT, &init))
		return lib_errno("KVM_ARM_VCPU_INIT (target %u)", init.target);
	return 0;
}

static int set_reg(struct kvm_vm *vm, uint64_t id, uint64_t val,
		   const char *what)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	if (ioctl(vm->vcpu_fd, KVM_SET_ONE_REG, &reg))
		return lib_errno("KVM_SET_ONE_REG %s", what);
	return 0;
}

#define CORE_REG(name) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 |		\
			KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(name))

int kvm_vm_set_xreg(struct kvm_vm *vm, unsigned int n, uint64_t val)
{
	if (n > 30)
		return -EINVAL;
	return set_reg(vm, CORE_REG(regs.regs[0]) + n * 2, val, "xN");
}

int kvm_vm_set_pc(struct kvm_vm *vm, uint64_t val)
{
	return set_reg(vm, CORE_REG(regs.pc), val, "pc");
}

/* VBAR_EL1 is op0 3, op1 0, CRn 12, CRm 0, op2 0. */
int kvm_vm_set_vbar(struct kvm_vm *vm, uint64_t val)
{
	return set_reg(vm, ARM64_SYS_REG(3, 0, 12, 0, 0), val, "VBAR_EL1");
}

/*
 * Completes the MMIO access the last KVM_RUN exited with (KVM steps the
 * vCPU over the instruction when it is entered again), without running
 * guest code: KVM_RUN with immediate_exit returns EINTR right after that.
 * Registers set before it would be overwritten by the step.
 */
int kvm_vm_complete_exit(struct kvm_vm *vm)
{
	struct kvm_run *run = vm->run;
	int ret;

	run->immediate_exit = 1;
	ret = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	run->immediate_exit = 0;
	if (!ret || errno != EINTR)
		return ret ? lib_errno("KVM_RUN (immediate_exit)") : -EPROTO;
	return 0;
}

/*
 * Runs the vCPU until it exits to user space with an MMIO access; any other
 * exit is an error.  KVM_RUN returns early with EINTR when a signal is
 * pending; it is simply entered again.
 */
int kvm_vm_run_to_mmio(struct kvm_vm *vm, struct kvm_vm_mmio *mmio)
{
	struct kvm_run *run = vm->run;

	for (;;) {
		if (!ioctl(vm->vcpu_fd, KVM_RUN, 0))
			break;
		if (errno != EINTR)
			return lib_errno("KVM_RUN");
	}

	if (run->exit_reason != KVM_EXIT_MMIO) {
		lib_log("KVM_RUN: exit reason %u, not KVM_EXIT_MMIO (%u)",
			run->exit_reason, KVM_EXIT_MMIO);
		return -EPROTO;
	}
	memset(mmio, 0, sizeof(*mmio));
	mmio->addr = run->mmio.phys_addr;
	mmio->len = run->mmio.len;
	mmio->write = run->mmio.is_write;
	if (mmio->len <= sizeof(mmio->data))
		memcpy(&mmio->data, run->mmio.data, mmio->len);
	return 0;
}

#else /* !__aarch64__ */

int kvm_vm_create(struct kvm_vm *vm)
{
	kvm_vm_init(vm);
	return -EOPNOTSUPP;
}

int kvm_vm_add_memslot(struct kvm_vm *vm, unsigned int slot, uint64_t ipa,
		       void *hva, size_t size)
{
	(void)vm;
	(void)slot;
	(void)ipa;
	(void)hva;
	(void)size;
	return -EOPNOTSUPP;
}

int kvm_vm_add_vcpu(struct kvm_vm *vm)
{
	(void)vm;
	return -EOPNOTSUPP;
}

int kvm_vm_set_xreg(struct kvm_vm *vm, unsigned int n, uint64_t val)
{
	(void)vm;
	(void)n;
	(void)val;
	return -EOPNOTSUPP;
}

int kvm_vm_set_pc(struct kvm_vm *vm, uint64_t val)
{
	(void)vm;
	(void)val;
	return -EOPNOTSUPP;
}

int kvm_vm_set_vbar(struct kvm_vm *vm, uint64_t val)
{
	(void)vm;
	(void)val;
	return -EOPNOTSUPP;
}

int kvm_vm_complete_exit(struct kvm_vm *vm)
{
	(void)vm;
	return -EOPNOTSUPP;
}

int kvm_vm_run_to_mmio(struct kvm_vm *vm, struct kvm_vm_mmio *mmio)
{
	(void)vm;
	(void)mmio;
	return -EOPNOTSUPP;
}

#endif /* __aarch64__ */
