# The first instructions every hart runs, in machine mode, with paging off.
# Each hart takes its own 4 KiB slice of boot_stacks and calls start().

        .section .text.entry
        .globl _entry
_entry:
        la sp, boot_stacks
        li t0, 4096
        csrr t1, mhartid
        addi t1, t1, 1
        mul t0, t0, t1
        add sp, sp, t0          # sp = boot_stacks + 4096 * (hartid + 1)
        call start
1:
        wfi                     # start() does not return
        j 1b
