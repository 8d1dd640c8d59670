# kernelvec: where a trap lands while the kernel itself runs (stvec, from
# trapinithart() on). It keeps the interrupted code's registers on the
# current kernel stack across a call to kerneltrap() in trap.c, then resumes
# that code with sret.
#
# Only the registers a C call may clobber need saving; kerneltrap() keeps
# the others itself. Two are left alone on purpose: the kernel never changes
# gp, and tp must keep naming the hart this thread runs on after the trap,
# which a yield() inside kerneltrap() may have changed. The stack is only a
# page, so the frame is packed: 16 slots, in register-number order.
#
# Above the slots sits a frame record, the two words that backtrace() reads
# below each frame pointer: the interrupted pc (sepc) as return address and
# the interrupted s0. A backtrace from inside kerneltrap() thus carries on
# into the code the trap interrupted.

#define SLOTS_SIZE  (16 * 8)
#define FRAME_SIZE  (SLOTS_SIZE + 16)   /* a multiple of 16, as the ABI wants */
#define SAVED_S0    SLOTS_SIZE
#define SAVED_PC    (SLOTS_SIZE + 8)

# Apply `op` to each caller-saved register: ra, t0-t2, a0-a7, t3-t6.
        .macro each_caller_saved op
        .set slot, 0
        .irp reg, ra, t0, t1, t2, a0, a1, a2, a3, a4, a5, a6, a7, t3, t4, t5, t6
        \op \reg, slot * 8(sp)
        .set slot, slot + 1
        .endr
        .endm

        .section .text
        .globl kernelvec
        .align 4                        # stvec needs at least 4
kernelvec:
        addi sp, sp, -FRAME_SIZE
        each_caller_saved sd

        sd s0, SAVED_S0(sp)
        csrr t0, sepc
        sd t0, SAVED_PC(sp)
        addi s0, sp, FRAME_SIZE

        call kerneltrap

        ld s0, SAVED_S0(sp)
        each_caller_saved ld
        addi sp, sp, FRAME_SIZE
        sret
