# The trampoline: the crossing between user mode and the kernel.
#
# This page is mapped at TRAMPOLINE in the kernel's page table and in every
# user page table, so its code keeps running while satp changes under it.
# uservec enters the kernel from user mode; userret leaves it. Both work on
# the trapframe (trapframe.h), mapped at TRAPFRAME in user page tables only,
# where slot TF_X(n) holds register xn.
#
# The user's registers are all live on entry, so one of them has to give up
# its value before there is a register to address the trapframe with: t6
# (x31), the last, parks in sscratch. Then x1..x30 form one unbroken run.

#include "riscv.h"
#include "memlayout.h"
#include "trapframe.h"

# Apply `op` (sd or ld) to x1..x30 and their trapframe slots, based at t6.
        .macro for_x1_to_x30 op
        .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
        \op x\n, TF_X(\n)(t6)
        .endr
        .endm

# Install the page table `satp`. The fences order every memory access made
# under the old table before the switch, and drop its cached translations.
        .macro switch_page_table satp
        sfence.vma
        csrw satp, \satp
        sfence.vma
        .endm

        .section trampsec
        .globl trampoline
        .globl uservec
        .globl userret
        .align 4                        # stvec needs at least 4
trampoline:
uservec:
        # stvec points here while a process runs in user mode.
        csrw sscratch, t6
        li t6, TRAPFRAME
        for_x1_to_x30 sd
        csrr t5, sscratch               # t5 is saved already: free to use
        sd t5, TF_X(31)(t6)

        # Take on the kernel's registers. The trapframe is not mapped in the
        # kernel's page table, so read it all before switching.
        ld sp, TF_KERNEL_SP(t6)
        ld tp, TF_KERNEL_HARTID(t6)
        ld t0, TF_KERNEL_TRAP(t6)
        ld t1, TF_KERNEL_SATP(t6)
        switch_page_table t1
        jr t0                           # usertrap(), which never comes back here

# userret(satp): usertrapret() calls this, on the kernel page table, with
# the process's user page table in a0; sret then goes to the user pc that
# usertrapret() put in sepc.
userret:
        switch_page_table a0
        li t6, TRAPFRAME
        for_x1_to_x30 ld
        ld t6, TF_X(31)(t6)             # the base register goes last
        sret
