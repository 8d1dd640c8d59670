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

# ---- stages ----
# The instructor tree builds any stage (STAGE=base, STAGE=<lab> for a lab's
# starter, STAGE=<lab>-solved; default: the last solved lab) by asking the
# stage tool for the LAB_* macros and the lab programs. A projected student
# tree has no macros left and carries conf/lab.mk instead.
ifneq ($(wildcard conf/lab.mk),)
include conf/lab.mk
STAGE_DEP :=
else
STAGE_DEP := .stage.mk
STAGE_ERROR := $(shell $(PYTHON) labs/stage.py $(STAGEFLAGS) make-vars $(STAGE) --output $(STAGE_DEP) 2>&1 >/dev/null)
ifneq ($(STAGE_ERROR),)
$(error $(STAGE_ERROR))
endif
include $(STAGE_DEP)
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
	$(CC) $(KCFLAGS) -c -o $@ $<
$(K)/%.o: $(K)/%.S
	$(CC) $(KCFLAGS) -c -o $@ $<

$(K)/kernel: $(KOBJS) $(K)/kernel.ld
	$(LD) $(LDFLAGS) -T $(K)/kernel.ld -o $@ $(KOBJS)
	$(OBJDUMP) -S $@ > $(K)/kernel.asm

# ---- user land ----

ULIB := $(U)/ulib.o $(U)/usys.o $(U)/printf.o $(U)/umalloc.o $(U)/statistics.o

$(U)/usys.S: $(K)/syscall.h $(U)/usys.py
	$(PYTHON) $(U)/usys.py $(K)/syscall.h > $@

$(U)/%.o: $(U)/%.c
	$(CC) $(UCFLAGS) -c -o $@ $<
$(U)/%.o: $(U)/%.S
	$(CC) $(UCFLAGS) -c -o $@ $<
$(U)/usertests/%.o: $(U)/usertests/%.c
	$(CC) $(UCFLAGS) -c -o $@ $<

UPROGS := init sh cat echo grep ls mkdir rm ln wc kill \
  forktest stressfs zombie sysfuzz lockstat $(LAB_UPROGS)

$(U)/_%: $(U)/%.o $(ULIB) $(U)/user.ld
	$(LD) $(LDFLAGS) -T $(U)/user.ld -o $@ $< $(ULIB)

UTESTS_OBJS := $(patsubst %.c,%.o,$(wildcard $(U)/usertests/*.c))
$(U)/_usertests: $(UTESTS_OBJS) $(ULIB) $(U)/user.ld
	$(LD) $(LDFLAGS) -T $(U)/user.ld -o $@ $(UTESTS_OBJS) $(ULIB)

UBINS := $(addprefix $(U)/_,$(UPROGS)) $(U)/_usertests

# The disk gets copies without debug information: it would triple their size
# (and push usertests past the largest file). user/_NAME keeps it for gdb and
# the backtrace symbolizer.
$(U)/stripped/_%: $(U)/_%
	@mkdir -p $(U)/stripped
	$(OBJCOPY) --strip-debug $< $@
FSBINS := $(patsubst $(U)/_%,$(U)/stripped/_%,$(UBINS))

# ---- file system image ----

mkfs/mkfs: mkfs/mkfs.c $(K)/fs.h $(K)/param.h $(K)/types.h $(K)/stat.h
	gcc -Wall -Werror -O2 $(LABDEFS) -I. -o $@ mkfs/mkfs.c

fs.img: mkfs/mkfs README.md $(FSBINS)
	mkfs/mkfs $@ README.md $(FSBINS)

.DEFAULT_GOAL := all
.PHONY: all
all: $(K)/kernel fs.img

# Keep every intermediate file (objects, unstripped programs): make would
# otherwise delete them and rebuild them on every run.
.SECONDARY:

-include $(K)/*.d $(U)/*.d $(U)/usertests/*.d

# Switching stage rebuilds everything; .stage.mk changes only when it does.
$(KOBJS) $(ULIB) $(UTESTS_OBJS) $(U)/usys.S mkfs/mkfs \
  $(addprefix $(U)/,$(addsuffix .o,$(UPROGS))): $(STAGE_DEP)

# ---- running ----

GDBPORT := $(shell expr `id -u` % 5000 + 25000)
QEMUOPTS = -machine virt -bios none -kernel $(K)/kernel -m 128M -smp $(CPUS) -nographic \
  -global virtio-mmio.force-legacy=false \
  -drive file=fs.img,if=none,format=raw,id=x0 \
  -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0

.PHONY: qemu qemu-gdb gdb check-qemu
check-qemu:
	@$(PYTHON) grade/qemu_version.py $(QEMU)

qemu: all check-qemu
	$(QEMU) $(QEMUOPTS)

.gdbinit: .gdbinit.tmpl Makefile
	sed "s/:1234/:$(GDBPORT)/" < $< > $@

GDB ?= $(shell command -v gdb-multiarch || command -v $(TOOLPREFIX)gdb || echo gdb-multiarch)

qemu-gdb: all check-qemu .gdbinit
	@echo "*** QEMU is waiting for gdb on port $(GDBPORT). In a second terminal run:"
	@echo "***     $(GDB) -x .gdbinit      (or: make gdb)"
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

gdb: .gdbinit
	$(GDB) -q -x .gdbinit

# ---- tests ----

.PHONY: test bench
test: all
	$(PYTHON) tests/run_tests.py

bench: all
	$(PYTHON) tests/bench.py

# ---- housekeeping ----

.PHONY: clean help
clean:
	rm -f $(K)/*.o $(K)/*.d $(K)/kernel $(K)/kernel.asm \
	  $(U)/*.o $(U)/*.d $(U)/usertests/*.o $(U)/usertests/*.d $(U)/_* $(U)/usys.S \
	  mkfs/mkfs fs.img .gdbinit .stage.mk
	rm -rf tests/logs $(U)/stripped

help:
	@echo "Kiln: a RISC-V teaching operating system"
	@echo ""
	@echo "  make              build kernel/kernel and fs.img"
	@echo "  make qemu         boot Kiln in QEMU (CPUS=$(CPUS)); quit with Ctrl-a x"
	@echo "  make qemu-gdb     boot halted, waiting for gdb on port $(GDBPORT)"
	@echo "  make gdb          attach gdb-multiarch to a 'make qemu-gdb' in another terminal"
	@echo "  make test         build, boot and run usertests (full with CPUS=3, quick with CPUS=1)"
	@echo "  make bench        time boot-to-prompt and full usertests; prints the figures"
	@echo "  make clean        remove everything that make built"
	@echo ""
	@echo "  Options: CPUS=n (harts, 1..8)"
	@echo ""
	@echo "  At the Kiln shell: Ctrl-p lists processes, Ctrl-d ends input, Ctrl-u erases the line."
