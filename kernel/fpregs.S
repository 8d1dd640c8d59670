# Machine layer: moving a user program's floating-point registers between
# the FPU and its trapframe (struct trapframe, trapframe.h). The kernel is
# built without floating point, so these two routines, and nothing else,
# tell the assembler that the D extension is there. Their caller (fpu.c)
# makes sure sstatus.FS is not Off while they run.

#include "trapframe.h"

        .option arch, +d

# Apply `op` to every FP register and its slot in the trapframe at a0.
        .macro for_each_fp_reg op
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        \op f\n, TF_F(\n)(a0)
        .endr
        .endm

# void fpu_save(struct trapframe *tf)
        .globl fpu_save
fpu_save:
        for_each_fp_reg fsd
        frcsr t0
        sd t0, TF_FCSR(a0)
        ret

# void fpu_load(struct trapframe *tf)
        .globl fpu_load
fpu_load:
        for_each_fp_reg fld
        ld t0, TF_FCSR(a0)
        fscsr t0
        ret
