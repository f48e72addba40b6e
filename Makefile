# SPDX-License-Identifier: GPL-2.0
#
# tcpstate: the menu.  `make help` lists the targets.  Every path can be
# overridden on the command line: make KDIR=/path/to/kernel/build.

# Headers to build the module against: the running kernel's when it has
# them, otherwise Debian's 6.1 headers, which the test VM boots.
VM_KVER ?= $(shell scripts/kernel-version.sh 2>/dev/null)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR ?= $(RUNNING_KDIR)
else
KDIR ?= /lib/modules/$(VM_KVER)/build
endif
# The check and demo targets always build against the kernel the VM boots.
VM_KDIR ?= /lib/modules/$(VM_KVER)/build
VM_KERNEL ?= /boot/vmlinuz-$(VM_KVER)
# Where the guest's virtio/9p modules come from: a version, or none.
VM_MODULES ?=
VM_TIMEOUT ?= 3000

# Installation (`make install`, `make deb`).  The version is the one of
# debian/changelog's first entry, for the CLI and the DKMS source alike.
VERSION := $(shell dpkg-parsechangelog -l debian/changelog -SVersion | sed 's/-[^-]*$$//')
PREFIX ?= /usr/local
DESTDIR ?=
# Local rules go to /etc; the Debian package ships its own in /lib.
UDEVDIR ?= /etc/udev/rules.d
DKMS_SRC = /usr/src/tcpstate-$(VERSION)
# AUTOLOAD=1: load the module at boot.  MODULE_OPTIONS="max_entries=N ...":
# the module's parameters, written to /etc/modprobe.d/tcpstate.conf.
AUTOLOAD ?=
MODULE_OPTIONS ?=

BUILD := $(CURDIR)/.build
KSFT_TREE := $(BUILD)/linux-source-6.1
CHECKPATCH ?= $(KSFT_TREE)/scripts/checkpatch.pl
STYLE_FILES = $(filter-out %.mod.c,$(wildcard module/*.c module/*.h)) module/Kbuild Kbuild \
	      uapi/linux/tcpstate.h $(wildcard userspace-tool/*.c userspace-tool/*.h \
	      userspace-tool/tests/*.c selftests/*.c selftests/*.h)

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

all: module cli

help:
	@echo "Targets:"
	@echo "  all (default)  the module (module/tcpstate.ko) and the CLI (userspace-tool/tcpstate)"
	@echo "  module         the kernel module, against KDIR=$(KDIR)"
	@echo "  cli            the command-line tool"
	@echo "  check          every test: W=1 build, checkpatch, sparse, unit tests, kselftests in a VM,"
	@echo "                 the packages installed, booted with each kernel and purged (root)"
	@echo "  check-all      check on 6.1, then its kernel-dependent part on 6.1-rt, 6.12, 6.12-rt and"
	@echo "                 a debug kernel (KASAN, lockdep, kmemleak), installing them, two at a"
	@echo "                 time (CHECK_ALL_JOBS); CHECK_ALL=\"6.1 6.12\" picks some, CHECK_ALL_QUICK"
	@echo "                 and CHECK_ALL_CORE run fewer tests on some of them; CI runs it"
	@echo "  demo           boot a VM, load the module and show what the CLI reports"
	@echo "  bench          in a VM: storm cost against no tracer and the peers, readers' loss,"
	@echo "                 memory, report latency against ss; bench.json and bench.png"
	@echo "  profile        in two VMs: where a storm's kernel instructions go with the module,"
	@echo "                 counted by a QEMU plugin (PROFILE_BASE=none or another build of it;"
	@echo "                 PROFILE_READERS=N raw readers drain the stream)"
	@echo "  vm-shell       an interactive shell in the test VM, with the module built"
	@echo "  style          checkpatch --strict over the sources"
	@echo "  sparse         the sparse checker over the module"
	@echo "  install        the CLI, man page, completion, uapi header, udev rule to DESTDIR/PREFIX,"
	@echo "                 and the module through DKMS for every kernel with headers"
	@echo "                 (AUTOLOAD=1: load at boot; MODULE_OPTIONS=\"max_entries=N ...\")"
	@echo "  uninstall      remove all that install put in place, DKMS's builds too"
	@echo "  deb            tcpstate-dkms and tcpstate .deb packages in .build/deb, lintian-checked"
	@echo "  deps           install the Debian packages all this needs"
	@echo "  clean          remove what the build made"
	@echo "Variables: KDIR, VM_KERNEL, VM_TIMEOUT, V=1, FUZZ_SECONDS (fuzz.sh, default 45),"
	@echo "           RELOAD_CYCLES (reload_storm.sh's insmod/rmmod cycles, 20), SOAK_ROUNDS,"
	@echo "           NETNS_COUNT, PATCH_SECONDS (the other long tests' sizes; check-all's"
	@echo "           other kernels: CHECK_ALL_SIZES),"
	@echo "           PREFIX=$(PREFIX), DESTDIR, UDEVDIR=$(UDEVDIR)"

deps:
	$(Q)scripts/deps.sh

# The module remembers the headers it was built against: switching KDIR
# rebuilds it from scratch rather than mixing objects of two kernels.
# Remembered before the build, so that a build that failed half-way is
# cleaned away too.
#
# RT_MODE=1: the module as PREEMPT_RT kernels get it (tcpstate_rt_mode()),
# for any kernel, built from a copy of the sources in .build/rtmode
# (.build/rtmode/module/tcpstate.ko), apart from the usual one.
RTMODE_DIR := $(BUILD)/rtmode
ifeq ($(RT_MODE),1)
module:
	$(Q)mkdir -p $(RTMODE_DIR)
	$(Q)if [ -f $(RTMODE_DIR)/module/.kdir ] && \
		[ "$$(cat $(RTMODE_DIR)/module/.kdir)" != "$(KDIR)" ]; then \
		rm -rf $(RTMODE_DIR) && mkdir -p $(RTMODE_DIR); fi
	$(Q)cp -a Kbuild $(RTMODE_DIR)/ && cp -a uapi $(RTMODE_DIR)/ && \
		mkdir -p $(RTMODE_DIR)/module && \
		cp -a module/Kbuild module/*.c module/*.h $(RTMODE_DIR)/module/
	$(Q)$(MAKE) -C $(KDIR) M=$(abspath $(RTMODE_DIR)) $(if $(W),W=$(W)) \
		$(if $(V),V=$(V)) $(if $(C),C=$(C) CHECK=sparse) TCPSTATE_RT_MODE=y modules
	$(Q)echo "$(KDIR)" > $(RTMODE_DIR)/module/.kdir
else
module:
	$(Q)if [ -f module/.kdir ] && [ "$$(cat module/.kdir)" != "$(KDIR)" ]; then \
		$(MAKE) module-clean KDIR="$$(cat module/.kdir)"; fi
	$(Q)echo "$(KDIR)" > module/.kdir
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) $(if $(V),V=$(V)) modules
endif

# What kbuild made here for the module, and only that: kbuild's own clean
# (make -C KDIR M=. clean) deletes every object and .ko below M, which
# takes in .build/, where check-all builds other kernels' modules in
# trees of their own while this one is cleaned (check.sh does it first).
module-clean:
	$(Q)rm -f Module.symvers modules.order .Module.symvers.cmd .modules.order.cmd \
		.module-common.o ..module-common.o.cmd module/.kdir
	$(Q)find module -maxdepth 1 -type f \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name modules.order -o -name '*.d' \
		-o -name '*.tmp' -o -name '*.su' -o -name '*.dwo' -o -name '*.symtypes' \
		-o -name '*.lst' \) -delete

cli:
	$(Q)$(MAKE) -C userspace-tool

ksft:
	$(Q)scripts/ksft-unpack.sh $(BUILD) >/dev/null

selftests: ksft
	$(Q)$(MAKE) -C selftests

style: ksft
	$(Q)out=$$(perl $(CHECKPATCH) --strict --no-tree --terse --show-types -f $(STYLE_FILES) 2>&1); \
		rc=$$?; echo "$$out" | grep -v "^total: 0 errors, 0 warnings, 0 checks" | grep .; \
		test $$rc -eq 0 && echo "checkpatch: clean"

sparse:
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=sparse modules

# check, demo and vm-shell install their dependencies first, then start
# again so that the VM kernel's version is read after it is installed.
check demo vm-shell: deps
	$(Q)$(MAKE) vm-$@

check-all: deps
	$(Q)scripts/check-all.sh

# bench also needs its peers (bpftrace, tcpstates-bpfcc) and gnuplot:
# scripts/bench-deps.sh installs them, apart from deps, so that check never
# waits for them.
bench: deps
	$(Q)scripts/bench-deps.sh
	$(Q)$(MAKE) vm-bench

vm-check:
	$(Q)KDIR=$(VM_KDIR) VM_KERNEL=$(VM_KERNEL) VM_TIMEOUT=$(VM_TIMEOUT) \
		VM_MODULES=$(VM_MODULES) SELFTESTS="$(SELFTESTS)" FUZZ_SECONDS=$(FUZZ_SECONDS) \
		FUZZ_SEED=$(FUZZ_SEED) RELOAD_CYCLES=$(RELOAD_CYCLES) SOAK_ROUNDS=$(SOAK_ROUNDS) \
		NETNS_COUNT=$(NETNS_COUNT) PATCH_SECONDS=$(PATCH_SECONDS) \
		scripts/check.sh

vm-demo:
	$(Q)$(MAKE) module KDIR=$(VM_KDIR)
	$(Q)$(MAKE) cli
	$(Q)$(MAKE) selftests
	$(Q)VM_KERNEL=$(VM_KERNEL) scripts/vm-run.sh -t 900 -- scripts/demo.sh

# The guest writes bench.json to BENCH_OUT (vm-run.sh -o); the PNG is drawn
# on the host.  BENCH_* variables (BENCH_ROUNDS=9, BENCH_ONLY=events...,
# see scripts/bench.sh) are handed to the guest, which starts with an
# empty environment.  slab_nomerge: the module's kmem_cache keeps its name
# in /proc/slabinfo.
BENCH_OUT ?= $(BUILD)/bench
BENCH_TIMEOUT ?= 3600
BENCH_MEMORY ?= 2G
# BENCH_ICOUNT=1 BENCH_CPUS=1: the guest's clock counts instructions
# (vm-run.sh -i), so the storms' CPU times hold still under a busy host.
# The guest reads time from the TSC (BENCH_CLOCK, vm-run.sh -C), as on
# real hardware and as the published numbers were measured: a jump in the
# host's TSC can spoil such a run (not with BENCH_ICOUNT), where the tests
# read the emulated HPET, which it cannot move.  The vCPUs run each on a
# host thread of their own (BENCH_TCG_THREADS, vm-run.sh -T), truly at
# once, as the published numbers were measured.  The tests take turns
# instead: a vCPU can run code the other is rewriting, and the crash that
# can follow would fail a test, where it only spoils a bench run.
BENCH_CPUS ?= 2
BENCH_CLOCK ?= tsc
BENCH_TCG_THREADS ?= $(if $(BENCH_ICOUNT),single,multi)
BENCH_ENV = $(foreach v,$(filter-out BENCH_OUT BENCH_TIMEOUT BENCH_MEMORY BENCH_CLOCK BENCH_TCG_THREADS BENCH_ENV,\
	$(filter BENCH_%,$(.VARIABLES))),'$(v)=$($(v))')

vm-bench:
	$(Q)$(MAKE) module KDIR=$(VM_KDIR)
	$(Q)$(MAKE) cli
	$(Q)$(MAKE) selftests
	$(Q)rm -f $(BENCH_OUT)/bench.json $(BENCH_OUT)/bench.png
	$(Q)rc=0; VM_KERNEL=$(VM_KERNEL) VM_ICOUNT=$(BENCH_ICOUNT) VM_CPUS=$(BENCH_CPUS) \
		VM_TCG_THREADS=$(BENCH_TCG_THREADS) scripts/vm-run.sh -t $(BENCH_TIMEOUT) -m $(BENCH_MEMORY) -C $(BENCH_CLOCK) \
		-a slab_nomerge -o $(BENCH_OUT) -- env $(BENCH_ENV) scripts/bench.sh || rc=$$?; \
		if [ -s $(BENCH_OUT)/bench.json ]; then \
			scripts/bench-plot.sh $(BENCH_OUT)/bench.json $(BENCH_OUT)/bench.png || rc=1; \
			echo "bench: $(BENCH_OUT)/bench.json"; fi; \
		exit $$rc

# scripts/profile.sh: PROFILE_CONNS, PROFILE_READERS, PROFILE_TOP and
# PROFILE_OUT are read from the environment.  PROFILE_KO=floor: what the
# hooks cost alone (scripts/profile.sh).
PROFILE_KO ?= $(if $(filter 1,$(RT_MODE)),$(RTMODE_DIR)/module/tcpstate.ko,module/tcpstate.ko)
PROFILE_BASE ?= none

profile:
	$(Q)$(MAKE) module KDIR=$(VM_KDIR)
	$(Q)$(MAKE) selftests
	$(Q)VM_KERNEL=$(VM_KERNEL) KDIR=$(VM_KDIR) scripts/profile.sh $(PROFILE_KO) $(PROFILE_BASE)

vm-vm-shell:
	$(Q)$(MAKE) module KDIR=$(VM_KDIR)
	$(Q)$(MAKE) cli
	$(Q)VM_KERNEL=$(VM_KERNEL) scripts/vm-run.sh -s

# make install: the CLI, its man page and bash completion, the uapi header
# and the udev rule under DESTDIR/PREFIX; the module's source to
# /usr/src/tcpstate-VERSION for DKMS, which builds and installs it for every
# kernel whose headers are installed (scripts/dkms.sh), and again at each
# kernel upgrade.  With a DESTDIR (packaging: make deb) nothing is
# registered with DKMS or udev: the package's scripts do that.
install: cli
	$(Q)$(MAKE) -C userspace-tool install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(Q)install -D -m 0644 uapi/linux/tcpstate.h $(DESTDIR)$(PREFIX)/include/linux/tcpstate.h
	$(Q)install -D -m 0644 module/60-tcpstate.rules $(DESTDIR)$(UDEVDIR)/60-tcpstate.rules
	$(Q)rm -rf $(DESTDIR)$(DKMS_SRC)
	$(Q)install -D -m 0644 -t $(DESTDIR)$(DKMS_SRC) Kbuild
	$(Q)install -D -m 0644 -t $(DESTDIR)$(DKMS_SRC)/module module/Kbuild \
		$(filter-out %.mod.c,$(wildcard module/*.c module/*.h))
	$(Q)install -D -m 0644 -t $(DESTDIR)$(DKMS_SRC)/uapi/linux uapi/linux/tcpstate.h
	$(Q)sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DESTDIR)$(DKMS_SRC)/dkms.conf
	$(Q)if [ -n "$(AUTOLOAD)" ]; then \
		install -d $(DESTDIR)/etc/modules-load.d && \
		echo tcpstate > $(DESTDIR)/etc/modules-load.d/tcpstate.conf; fi
	$(Q)if [ -n "$(MODULE_OPTIONS)" ]; then \
		install -d $(DESTDIR)/etc/modprobe.d && \
		echo "options tcpstate $(MODULE_OPTIONS)" > $(DESTDIR)/etc/modprobe.d/tcpstate.conf; fi
ifeq ($(DESTDIR),)
	$(Q)scripts/dkms.sh install $(VERSION)
	$(Q)if command -v udevadm >/dev/null && [ -d /run/udev ]; then udevadm control --reload; fi
endif

# The mirror image of install, the files of AUTOLOAD and MODULE_OPTIONS too.
uninstall:
ifeq ($(DESTDIR),)
	$(Q)scripts/dkms.sh remove $(VERSION)
endif
	$(Q)rm -f $(DESTDIR)$(PREFIX)/sbin/tcpstate $(DESTDIR)$(PREFIX)/share/man/man8/tcpstate.8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/tcpstate \
		$(DESTDIR)$(PREFIX)/include/linux/tcpstate.h $(DESTDIR)$(UDEVDIR)/60-tcpstate.rules \
		$(DESTDIR)/etc/modules-load.d/tcpstate.conf $(DESTDIR)/etc/modprobe.d/tcpstate.conf
	$(Q)rm -rf $(DESTDIR)$(DKMS_SRC)

# make deb: tcpstate-dkms_VERSION_all.deb and tcpstate_VERSION_ARCH.deb in
# .build/deb, built by dpkg-buildpackage from a copy of the tree, then
# checked by lintian (scripts/deb.sh).
deb:
	$(Q)scripts/deb.sh $(BUILD)/deb

clean: module-clean
	$(Q)rm -rf $(RTMODE_DIR)
	$(Q)$(MAKE) -C userspace-tool clean
	$(Q)if [ -f $(KSFT_TREE)/tools/testing/selftests/lib.mk ]; then $(MAKE) -C selftests clean; fi
	$(Q)rm -rf $(BUILD)/check $(BUILD)/vm/runs $(BUILD)/deb $(BUILD)/pkg-test

.PHONY: all help deps module module-clean cli ksft selftests style sparse check check-all demo bench profile \
	install uninstall deb \
	vm-shell vm-check vm-demo vm-bench vm-vm-shell clean
