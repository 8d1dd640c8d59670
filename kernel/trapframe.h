/*
 * Machine layer: the registers of a user process while it is in the kernel.
 * The trampoline saves them here on every trap from user mode and puts them
 * back on the way out; the FPU helpers keep the floating-point state here.
 */
#ifndef KILN_TRAPFRAME_H
#define KILN_TRAPFRAME_H

/*
 * The page that uservec (trampoline.S) saves user registers into, mapped at
 * TRAPFRAME in the user page table. The first five fields describe the
 * kernel to the trampoline; the offsets are used by trampoline.S.
 */
struct trapframe {
  /*   0 */ uint64 kernel_satp;
  /*   8 */ uint64 kernel_sp;
  /*  16 */ uint64 kernel_trap;   /* usertrap() */
  /*  24 */ uint64 epc;           /* saved user pc */
  /*  32 */ uint64 kernel_hartid;
  /*  40 */ uint64 ra;
  /*  48 */ uint64 sp;
  /*  56 */ uint64 gp;
  /*  64 */ uint64 tp;
  /*  72 */ uint64 t0;
  /*  80 */ uint64 t1;
  /*  88 */ uint64 t2;
  /*  96 */ uint64 s0;
  /* 104 */ uint64 s1;
  /* 112 */ uint64 a0;
  /* 120 */ uint64 a1;
  /* 128 */ uint64 a2;
  /* 136 */ uint64 a3;
  /* 144 */ uint64 a4;
  /* 152 */ uint64 a5;
  /* 160 */ uint64 a6;
  /* 168 */ uint64 a7;
  /* 176 */ uint64 s2;
  /* 184 */ uint64 s3;
  /* 192 */ uint64 s4;
  /* 200 */ uint64 s5;
  /* 208 */ uint64 s6;
  /* 216 */ uint64 s7;
  /* 224 */ uint64 s8;
  /* 232 */ uint64 s9;
  /* 240 */ uint64 s10;
  /* 248 */ uint64 s11;
  /* 256 */ uint64 t3;
  /* 264 */ uint64 t4;
  /* 272 */ uint64 t5;
  /* 280 */ uint64 t6;
};

/* fpu.c: user floating point, saved only when a program has used it. */
void fpu_trap_entry(struct trapframe *tf);     /* first thing in usertrap() */
int fpu_first_use(struct trapframe *tf, uint64 scause);  /* 1: FP now on, retry */
void fpu_trap_return(struct trapframe *tf);    /* last thing before userret */
void fpu_reset(struct trapframe *tf);          /* exec: a program starts without FP */

#endif
