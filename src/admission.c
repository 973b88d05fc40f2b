// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which devices the driver refuses to bind, and why. Binding through
 * driver_override must not get around what vfio-pci itself enforces:
 *
 *  - vfio-pci's denylist (vfio_pci_is_denylisted() in vfio_pci.c, the same
 *    devices in 6.1, 6.12 and 7.2): devices with errata that an untrusted
 *    user could exploit. disable_denylist=1 allows them, as vfio-pci's
 *    parameter of the same name does.
 *  - Intel integrated graphics: a guest needs the IGD OpRegion and the
 *    host bridge regions that vfio-pci.ko adds at open
 *    (vfio_pci_igd_init()), which vfio-pci-core does not export. Bind such
 *    a device to vfio-pci instead.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/pci_ids.h>

#include "memattr.h"

static bool disable_denylist;
module_param(disable_denylist, bool, 0444);
MODULE_PARM_DESC(disable_denylist,
		 "Allow the devices vfio-pci's denylist refuses (known errata that an untrusted user may exploit; default: false)");

static const struct pci_device_id memattr_denylist[] = {
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_DSA_SPR0) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_IAX_SPR0) },
	{}
};

/* 0 if the driver may bind @pdev, else -EINVAL with one log line why. */
int memattr_admission_check(struct pci_dev *pdev)
{
	if (pci_match_id(memattr_denylist, pdev)) {
		if (!disable_denylist) {
			pci_warn(pdev, "%04x:%04x is in vfio-pci's device denylist, not binding (see disable_denylist)\n",
				 pdev->vendor, pdev->device);
			return -EINVAL;
		}
		pci_warn(pdev, "device denylist disabled, allowing %04x:%04x\n",
			 pdev->vendor, pdev->device);
	}

	if (pdev->vendor == PCI_VENDOR_ID_INTEL &&
	    (pdev->class >> 16) == PCI_BASE_CLASS_DISPLAY) {
		pci_warn(pdev, "Intel graphics needs vfio-pci's IGD OpRegion support, not binding: use vfio-pci\n");
		return -EINVAL;
	}
	return 0;
}
