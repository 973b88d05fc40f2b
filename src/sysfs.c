// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/bus/pci/devices/<BDF>/memattr/bar<N>: one file per implemented
 * memory BAR. Read: the values this BAR allows, the active one in brackets.
 * Write: one of them ("wc" is an alias for normal-nc).
 *
 * For the variant driver the group comes from its dev_groups, so the driver
 * core creates it after probe, before the bind uevent, and removes it
 * before remove(). attach.c adds and removes the same group at the same
 * points of a vfio-pci bind (its bus notifier). Either way show and store
 * always see a bound, registered device, and removing the group waits for
 * them.
 */

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

#include "memattr.h"
#include "policy.h"

/* One log line per refusal, rate-limited per device. */
#define memattr_refusal(mdev, dev, fmt, ...)				\
do {									\
	if (__ratelimit(&(mdev)->refusal_rs))				\
		dev_notice(dev, fmt, ##__VA_ARGS__);			\
} while (0)

struct memattr_bar_attribute {
	struct device_attribute attr;
	unsigned int bar;
};

static unsigned int memattr_attr_bar(struct device_attribute *attr)
{
	return container_of(attr, struct memattr_bar_attribute, attr)->bar;
}

static ssize_t memattr_bar_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct memattr_device *mdev = memattr_from_dev(dev);
	unsigned int bar = memattr_attr_bar(attr);
	enum memattr_value active, value;
	const char *why;
	int len = 0;

	if (!mdev)
		return -ENODEV;
	active = READ_ONCE(mdev->bar[bar].value);

	for (value = 0; value < MEMATTR_NR_VALUES; value++) {
		if (memattr_bar_allows(mdev, bar, value, &why))
			continue;
		len += sysfs_emit_at(buf, len, value == active ? "%s[%s]" : "%s%s",
				     len ? " " : "", memattr_value_name(value));
	}
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static ssize_t memattr_bar_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct memattr_device *mdev = memattr_from_dev(dev);
	struct vfio_device *core_vdev;
	unsigned int bar = memattr_attr_bar(attr);
	enum memattr_value value;
	const char *why;
	int ret;

	if (!mdev)
		return -ENODEV;
	core_vdev = &mdev->core->vdev;

	ret = memattr_value_parse(buf, &value);
	if (ret) {
		memattr_refusal(mdev, dev, "memattr: bar%u: unknown value refused\n",
				bar);
		return ret;
	}

	ret = memattr_bar_allows(mdev, bar, value, &why);
	if (ret) {
		memattr_refusal(mdev, dev, "memattr: bar%u: %s refused: %s\n",
				bar, memattr_value_name(value), why);
		return ret;
	}

	/*
	 * vfio core holds dev_set->lock while it counts opens and calls
	 * open_device()/close_device(): with it held, the device cannot be
	 * opened between this check and the store.
	 */
	mutex_lock(&core_vdev->dev_set->lock);
	if (core_vdev->open_count)
		ret = -EBUSY;
	else
		ret = memattr_device_set_bar(mdev, bar, value);
	mutex_unlock(&core_vdev->dev_set->lock);

	if (ret) {
		memattr_refusal(mdev, dev, "memattr: bar%u: %s refused: %s\n",
				bar, memattr_value_name(value),
				ret == -EBUSY ? "the device is open" :
				"the module is being removed");
		return ret;
	}
	return count;
}

#define MEMATTR_BAR_ATTR(_bar)						\
	struct memattr_bar_attribute memattr_attr_bar##_bar = {		\
		.attr = __ATTR(bar##_bar, 0644, memattr_bar_show,	\
			       memattr_bar_store),			\
		.bar = _bar,						\
	}

static MEMATTR_BAR_ATTR(0);
static MEMATTR_BAR_ATTR(1);
static MEMATTR_BAR_ATTR(2);
static MEMATTR_BAR_ATTR(3);
static MEMATTR_BAR_ATTR(4);
static MEMATTR_BAR_ATTR(5);

static struct attribute *memattr_attrs[] = {
	&memattr_attr_bar0.attr.attr,
	&memattr_attr_bar1.attr.attr,
	&memattr_attr_bar2.attr.attr,
	&memattr_attr_bar3.attr.attr,
	&memattr_attr_bar4.attr.attr,
	&memattr_attr_bar5.attr.attr,
	NULL,
};

/* No file for absent BARs, I/O BARs or the upper half of a 64-bit BAR. */
static umode_t memattr_attr_visible(struct kobject *kobj,
				    struct attribute *attr, int n)
{
	struct device_attribute *dattr =
		container_of(attr, struct device_attribute, attr);
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));

	return memattr_bar_is_mem(pdev, memattr_attr_bar(dattr)) ?
	       attr->mode : 0;
}

const struct attribute_group memattr_group = {
	.name = "memattr",
	.attrs = memattr_attrs,
	.is_visible = memattr_attr_visible,
};

const struct attribute_group *memattr_dev_groups[] = {
	&memattr_group,
	NULL,
};
