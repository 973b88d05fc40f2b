// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: struct vfio_device.inode, an inode per vfio device whose
 * i_mapping every open file of the device uses as f_mapping, so that
 * unmap_mapping_range() on it reaches every user mapping of the device.
 *
 * Upstream: b7c5e64fecfa ("vfio: Create vfio_fs_type with inode per
 * device"), Linux 6.10; vfio-pci zaps its BARs that way since then.
 */
#include <linux/fs.h>
#include <linux/vfio.h>

struct address_space *memattr_probe(struct vfio_device *vdev);
struct address_space *memattr_probe(struct vfio_device *vdev)
{
	return vdev->inode->i_mapping;
}
