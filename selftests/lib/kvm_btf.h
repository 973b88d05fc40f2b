/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_KVM_BTF_H
#define MEMATTR_SELFTEST_KVM_BTF_H

#include <stddef.h>
#include <stdint.h>

#define KBTF_VMLINUX "/sys/kernel/btf/vmlinux"

/*
 * The running kernel's own type information (CONFIG_DEBUG_INFO_BTF), read
 * to learn what its enums and function parameters are on this kernel
 * rather than assuming them from a version number.
 */
struct kbtf {
	uint8_t *data;
	size_t size;
	const char *strs;
	uint32_t str_len;
	const uint8_t **types;	/* types[id], id 1..nr_types */
	uint32_t nr_types;
};

/* Called with each enumerator of an enum; a non-zero return stops. */
typedef int (*kbtf_enum_fn)(const char *name, uint64_t val, void *arg);

int kbtf_load(struct kbtf *btf, const char *path);
void kbtf_free(struct kbtf *btf);
int kbtf_enum_foreach(const struct kbtf *btf, const char *enum_name,
		      kbtf_enum_fn fn, void *arg);
int kbtf_enum_value(const struct kbtf *btf, const char *enum_name,
		    const char *enumerator, uint64_t *val);
int kbtf_func_param(const struct kbtf *btf, const char *func,
		    unsigned int idx, const char **name);

#endif /* MEMATTR_SELFTEST_KVM_BTF_H */
