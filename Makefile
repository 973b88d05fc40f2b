# SPDX-License-Identifier: GPL-2.0-only
#
# memattr-vfio-pci: user entry points. The module itself is described in
# Kbuild; this file drives it and the VM test lanes.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
LANE ?= arm64-6.12

.PHONY: all modules check-kdir clean distclean install uninstall check lane lint bench help

all: modules

help:
	@echo 'memattr-vfio-pci targets:'
	@echo '  make [modules]      build memattr-vfio-pci.ko for KVER (default: running kernel)'
	@echo '  make install        install it under /lib/modules/KVER/updates and run depmod'
	@echo '  make uninstall      remove it again'
	@echo '  make check          build every lane and run every test in QEMU guests (root)'
	@echo '  make lane LANE=...  run one VM lane, e.g. LANE=amd64-7.2 (default $(LANE))'
	@echo '  make lint           checkpatch --strict, sparse, W=1 on every lane, shellcheck'
	@echo '  make bench          fault cost, leaf sizes, mmap and MMIO copies vs stock vfio-pci (VM)'
	@echo '  make clean          remove module build products'
	@echo '  make distclean      also remove the build/ cache of chroots, kernels, guests'
	@echo 'variables: KVER=$(KVER) KDIR=$(KDIR)'

check-kdir:
	@test -f $(KDIR)/Makefile || { \
		echo "error: no kernel headers for $(KVER) in $(KDIR)." >&2; \
		echo "       install them (Debian: apt install linux-headers-$(KVER))" >&2; \
		echo "       or pass KDIR=/path/to/kernel/build." >&2; \
		exit 1; }

modules: check-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

uninstall:
	rm -f /lib/modules/$(KVER)/updates/memattr-vfio-pci.ko*
	depmod -a $(KVER)

check:
	bash scripts/check.sh

lane:
	bash scripts/check.sh $(LANE)

lint:
	bash scripts/lint.sh

bench:
	bash scripts/bench.sh

clean:
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

# build/ caches the chroots, kernels and guests of the lanes (a few GB).
distclean: clean
	@if grep -q ' $(CURDIR)/build/' /proc/mounts; then \
		echo "error: something is still mounted under build/" >&2; exit 1; fi
	rm -rf build
