# Kiln: build the kernel and file system, run them in QEMU, test them.
# Type `make help` for the whole workflow.

K := kernel
U := user

TOOLPREFIX ?= riscv64-unknown-elf-
CC      := $(TOOLPREFIX)gcc
AS      := $(TOOLPREFIX)as
LD      := $(TOOLPREFIX)ld
OBJCOPY := $(TOOLPREFIX)objcopy
OBJDUMP := $(TOOLPREFIX)objdump
QEMU    ?= qemu-system-riscv64
PYTHON  ?= python3

CPUS ?= 3

# Builds print one short line per step; `make V=1` shows the whole commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

# ---- stages ----
# The instructor tree builds any stage (STAGE=base, STAGE=<lab> for a lab's
# starter, STAGE=<lab>-solved; default: the last solved lab) by asking the
# stage tool for the LAB_* macros and the lab programs. A projected student
# tree has no macros left and carries conf/lab.mk instead.
ifneq ($(wildcard conf/lab.mk),)
include conf/lab.mk
STAGE_DEP :=
FS_IMG := fs.img
else
STAGE_DEP := .stage.mk
STAGE_ERROR := $(shell $(PYTHON) labs/stage.py $(STAGEFLAGS) make-vars $(STAGE) --output $(STAGE_DEP) 2>&1 >/dev/null)
ifneq ($(STAGE_ERROR),)
$(error $(STAGE_ERROR))
endif
include $(STAGE_DEP)
# What the LAB_ values mean, and a check that they are all set.
LABDEFS += -include $(K)/lab.h
# The disk that `make qemu` boots and keeps. Another stage boots a disk of
# its own, so building, booting or grading it leaves fs.img alone.
FS_IMG := $(if $(filter $(STAGE_DEFAULT),$(STAGE)),fs.img,fs-$(STAGE).img)
endif

# Newer binutils split the CSR and fence.i instructions into their own
# extensions; older ones reject the names. Ask the compiler which it takes.
ZEXT := $(shell $(CC) -march=rv64imac_zicsr_zifencei -mabi=lp64 -E -x c /dev/null >/dev/null 2>&1 && echo _zicsr_zifencei)

COMMON_CFLAGS := -Wall -Werror -O2 -fno-omit-frame-pointer -ggdb -gdwarf-4 \
  -MD -mcmodel=medany -ffreestanding -fno-common -nostdlib -mno-relax \
  -fno-stack-protector -fno-pie -fno-builtin-printf -fno-builtin-fprintf \
  -fno-builtin-malloc -fno-builtin-free -fno-builtin-exit -I.
# The kernel never touches floating-point registers, so it is built without them.
KCFLAGS := $(COMMON_CFLAGS) $(LABDEFS) -march=rv64imac$(ZEXT) -mabi=lp64
UCFLAGS := $(COMMON_CFLAGS) $(LABDEFS) -march=rv64gc$(ZEXT) -mabi=lp64d
LDFLAGS := -z max-page-size=4096 --no-warn-rwx-segments

KSRCS := $(filter-out $(STAGE_OMIT),$(wildcard $(K)/*.c))
KASMS := $(filter-out $(STAGE_OMIT),$(wildcard $(K)/*.S))
KOBJS := $(KASMS:.S=.o) $(KSRCS:.c=.o)

$(K)/%.o: $(K)/%.c
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<
$(K)/%.o: $(K)/%.S
	$(call say,AS,$<)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

$(K)/kernel: $(KOBJS) $(K)/kernel.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -T $(K)/kernel.ld -o $@ $(KOBJS)
	$(Q)$(OBJDUMP) -S $@ > $(K)/kernel.asm

# ---- user land ----

ULIB := $(U)/ulib.o $(U)/usys.o $(U)/printf.o $(U)/umalloc.o $(U)/statistics.o $(U)/gradetoken.o

# The preprocessor settles which system calls this build has; usys.py
# turns the SYS_ macros that remain into stubs.
$(U)/usys.S: $(K)/syscall.h $(U)/usys.py
	$(call say,GEN,$@)
	$(Q)$(CC) $(LABDEFS) -E -dM $(K)/syscall.h | $(PYTHON) $(U)/usys.py - > $@

$(U)/%.o: $(U)/%.c
	$(call say,CC,$<)
	$(Q)$(CC) $(UCFLAGS) -c -o $@ $<
$(U)/%.o: $(U)/%.S
	$(call say,AS,$<)
	$(Q)$(CC) $(UCFLAGS) -c -o $@ $<

# Kiln's own programs, built with -Werror like the rest of Kiln: user.h
# declares printf with a format attribute, so a printf whose arguments do
# not match its format stops the build.
UPROGS := init sh cat echo grep ls mkdir rm ln wc kill \
  forktest stressfs zombie sysfuzz lockstat $(LAB_UPROGS)

# Programs from elsewhere, such as xv6's usertests or another course's lab
# programs, often pass printf the wrong types (%p given a uint64, an
# argument too many). Their code is not ours to clean up, so they build
# with every warning shown and none fatal. Name them (each user/NAME.c,
# under a name no Kiln program has) on the command line or here:
#     make qemu EXTRA_UPROGS="xv6tests mylab"
# A Kiln program named here stays a Kiln program, with -Werror.
EXTRA_UPROGS ?=
FOREIGN_UPROGS := $(filter-out $(UPROGS),$(EXTRA_UPROGS))
$(addprefix $(U)/,$(addsuffix .o,$(FOREIGN_UPROGS))): UCFLAGS += -Wno-error

$(U)/_%: $(U)/%.o $(ULIB) $(U)/user.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -T $(U)/user.ld -o $@ $< $(ULIB)

# A program too long for one file has a folder of its own, user/NAME/, whose
# .c files all link into user/_NAME: usertests, and a program of UPROGS
# that has a folder instead of a user/NAME.c.
FOLDER_UPROGS := usertests $(filter $(patsubst $(U)/%/,%,$(wildcard $(U)/*/)),$(UPROGS))
folder_objs = $(patsubst %.c,%.o,$(wildcard $(U)/$(1)/*.c))
FOLDER_OBJS := $(foreach prog,$(FOLDER_UPROGS),$(call folder_objs,$(prog)))

define FOLDER_PROGRAM
$(U)/_$(1): $(call folder_objs,$(1)) $(ULIB) $(U)/user.ld
	$$(call say,LD,$$@)
	$$(Q)$$(LD) $$(LDFLAGS) -T $(U)/user.ld -o $$@ $(call folder_objs,$(1)) $$(ULIB)
endef
$(foreach prog,$(FOLDER_UPROGS),$(eval $(call FOLDER_PROGRAM,$(prog))))

UBINS := $(addprefix $(U)/_,$(UPROGS) $(FOREIGN_UPROGS)) $(U)/_usertests

# The disk gets copies without debug information: it would triple their size
# (and push usertests past the largest file). user/_NAME keeps it for gdb and
# the backtrace symbolizer.
$(U)/stripped/_%: $(U)/_%
	@mkdir -p $(U)/stripped
	$(Q)$(OBJCOPY) --strip-debug $< $@
FSBINS := $(patsubst $(U)/_%,$(U)/stripped/_%,$(UBINS))

# ---- file system image ----

mkfs/mkfs: mkfs/mkfs.c $(K)/fs.h $(K)/param.h $(K)/types.h $(K)/stat.h
	$(call say,HOSTCC,$<)
	$(Q)gcc -Wall -Werror -O2 $(LABDEFS) -I. -o $@ mkfs/mkfs.c

# `make qemu` boots fs.img and keeps what it writes there. The grader boots
# fs-pristine.img instead, fresh from mkfs, so that no file left behind by
# an earlier session (or a half-finished write) can change a grade.
FS_FILES := mkfs/mkfs README.md $(FSBINS)
fs-pristine.img: $(FS_FILES)
	$(call say,MKFS,$@)
	$(Q)mkfs/mkfs $@ README.md $(FSBINS)

# fs.img is remade only when what goes on it changes in content: a stage
# switch rebuilds every program, and then rebuilds them back, without
# changing a byte, and must not wipe what `make qemu` wrote on the disk.
# The checksums of its files, in .fs.img.sum (.fs-<stage>.img.sum for
# another stage), are rewritten only when they differ.
FS_SUM := .$(FS_IMG).sum
$(FS_SUM): $(FS_FILES) FORCE
	$(Q)cksum $(FS_FILES) > $@.new; \
	  if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi
$(FS_IMG): $(FS_SUM)
	$(call say,MKFS,$@)
	$(Q)mkfs/mkfs $@ README.md $(FSBINS)

.PHONY: FORCE
FORCE:

.DEFAULT_GOAL := all
.PHONY: all
all: $(K)/kernel $(FS_IMG)

# Keep every intermediate file (objects, unstripped programs): make would
# otherwise delete them and rebuild them on every run.
.SECONDARY:

-include $(K)/*.d $(U)/*.d $(U)/*/*.d

# Switching stage rebuilds everything; .stage.mk changes only when it does.
FILE_UPROGS := $(filter-out $(FOLDER_UPROGS),$(UPROGS)) $(FOREIGN_UPROGS)
$(KOBJS) $(ULIB) $(FOLDER_OBJS) $(U)/usys.S mkfs/mkfs \
  $(addprefix $(U)/,$(addsuffix .o,$(FILE_UPROGS))): $(STAGE_DEP)

# ---- running ----

# QEMUEXTRA adds QEMU options, e.g. QEMUEXTRA=-snapshot keeps the disk unchanged.
QEMUEXTRA ?=
# Each user gets their own port, so that students sharing a machine don't collide.
GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)
QEMUOPTS = -machine virt -bios none -kernel $(K)/kernel -m 128M -smp $(CPUS) -nographic \
  -global virtio-mmio.force-legacy=false \
  -drive file=$(FS_IMG),if=none,format=raw,id=x0 \
  -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 $(QEMUEXTRA)

.PHONY: qemu qemu-gdb gdb check-qemu
check-qemu:
	@$(PYTHON) grade/qemu_version.py $(QEMU)

qemu: all check-qemu
	$(QEMU) $(QEMUOPTS)

.PHONY: .gdbinit
.gdbinit: .gdbinit.tmpl
	$(Q)sed "s/:1234/:$(GDBPORT)/" < $< > $@

GDB ?= $(shell command -v gdb-multiarch || command -v $(TOOLPREFIX)gdb || echo gdb-multiarch)

qemu-gdb: all check-qemu .gdbinit
	@echo "*** QEMU is waiting for gdb on port $(GDBPORT). In a second terminal run:"
	@echo "***     $(GDB) -x .gdbinit      (or: make gdb)"
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

gdb: .gdbinit
	$(GDB) -q -x .gdbinit

# ---- grading ----

# `make grade` grades the stage that is built (in a student tree: its lab).
# In the instructor tree, `make grade LAB=<lab>` grades <lab>-solved.
# The build runs first; when it fails the grader still writes the results
# that GRADEFLAGS asks for (--json, --junit), with a zero and the reason.
.PHONY: grade symbolize
ifdef LAB
grade:
	$(Q)$(MAKE) --no-print-directory STAGE=$(if $(filter base,$(LAB)),base,$(LAB)-solved) LAB= grade
else
grade:
	$(Q)$(MAKE) --no-print-directory $(K)/kernel fs-pristine.img; \
	  $(PYTHON) grade/grade.py $(or $(STAGE_LAB),base) --fs fs-pristine.img \
	    --build-status $$? $(GRADEFLAGS)
endif

# Console text on standard input, with addresses turned into function (file:line).
# No build step here: its messages would mix with the symbolized text.
symbolize:
	$(Q)$(PYTHON) grade/symbolize.py --kernel $(K)/kernel --user-dir $(U)

# The handouts as a small web site in handouts/site/ (needs pandoc). In the
# instructor's tree, STAGEFLAGS=--unreleased adds the labs not released yet.
.PHONY: handouts
handouts:
	$(Q)$(PYTHON) handouts/render.py $(STAGEFLAGS)

# Is fs.img, as the last `make qemu` left it, a consistent file system?
.PHONY: fsck
fsck:
	$(Q)$(PYTHON) grade/fsck.py $(FS_IMG)

# ---- instructor tools (not in student trees) ----

ifeq ($(wildcard conf/lab.mk),)
.PHONY: test soak bench layers stages stage solutions check-solutions branches release \
  compare gradescope grade-class
test: all fs-pristine.img
	$(Q)$(PYTHON) tests/run_tests.py --fs $(FS_IMG) $(TESTFLAGS)

# Not in `make test`: it takes SOAK_MINUTES (default 10) and then some.
soak: all fs-pristine.img
	$(Q)$(PYTHON) tests/soak.py $(if $(SOAK_MINUTES),--minutes $(SOAK_MINUTES)) \
	  $(if $(SOAK_SEEDS),--seeds $(SOAK_SEEDS))

# The layer table is tests/layers.txt; the objects are this stage's.
layers: $(K)/kernel
	$(Q)$(PYTHON) tests/layers.py --nm $(TOOLPREFIX)nm

bench: all
	$(Q)$(PYTHON) tests/bench.py --fs $(FS_IMG) $(STAGEFLAGS)

stages:
	$(Q)$(PYTHON) labs/stage.py $(STAGEFLAGS) list

stage:
	$(if $(DEST),,$(error usage: make stage STAGE=<stage> DEST=<new directory>))
	$(Q)$(PYTHON) labs/stage.py $(STAGEFLAGS) project $(STAGE) $(DEST)

solutions:
	$(Q)$(PYTHON) labs/stage.py $(STAGEFLAGS) solutions

check-solutions:
	$(Q)$(PYTHON) labs/stage.py $(STAGEFLAGS) solutions --check

# The student repository holds the labs up to UNTIL (default: the first);
# `make release` adds the next one after the previous lab's deadline.
branches:
	$(if $(DEST),,$(error usage: make branches DEST=<new directory> [UNTIL=<lab>] [STAFF=1]))
	$(Q)$(PYTHON) labs/stage.py $(STAGEFLAGS) branches $(if $(STAFF),--staff) \
	  $(if $(UNTIL),--until $(UNTIL)) $(DEST)

release:
	$(if $(and $(LAB),$(DEST)),,$(error usage: make release LAB=<lab> DEST=<student repository> [STAFF=1]))
	$(Q)$(PYTHON) labs/stage.py $(STAGEFLAGS) release $(if $(STAFF),--staff) $(LAB) $(DEST)

compare:
	$(if $(SUBMISSION),,$(error usage: make compare SUBMISSION=<student tree> [LAB=<lab>]))
	$(Q)$(PYTHON) labs/stage.py $(STAGEFLAGS) compare $(SUBMISSION) $(if $(LAB),--lab $(LAB))

# Official grading: a submission's own files in a pristine starter, built and
# graded, its results always written (labs/course.py, grade/autograder.py).
gradescope:
	$(if $(LAB),,$(error usage: make gradescope LAB=<lab> [TIME_LIMIT=seconds]))
	$(Q)$(PYTHON) labs/course.py $(STAGEFLAGS) gradescope $(LAB) \
	  $(if $(TIME_LIMIT),--time-limit $(TIME_LIMIT))

grade-class:
	$(if $(and $(LAB),$(SUBMISSIONS)),,$(error usage: make grade-class LAB=<lab> \
	  SUBMISSIONS=<dir> [OUT=<dir>] [JOBS=n] [TIME_LIMIT=seconds]))
	$(Q)$(PYTHON) labs/course.py $(STAGEFLAGS) grade-class $(LAB) $(SUBMISSIONS) \
	  $(if $(OUT),--output $(OUT)) $(if $(JOBS),-j $(JOBS)) \
	  $(if $(TIME_LIMIT),--time-limit $(TIME_LIMIT))
endif

# ---- housekeeping ----

.PHONY: clean
clean:
	rm -f $(K)/*.o $(K)/*.d $(K)/kernel $(K)/kernel.asm \
	  $(U)/*.o $(U)/*.d $(U)/*/*.o $(U)/*/*.d $(U)/_* $(U)/usys.S \
	  mkfs/mkfs fs.img fs-*.img .fs*.img.sum .gdbinit .stage.mk
	rm -rf tests/logs grade-logs $(U)/stripped handouts/site

define STUDENT_HELP
Kiln: a RISC-V teaching operating system.  Stage: $(or $(STAGE),$(STAGE_LAB),base)

Build and run
  make                build kernel/kernel and fs.img
  make qemu           boot Kiln in QEMU with CPUS=$(CPUS) harts; quit with Ctrl-a x
                      at the Kiln shell: Ctrl-p lists processes, Ctrl-u erases
                      the line, Ctrl-d ends input; try `ls` and `usertests -q`
  make clean          remove everything make built

Debug
  make qemu-gdb       boot halted, with a gdb stub on port $(GDBPORT)
  make gdb            in a second terminal: attach gdb-multiarch to it
  make symbolize < console.txt
                      turn kernel addresses in pasted console output (a panic,
                      a backtrace, sepc=...) into function (file:line)
  make fsck           check that fs.img is a consistent file system

Read
  make handouts       the handouts as a web site: open handouts/site/index.html
                      (needs pandoc)

Grade
  make grade          run this lab's tests and print the score you will get;
                      logs of every test go to grade-logs/
                      GRADEFLAGS=--list lists the tests, GRADEFLAGS="-k NAME"
                      runs those whose name matches NAME (a regex),
                      GRADEFLAGS="-j N --json results.json --junit results.xml"

Options: CPUS=n (1..8), V=1 shows full build commands,
  QEMUEXTRA=-snapshot boots without changing fs.img,
  EXTRA_UPROGS="a b" also puts programs from elsewhere, user/a.c and
  user/b.c, on the disk (their warnings are shown but do not stop the build).
endef

define INSTRUCTOR_HELP

Instructor tools
  make STAGE=<stage> ...   build any stage in place (default: the last solved lab);
                           its disk is fs-<stage>.img, fs.img stays the default's
  make stages              list the stages and which labs are available
  make stage STAGE=<stage> DEST=<dir>
                           project a stage into a clean student tree
  make grade LAB=<lab>     grade a lab against its reference solution
  make handouts STAGEFLAGS=--unreleased
                           the handouts' site with the labs not released yet
  make solutions           rewrite solutions/<lab>.diff (starter to solved)
  make check-solutions     fail if solutions/ is stale
  make branches DEST=<dir> [UNTIL=<lab>] [STAFF=1]
                           create the student repository: base and the labs up
                           to UNTIL (default: the first), one branch each, each
                           lab on top of the one before (STAFF=1 adds
                           <lab>-solved branches)
  make release LAB=<lab> DEST=<repo>
                           add the next lab's branch to the student repository,
                           once the previous lab's deadline has passed
  make compare SUBMISSION=<dir> [LAB=<lab>]
                           a student's changes beside the reference solution's
  make gradescope LAB=<lab> [TIME_LIMIT=540]
                           gradescope-<lab>.zip: Gradescope's autograder
  make grade-class LAB=<lab> SUBMISSIONS=<dir> [OUT=grades-<lab>] [JOBS=n]
                           grade every submission (subfolder, repository or
                           zip) officially: scores.csv, reports/, summary.txt
  make test                everything CI checks: host tools, usertests, labs
  make soak [SOAK_MINUTES=10] [SOAK_SEEDS=A,B,C,D]
                           parallel sysfuzz runs for minutes, then usertests -q
                           and fsck of the disk; prints the seeds to replay
  make bench               time boot and full usertests; prints the figures, then
                           full usertests of the locks starter and solution side by
                           side, and iozone's kB/sec with CPUS=1 and 3 (lab 9 on)
  make layers              print each kernel file's layer (tests/layers.txt); fail
                           on an upward call or include, or a cycle of over 3 files
endef
export STUDENT_HELP INSTRUCTOR_HELP

.PHONY: help
help:
	@echo "$$STUDENT_HELP"
ifeq ($(wildcard conf/lab.mk),)
	@echo "$$INSTRUCTOR_HELP"
endif
