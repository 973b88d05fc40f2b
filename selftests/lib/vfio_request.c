// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio's device request channel: how a user learns that the device is
 * being taken away (hot-remove, unbind) and should be released.
 */
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "log.h"
#include "vfio_request.h"

int vfio_request_eventfd(int device_fd)
{
	struct vfio_irq_info irq = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_REQ_IRQ_INDEX,
	};
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} irqs;
	int efd, ret;

	if (ioctl(device_fd, VFIO_DEVICE_GET_IRQ_INFO, &irq))
		return lib_errno("VFIO_DEVICE_GET_IRQ_INFO(REQ)");
	if (irq.count != 1) {
		lib_log("no device request IRQ (count %u)", irq.count);
		return -ENODEV;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return lib_errno("eventfd");
	memset(&irqs, 0, sizeof(irqs));
	irqs.set.argsz = sizeof(irqs);
	irqs.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irqs.set.index = VFIO_PCI_REQ_IRQ_INDEX;
	irqs.set.start = 0;
	irqs.set.count = 1;
	irqs.fd = efd;
	if (ioctl(device_fd, VFIO_DEVICE_SET_IRQS, &irqs)) {
		ret = lib_errno("VFIO_DEVICE_SET_IRQS(REQ)");
		close(efd);
		return ret;
	}
	return efd;
}
