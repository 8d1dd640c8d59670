# void swtch(struct context *old, struct context *new)
#
# Switch kernel threads: store this thread's callee-saved registers in *old
# and load the other thread's from *new. The return then lands wherever the
# other thread last called swtch (or, for a new process, at the ra that
# proc.c put in its context). The compiler already keeps every other
# register that the caller needs on its stack.

# Apply `op` to each register of struct context (cpu.h), in field order.
        .macro each_context_reg op, base
        .set slot, 0
        .irp reg, ra, sp, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11
        \op \reg, slot * 8(\base)
        .set slot, slot + 1
        .endr
        .endm

        .globl swtch
swtch:
        each_context_reg sd, a0
        each_context_reg ld, a1
        ret
