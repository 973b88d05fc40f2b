// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel-side policy: rules keyed by PCI ID or by address that give
 * BARs their value at probe or attach, before any user can open the
 * device, in both modes. Set as the module parameter "policy", at load
 * (/etc/modprobe.d, written by memattrctl rule --write) or at run time
 * through /sys/module/memattr_vfio_pci/parameters/policy; a new policy
 * applies to devices bound from then on, the sysfs knobs change a bound
 * one. The format, also what reading the parameter gives:
 *
 *   policy=RULE[;RULE...]         (a newline also separates rules)
 *   RULE  =MATCH,barN=VALUE[,barN=VALUE...]
 *   MATCH =VVVV:DDDD              vendor:device
 *         |VVVV:DDDD:SVVV:SDDD    and subsystem vendor:device
 *         |DDDD:BB:DD.F           the device at this address
 *
 * in hexadecimal, VALUE as in sysfs. For a BAR, a rule by address wins
 * over rules by ID; among rules of one kind the first that names the BAR
 * wins. A policy with any error is refused whole (-EINVAL, the reason in
 * the kernel log) and the one before stays.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "policy.h"

#define MEMATTR_RULES_MAX	64

struct memattr_rule {
	bool by_address;
	bool by_subsystem;
	u32 domain;
	u8 bus, devfn;
	u16 vendor, device, subvendor, subdevice;
	u8 bars;				/* BIT(n): barN is named */
	u8 value[PCI_STD_NUM_BARS];
};

struct memattr_rules {
	unsigned int nr;
	struct memattr_rule rule[];
};

static DEFINE_MUTEX(memattr_rules_lock);
static struct memattr_rules *memattr_rules;	/* under memattr_rules_lock */

static bool memattr_rule_matches(const struct memattr_rule *r,
				 struct pci_dev *pdev)
{
	if (r->by_address)
		return r->domain == pci_domain_nr(pdev->bus) &&
		       r->bus == pdev->bus->number && r->devfn == pdev->devfn;
	if (r->vendor != pdev->vendor || r->device != pdev->device)
		return false;
	return !r->by_subsystem ||
	       (r->subvendor == pdev->subsystem_vendor &&
		r->subdevice == pdev->subsystem_device);
}

/* True, with the value in @value, when a rule names BAR @bar of @pdev. */
bool memattr_rules_lookup(struct pci_dev *pdev, unsigned int bar,
			  enum memattr_value *value)
{
	const struct memattr_rule *found = NULL;
	const struct memattr_rules *rules;
	unsigned int i;

	mutex_lock(&memattr_rules_lock);
	rules = memattr_rules;
	for (i = 0; rules && i < rules->nr; i++) {
		const struct memattr_rule *r = &rules->rule[i];

		if (!(r->bars & BIT(bar)) || !memattr_rule_matches(r, pdev))
			continue;
		if (!found || (r->by_address && !found->by_address))
			found = r;
		if (found->by_address)
			break;
	}
	if (found)
		*value = found->value[bar];
	mutex_unlock(&memattr_rules_lock);
	return found;
}

static bool memattr_all_of(const char *s, const char *accept)
{
	return strspn(s, accept) == strlen(s);
}

static const char *memattr_rule_parse_match(struct memattr_rule *r,
					    const char *s)
{
	unsigned int a, b, c, d;
	int n = 0;

	if (!*s || !memattr_all_of(s, "0123456789abcdefABCDEF:."))
		return "the match is not VVVV:DDDD, VVVV:DDDD:SVVV:SDDD or DDDD:BB:DD.F";

	if (strchr(s, '.')) {
		if (sscanf(s, "%x:%x:%x.%x%n", &a, &b, &c, &d, &n) != 4 ||
		    s[n] || b > 0xff || c > 0x1f || d > 7)
			return "not a PCI address DDDD:BB:DD.F";
		r->by_address = true;
		r->domain = a;
		r->bus = b;
		r->devfn = PCI_DEVFN(c, d);
		return NULL;
	}
	if (sscanf(s, "%x:%x:%x:%x%n", &a, &b, &c, &d, &n) == 4 && !s[n]) {
		if (c > 0xffff || d > 0xffff)
			return "a subsystem ID is more than 4 hex digits";
		r->by_subsystem = true;
		r->subvendor = c;
		r->subdevice = d;
	} else if (sscanf(s, "%x:%x%n", &a, &b, &n) != 2 || s[n]) {
		return "the match is not VVVV:DDDD, VVVV:DDDD:SVVV:SDDD or DDDD:BB:DD.F";
	}
	if (a > 0xffff || b > 0xffff)
		return "a PCI ID is more than 4 hex digits";
	r->vendor = a;
	r->device = b;
	return NULL;
}

static const char *memattr_rule_parse_bar(struct memattr_rule *r, char *s)
{
	enum memattr_value value;
	char *eq = strchr(s, '=');
	unsigned int bar;

	if (!eq)
		return "expected barN=VALUE";
	*eq = '\0';
	if (strlen(s) != 4 || strncmp(s, "bar", 3) || s[3] < '0' ||
	    s[3] >= '0' + PCI_STD_NUM_BARS)
		return "not a BAR name (bar0 to bar5)";
	bar = s[3] - '0';
	if (r->bars & BIT(bar))
		return "a BAR named twice in one rule";
	if (memattr_value_parse(eq + 1, &value))
		return "unknown value (default, device-ngnrne, device-ngnre, normal-nc, wc)";
	r->bars |= BIT(bar);
	r->value[bar] = value;
	return NULL;
}

static const char *memattr_rule_parse(struct memattr_rule *r, char *s)
{
	char *match = strsep(&s, ",");
	const char *why;
	char *tok;

	why = memattr_rule_parse_match(r, strim(match));
	if (why)
		return why;
	while ((tok = strsep(&s, ",")) != NULL) {
		why = memattr_rule_parse_bar(r, strim(tok));
		if (why)
			return why;
	}
	return r->bars ? NULL : "a rule names no BAR";
}

static int memattr_policy_set(const char *val, const struct kernel_param *kp)
{
	struct memattr_rules *rules, *old;
	char *buf, *s, *entry;
	unsigned int nr = 0;
	const char *why;
	int ret = 0;

	buf = kstrdup(val, GFP_KERNEL);
	rules = kzalloc(struct_size(rules, rule, MEMATTR_RULES_MAX),
			GFP_KERNEL);
	if (!buf || !rules) {
		ret = -ENOMEM;
		goto out;
	}

	s = buf;
	while ((entry = strsep(&s, ";\n")) != NULL) {
		entry = strim(entry);
		if (!*entry)
			continue;
		if (nr == MEMATTR_RULES_MAX) {
			pr_err("policy: more than %d rules, policy not changed\n",
			       MEMATTR_RULES_MAX);
			ret = -EINVAL;
			goto out;
		}
		why = memattr_rule_parse(&rules->rule[nr], entry);
		if (why) {
			pr_err("policy: rule %u: %s, policy not changed\n",
			       nr + 1, why);
			ret = -EINVAL;
			goto out;
		}
		nr++;
	}
	rules->nr = nr;
	if (!nr) {
		kfree(rules);
		rules = NULL;
	}

	mutex_lock(&memattr_rules_lock);
	old = memattr_rules;
	memattr_rules = rules;
	mutex_unlock(&memattr_rules_lock);
	rules = old;
out:
	kfree(rules);
	kfree(buf);
	return ret;
}

static int memattr_policy_get(char *buffer, const struct kernel_param *kp)
{
	const struct memattr_rules *rules;
	unsigned int i, bar;
	int len = 0;

	mutex_lock(&memattr_rules_lock);
	rules = memattr_rules;
	for (i = 0; rules && i < rules->nr; i++) {
		const struct memattr_rule *r = &rules->rule[i];

		if (r->by_address)
			len += scnprintf(buffer + len, PAGE_SIZE - len,
					 "%s%04x:%02x:%02x.%x", i ? ";" : "",
					 r->domain, r->bus, PCI_SLOT(r->devfn),
					 PCI_FUNC(r->devfn));
		else
			len += scnprintf(buffer + len, PAGE_SIZE - len,
					 "%s%04x:%04x", i ? ";" : "",
					 r->vendor, r->device);
		if (r->by_subsystem)
			len += scnprintf(buffer + len, PAGE_SIZE - len,
					 ":%04x:%04x", r->subvendor,
					 r->subdevice);
		for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
			if (r->bars & BIT(bar))
				len += scnprintf(buffer + len, PAGE_SIZE - len,
						 ",bar%u=%s", bar,
						 memattr_value_name(r->value[bar]));
	}
	len += scnprintf(buffer + len, PAGE_SIZE - len, "\n");
	mutex_unlock(&memattr_rules_lock);
	return len;
}

static void memattr_policy_free(void *arg)
{
	mutex_lock(&memattr_rules_lock);
	kfree(memattr_rules);
	memattr_rules = NULL;
	mutex_unlock(&memattr_rules_lock);
}

static const struct kernel_param_ops memattr_policy_ops = {
	.set = memattr_policy_set,
	.get = memattr_policy_get,
	.free = memattr_policy_free,
};

module_param_cb(policy, &memattr_policy_ops, NULL, 0644);
MODULE_PARM_DESC(policy,
		 "BAR values given at bind, before the first open, in both modes: RULE[;RULE...], RULE = VVVV:DDDD[:SVVV:SDDD] or DDDD:BB:DD.F, then ,barN=VALUE... (see README)");
