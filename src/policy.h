/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-BAR memory-type policy: the values, their names, which values a
 * BAR allows, and what a value does to a user mapping of the BAR.
 */
#ifndef MEMATTR_POLICY_H
#define MEMATTR_POLICY_H

#include <linux/types.h>

struct memattr_device;
struct pci_dev;
struct vm_area_struct;

/* Order is the order of the sysfs listing. */
enum memattr_value {
	MEMATTR_DEFAULT,
	MEMATTR_DEVICE_NGNRNE,
	MEMATTR_DEVICE_NGNRE,
	MEMATTR_NORMAL_NC,
	MEMATTR_NR_VALUES
};

const char *memattr_value_name(enum memattr_value value);
int memattr_value_parse(const char *buf, enum memattr_value *value);
const char *memattr_stage1_name(enum memattr_value value);
const char *memattr_stage2_name(enum memattr_value value);

bool memattr_bar_is_mem(struct pci_dev *pdev, unsigned int bar);
int memattr_bar_allows(struct memattr_device *mdev,
		       unsigned int bar, enum memattr_value value,
		       const char **why);
void memattr_bar_set(struct memattr_device *mdev, unsigned int bar,
		     enum memattr_value value);
void memattr_policy_init(struct memattr_device *mdev);
void memattr_policy_reset(struct memattr_device *mdev);

/* rules.c */
bool memattr_rules_lookup(struct pci_dev *pdev, unsigned int bar,
			  enum memattr_value *value);

void memattr_vma_apply(struct vm_area_struct *vma, enum memattr_value value);

#endif /* MEMATTR_POLICY_H */
