/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_VFIO_REQUEST_H
#define MEMATTR_SELFTEST_VFIO_REQUEST_H

/*
 * An eventfd set as the device's request trigger (VFIO_PCI_REQ_IRQ_INDEX),
 * as QEMU sets one up: the kernel signals it when it wants the device
 * back. Returns the eventfd, or -errno after logging why.
 */
int vfio_request_eventfd(int device_fd);

#endif /* MEMATTR_SELFTEST_VFIO_REQUEST_H */
