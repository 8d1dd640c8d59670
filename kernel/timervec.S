# timervec: machine mode's trap handler (mtvec), which only ever sees this
# hart's timer interrupt.
#
# Supervisor mode cannot program the CLINT's timer, so machine mode keeps
# it going: each interrupt sets the next deadline and passes the tick down
# as a supervisor software interrupt, which devintr() in trap.c counts as
# a clock tick.
#
# The interrupted code, in supervisor or user mode, must find every
# register as it left it. mscratch holds this hart's struct mtimer
# (start.c): swapping it with sp gives a base register, and the struct's
# first two words hold t0 and t1 while the handler works with them.

#include "riscv.h"
#include "memlayout.h"

# struct mtimer
#define MT_PARKED_T0   0
#define MT_PARKED_T1   8
#define MT_MTIMECMP   16
#define MT_INTERVAL   24

        .section .text
        .globl timervec
        .align 4                        # mtvec needs at least 4
timervec:
        csrrw sp, mscratch, sp
        sd t0, MT_PARKED_T0(sp)
        sd t1, MT_PARKED_T1(sp)

        # The next deadline is one interval from now, not from the last
        # deadline: a hart that sat stopped in the debugger then does not
        # come back to a burst of overdue ticks.
        li t0, CLINT_MTIME
        ld t0, 0(t0)
        ld t1, MT_INTERVAL(sp)
        add t0, t0, t1
        ld t1, MT_MTIMECMP(sp)
        sd t0, 0(t1)                    # writing mtimecmp also clears MTIP

        csrsi mip, MIP_SSIP

        ld t1, MT_PARKED_T1(sp)
        ld t0, MT_PARKED_T0(sp)
        csrrw sp, mscratch, sp
        mret
