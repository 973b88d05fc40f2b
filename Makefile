# SPDX-License-Identifier: GPL-2.0-only
#
# memattr-vfio-pci: user entry points. The module itself is described in
# Kbuild; this file drives it and the VM test lanes.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
# install/uninstall: DESTDIR stages into a package root.
DESTDIR ?=
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
UDEVDIR ?= $(PREFIX)/lib/udev
MODDIR ?= /lib/modules/$(KVER)/updates
DKMS_NAME := memattr-vfio-pci
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC := /usr/src/$(DKMS_NAME)-$(VERSION)
LANE ?= arm64-6.12
DEB_SUITES ?= bookworm trixie sid
DEMO_ARCH ?= arm64

.PHONY: all modules check-kdir clean distclean install install-module \
	install-tools uninstall uninstall-tools dkms-install dkms-uninstall \
	install-dkms-src check-no-destdir check check-debug lane lint bench \
	demo deb help

all: modules

help:
	@echo 'memattr-vfio-pci targets:'
	@echo '  make [modules]      build memattr-vfio-pci.ko for KVER (default: running kernel)'
	@echo '  make install        install it under /lib/modules/KVER/updates (depmod),'
	@echo '                      memattrctl and memattr-bench in SBINDIR, the udev rules'
	@echo '                      and helper in UDEVDIR (install-module, install-tools)'
	@echo '  make uninstall      remove them again'
	@echo '  make dkms-install   the same with DKMS: source to /usr/src, dkms install for'
	@echo '                      KVER (and every later kernel); dkms-uninstall removes all'
	@echo '  make deb            Debian packages (-dkms, -tools) for each of DEB_SUITES,'
	@echo '                      built and lintian-checked in a chroot of that suite:'
	@echo '                      build/deb/SUITE/*.deb, for apt install (root)'
	@echo '  make demo           see it work: udev binds an emulated device, bar2=normal-nc,'
	@echo '                      a program maps and writes it (VM, root, < 5 min from fresh;'
	@echo '                      DEMO_ARCH=amd64 for an x86 guest, default $(DEMO_ARCH))'
	@echo '  make check          build every lane and run every test in QEMU guests (root)'
	@echo '  make check-debug    build a 6.12 debug kernel (KASAN, lockdep, kmemleak) once,'
	@echo '                      then the suites that drive the module hardest on it'
	@echo '                      (lane amd64-6.12-debug)'
	@echo '  make lane LANE=...  run one VM lane, e.g. LANE=amd64-7.2 (default $(LANE));'
	@echo '                      LANE=arm64-7.2-l2: QEMU passes two devices to a KVM guest'
	@echo '  make lint           checkpatch --strict, sparse, W=1 on every lane, shellcheck'
	@echo '  make bench          fault cost, leaf sizes, mmap and MMIO copies vs stock vfio-pci (VM)'
	@echo '  make clean          remove module build products'
	@echo '  make distclean      also remove the build/ cache of chroots, kernels, guests'
	@echo 'variables: KVER=$(KVER) KDIR=$(KDIR) DEB_SUITES=$(DEB_SUITES)'
	@echo '           DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR) UDEVDIR=$(UDEVDIR) MODDIR=$(MODDIR)'

check-kdir:
	@test -f $(KDIR)/Makefile || { \
		echo "error: no kernel headers for $(KVER) in $(KDIR)." >&2; \
		echo "       install them (Debian: apt install linux-headers-$(KVER))" >&2; \
		echo "       or pass KDIR=/path/to/kernel/build." >&2; \
		exit 1; }

modules: check-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# install: the module for KVER and the user-space pieces. dkms-install:
# the same pieces, with DKMS building the module for every kernel.
# depmod and the udev reload only for the live system (no DESTDIR).
install: install-module install-tools

install-module: modules
	install -D -m 0644 memattr-vfio-pci.ko $(DESTDIR)$(MODDIR)/memattr-vfio-pci.ko
	$(if $(DESTDIR),,depmod -a $(KVER))

# memattrctl, memattr-bench, and the udev rules with their helper.
install-tools:
	$(MAKE) -C tools OUTPUT=$(CURDIR)/build/tools install \
		DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR)
	install -D -m 0755 tools/memattrctl $(DESTDIR)$(SBINDIR)/memattrctl
	install -D -m 0755 udev/memattr-vfio-pci-udev $(DESTDIR)$(UDEVDIR)/memattr-vfio-pci-udev
	install -D -m 0644 udev/70-memattr-vfio-pci.rules $(DESTDIR)$(UDEVDIR)/rules.d/70-memattr-vfio-pci.rules
	$(if $(DESTDIR),,-udevadm control --reload)

uninstall: uninstall-tools
	rm -f $(DESTDIR)$(MODDIR)/memattr-vfio-pci.ko*
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall-tools:
	$(MAKE) -C tools uninstall DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR)
	rm -f $(DESTDIR)$(SBINDIR)/memattrctl
	rm -f $(DESTDIR)$(UDEVDIR)/memattr-vfio-pci-udev
	rm -f $(DESTDIR)$(UDEVDIR)/rules.d/70-memattr-vfio-pci.rules
	$(if $(DESTDIR),,-udevadm control --reload)

# What dkms needs to build: the kernel side and its feature probe script.
# Also what the -dkms package ships (debian/rules, with DESTDIR).
install-dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	mkdir -p $(DESTDIR)$(DKMS_SRC)/scripts
	cp -a dkms.conf Kbuild src $(DESTDIR)$(DKMS_SRC)/
	cp -a scripts/probe-features.sh $(DESTDIR)$(DKMS_SRC)/scripts/

dkms-install: check-no-destdir install-tools install-dkms-src
	dkms install $(DKMS_NAME)/$(VERSION) -k $(KVER)

dkms-uninstall: check-no-destdir uninstall-tools
	if dkms status $(DKMS_NAME)/$(VERSION) | grep -q .; then \
		dkms remove $(DKMS_NAME)/$(VERSION) --all; fi
	rm -rf $(DKMS_SRC)

check-no-destdir:
	@test -z "$(DESTDIR)" || { \
		echo "error: dkms-install and dkms-uninstall act on this system; DESTDIR is not supported" >&2; \
		exit 1; }

check:
	bash scripts/check.sh

# The kernel build first, so its progress shows (check.sh logs it to a file).
check-debug:
	bash scripts/debug-kernel.sh amd64-6.12-debug
	bash scripts/check.sh amd64-6.12-debug

lane:
	bash scripts/check.sh $(LANE)

demo:
	bash scripts/demo.sh $(DEMO_ARCH)

lint:
	bash scripts/lint.sh

deb:
	bash scripts/deb.sh $(DEB_SUITES)

bench:
	bash scripts/bench.sh

clean:
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

# build/ caches the chroots, kernels and guests of the lanes (a few GB).
distclean: clean
	@if grep -q ' $(CURDIR)/build/' /proc/mounts; then \
		echo "error: something is still mounted under build/" >&2; exit 1; fi
	rm -rf build
