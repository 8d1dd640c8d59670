# _entry: the first instructions of every hart. QEMU's -kernel loads the
# kernel at 0x80000000 (kernel.ld puts this code first) and starts all harts
# here at once, in machine mode, with paging off and no stack.
#
# C needs a stack, so each hart takes one page of boot_stacks (start.c):
# hart h uses the page that ends at boot_stacks + (h + 1) * PGSIZE, since
# stacks grow down. Then start(h) takes over for good.

#include "riscv.h"

        .section .text.entry
        .globl _entry
_entry:
        csrr a0, mhartid                # start()'s argument
        addi t0, a0, 1
        slli t0, t0, PGSHIFT
        la sp, boot_stacks
        add sp, sp, t0
        call start

        # start() leaves with mret and never returns; should it ever, park.
halt:
        wfi
        j halt
