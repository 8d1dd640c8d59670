# Machine-mode timer interrupt handler. It rearms this hart's timer and
# hands the tick to supervisor mode as a software interrupt, which
# trap.c treats as a clock tick. mscratch points at this hart's row of
# timer_scratch (start.c).

        .section .text
        .globl timervec
        .align 4
timervec:
        csrrw a0, mscratch, a0
        sd a1, 0(a0)
        sd a2, 8(a0)
        sd a3, 16(a0)

        ld a1, 24(a0)           # &mtimecmp
        ld a2, 32(a0)           # interval
        ld a3, 0(a1)
        add a3, a3, a2
        sd a3, 0(a1)            # next tick

        li a1, 2
        csrs sip, a1            # raise a supervisor software interrupt

        ld a3, 16(a0)
        ld a2, 8(a0)
        ld a1, 0(a0)
        csrrw a0, mscratch, a0
        mret
