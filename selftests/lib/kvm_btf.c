// SPDX-License-Identifier: GPL-2.0-only
/*
 * A minimal reader of the kernel's BTF (Documentation/bpf/btf.rst): enough
 * to find an enum's enumerators and a function's parameter names by name.
 * Only the type and string sections are used; every type is walked once to
 * index it by id.
 *
 * All int functions return 0 or a negative errno; -ENOENT when the name
 * looked for is not there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>

#include "kvm_btf.h"
#include "log.h"

static int read_all(const char *path, uint8_t **data, size_t *size)
{
	size_t cap = 1 << 22, len = 0;
	uint8_t *buf, *more;
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return lib_errno("open %s", path);
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			more = realloc(buf, cap * 2);
			if (!more) {
				ret = -ENOMEM;
				goto err;
			}
			buf = more;
			cap *= 2;
		}
		ret = read(fd, buf + len, cap - len);
		if (ret < 0) {
			ret = lib_errno("read %s", path);
			goto err;
		}
		if (!ret)
			break;
		len += ret;
	}
	close(fd);
	*data = buf;
	*size = len;
	return 0;
err:
	free(buf);
	close(fd);
	return ret;
}

/* Bytes that follow struct btf_type for each kind; -1 for unknown kinds. */
static long btf_type_extra(const struct btf_type *t)
{
	unsigned int vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	}
	return -1;
}

static int index_types(struct kbtf *btf, const uint8_t *p, const uint8_t *end)
{
	uint32_t cap = 1 << 16;
	const uint8_t **more;
	long extra;

	btf->types = calloc(cap, sizeof(*btf->types));
	if (!btf->types)
		return -ENOMEM;
	while (p < end) {
		const struct btf_type *t = (const void *)p;

		if (end - p < (long)sizeof(*t))
			break;
		extra = btf_type_extra(t);
		if (extra < 0) {
			lib_log("BTF type %u: unknown kind %u", btf->nr_types + 1,
				BTF_INFO_KIND(t->info));
			return -EPROTO;
		}
		if (btf->nr_types + 1 == cap) {
			more = realloc(btf->types, 2 * cap * sizeof(*more));
			if (!more)
				return -ENOMEM;
			btf->types = more;
			cap *= 2;
		}
		btf->types[++btf->nr_types] = p;
		p += sizeof(*t) + extra;
	}
	if (p != end) {
		lib_log("BTF type section ends inside a type");
		return -EPROTO;
	}
	return 0;
}

int kbtf_load(struct kbtf *btf, const char *path)
{
	const struct btf_header *hdr;
	const uint8_t *base;
	int ret;

	memset(btf, 0, sizeof(*btf));
	ret = read_all(path, &btf->data, &btf->size);
	if (ret)
		return ret;

	hdr = (const void *)btf->data;
	if (btf->size < sizeof(*hdr) || hdr->magic != BTF_MAGIC ||
	    hdr->hdr_len > btf->size ||
	    (uint64_t)hdr->hdr_len + hdr->type_off + hdr->type_len > btf->size ||
	    (uint64_t)hdr->hdr_len + hdr->str_off + hdr->str_len > btf->size ||
	    !hdr->str_len) {
		lib_log("%s: not a BTF blob this reader understands", path);
		kbtf_free(btf);
		return -EPROTO;
	}
	base = btf->data + hdr->hdr_len;
	btf->strs = (const char *)base + hdr->str_off;
	btf->str_len = hdr->str_len;

	ret = index_types(btf, base + hdr->type_off,
			  base + hdr->type_off + hdr->type_len);
	if (ret)
		kbtf_free(btf);
	return ret;
}

void kbtf_free(struct kbtf *btf)
{
	free(btf->types);
	free(btf->data);
	memset(btf, 0, sizeof(*btf));
}

static const char *btf_str(const struct kbtf *btf, uint32_t off)
{
	if (off >= btf->str_len)
		return "";
	return btf->strs + off;
}

static const struct btf_type *find_named(const struct kbtf *btf,
					 unsigned int kind, const char *name)
{
	uint32_t id;

	for (id = 1; id <= btf->nr_types; id++) {
		const struct btf_type *t = (const void *)btf->types[id];

		if (BTF_INFO_KIND(t->info) == kind &&
		    !strcmp(btf_str(btf, t->name_off), name))
			return t;
	}
	return NULL;
}

/* Plain enums (32-bit values, sign-extended) and 64-bit ones alike. */
int kbtf_enum_foreach(const struct kbtf *btf, const char *enum_name,
		      kbtf_enum_fn fn, void *arg)
{
	const struct btf_type *t;
	unsigned int i, vlen;
	int ret;

	t = find_named(btf, BTF_KIND_ENUM64, enum_name);
	if (t) {
		const struct btf_enum64 *e = (const void *)(t + 1);

		vlen = BTF_INFO_VLEN(t->info);
		for (i = 0; i < vlen; i++) {
			ret = fn(btf_str(btf, e[i].name_off),
				 (uint64_t)e[i].val_hi32 << 32 | e[i].val_lo32,
				 arg);
			if (ret)
				return ret;
		}
		return 0;
	}

	t = find_named(btf, BTF_KIND_ENUM, enum_name);
	if (t) {
		const struct btf_enum *e = (const void *)(t + 1);

		vlen = BTF_INFO_VLEN(t->info);
		for (i = 0; i < vlen; i++) {
			ret = fn(btf_str(btf, e[i].name_off),
				 (uint64_t)(int64_t)e[i].val, arg);
			if (ret)
				return ret;
		}
		return 0;
	}
	return -ENOENT;
}

struct enum_lookup {
	const char *name;
	uint64_t val;
	int found;
};

static int match_enumerator(const char *name, uint64_t val, void *arg)
{
	struct enum_lookup *l = arg;

	if (strcmp(name, l->name))
		return 0;
	l->val = val;
	l->found = 1;
	return 1;
}

int kbtf_enum_value(const struct kbtf *btf, const char *enum_name,
		    const char *enumerator, uint64_t *val)
{
	struct enum_lookup l = { .name = enumerator };
	int ret;

	ret = kbtf_enum_foreach(btf, enum_name, match_enumerator, &l);
	if (ret < 0)
		return ret;
	if (!l.found)
		return -ENOENT;
	*val = l.val;
	return 0;
}

/* The name of parameter @idx (from 0) of function @func. */
int kbtf_func_param(const struct kbtf *btf, const char *func,
		    unsigned int idx, const char **name)
{
	const struct btf_type *t, *proto;
	const struct btf_param *p;

	t = find_named(btf, BTF_KIND_FUNC, func);
	if (!t || !t->type || t->type > btf->nr_types)
		return -ENOENT;
	proto = (const void *)btf->types[t->type];
	if (BTF_INFO_KIND(proto->info) != BTF_KIND_FUNC_PROTO ||
	    idx >= BTF_INFO_VLEN(proto->info))
		return -ENOENT;
	p = (const void *)(proto + 1);
	*name = btf_str(btf, p[idx].name_off);
	return 0;
}
