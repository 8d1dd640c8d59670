/*
 * Machine layer: a user process's registers while it is in the kernel.
 *
 * Each process has one trapframe page, mapped at TRAPFRAME in its user page
 * table. uservec (trampoline.S) stores the user's integer registers there on
 * every trap from user mode and userret loads them back; fpu.c keeps the
 * floating-point registers there for programs that use them. Whenever the
 * process is in the kernel, this page, not the hardware, holds its state.
 *
 * The integer registers sit in register-number order, slot n holding xn, so
 * that the assembly can save and restore them with one loop over n. x0 is
 * always zero and needs no slot: its slot holds the user pc instead.
 */
#ifndef KILN_TRAPFRAME_H
#define KILN_TRAPFRAME_H

/* Byte offsets, for the assembly (checked against the struct below). */
#define TF_KERNEL_SP      0
#define TF_KERNEL_HARTID  8
#define TF_KERNEL_TRAP   16
#define TF_KERNEL_SATP   24
#define TF_X(n)   (32 + 8 * (n))        /* integer register xn (n = 0: the pc) */
#define TF_F(n)   (TF_X(32) + 8 * (n))  /* floating-point register fn */
#define TF_FCSR   TF_F(32)

#ifndef __ASSEMBLER__

struct trapframe {
  /* What uservec loads, in this order, to enter the kernel; usertrapret()
     fills them in on every return to user mode. */
  uint64 kernel_sp;               /* top of the process's kernel stack */
  uint64 kernel_hartid;           /* for tp, which cpuid() reads */
  uint64 kernel_trap;             /* the address of usertrap() */
  uint64 kernel_satp;             /* the kernel page table */

  union {
    uint64 x[32];                 /* x[n] is register xn, x[0] the pc */
    struct {
      uint64 epc;
      uint64 ra, sp, gp, tp;      /* x1 .. x4 */
      uint64 t0, t1, t2;          /* x5 .. x7 */
      uint64 s0, s1;              /* x8, x9 */
      uint64 a0, a1, a2, a3, a4, a5, a6, a7;        /* x10 .. x17 */
      uint64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;  /* x18 .. x27 */
      uint64 t3, t4, t5, t6;      /* x28 .. x31 */
    };
  };

  /* Meaningful only while fp_enabled; all zero otherwise. */
  uint64 f[32];                   /* f0 .. f31, as raw 64-bit patterns */
  uint64 fcsr;                    /* rounding mode and exception flags */
  uint64 fp_enabled;              /* has this program used floating point? */
};

_Static_assert(__builtin_offsetof(struct trapframe, kernel_hartid) == TF_KERNEL_HARTID &&
               __builtin_offsetof(struct trapframe, kernel_trap) == TF_KERNEL_TRAP &&
               __builtin_offsetof(struct trapframe, kernel_satp) == TF_KERNEL_SATP,
               "TF_KERNEL_ offsets out of step with struct trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, epc) == TF_X(0) &&
               __builtin_offsetof(struct trapframe, a0) == TF_X(10) &&
               __builtin_offsetof(struct trapframe, t6) == TF_X(31),
               "TF_X() out of step with struct trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, fcsr) == TF_FCSR,
               "TF_F() out of step with struct trapframe");

/*
 * fpu.c: lazy user floating point. A program starts with the FPU off; its
 * first FP instruction traps and turns it on. From then on its FP registers
 * are saved on a trap only if it changed them, and loaded on every return.
 */
void fpu_trap_entry(struct trapframe *tf);     /* first thing in usertrap() */
int fpu_first_use(struct trapframe *tf, uint64 scause);  /* 1: FP now on, retry */
void fpu_trap_return(struct trapframe *tf);    /* last thing before userret */
void fpu_reset(struct trapframe *tf);          /* exec: a program starts without FP */

#endif /* __ASSEMBLER__ */
#endif
