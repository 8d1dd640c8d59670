/*
 * Machine layer: lazy floating point for user programs.
 *
 * User programs are compiled for hardware floating point, the kernel is not,
 * so the kernel itself never touches an FP register: only the code here
 * does. A program starts with the FPU off (sstatus.FS = Off). Its first FP
 * instruction traps as an illegal instruction; fpu_first_use() then gives it
 * zeroed FP registers and retries the instruction. From then on:
 *
 *   trap into the kernel:  save f0-f31 and fcsr in the trapframe, but only
 *                          when the hardware says they changed (FS = Dirty);
 *                          then turn the FPU off while the kernel runs;
 *   return to user mode:   load them from the trapframe, FS = Clean.
 *
 * So the copy in the trapframe is the true one whenever the process is in
 * the kernel, and it does not matter which process last used this hart's
 * FPU or which hart the process comes back on. Programs that never use
 * floating point pay nothing beyond two CSR writes per trap.
 *
 * Interrupts are off in all of these (usertrap() has not yet turned them
 * on; usertrapret() has turned them off), so the process cannot move to
 * another hart halfway through a save or a load.
 */
#include "types.h"
#include "riscv.h"
#include "trapframe.h"

/* fpregs.S */
void fpu_save(struct trapframe *tf);
void fpu_load(struct trapframe *tf);

static uint64 fpu_state(void)
{
  return r_sstatus() & SSTATUS_FS_MASK;
}

static void set_fpu_state(uint64 fs)
{
  w_sstatus((r_sstatus() & ~SSTATUS_FS_MASK) | fs);
}

/*
 * Zero the saved FP state. This layer sits below memset (string.c), and
 * the compiler would turn a plain loop into a call to it: the stores go
 * through a volatile pointer to stay stores.
 */
static void clear_fp_registers(struct trapframe *tf)
{
  volatile uint64 *word = tf->f;

  for (uint i = 0; i < sizeof(tf->f) / sizeof(tf->f[0]); i++)
    word[i] = 0;
  tf->fcsr = 0;
}

void fpu_trap_entry(struct trapframe *tf)
{
  if (fpu_state() == SSTATUS_FS_DIRTY)
    fpu_save(tf);
  /* Off while in the kernel: an FP instruction there would be a kernel
     bug, and it should trap rather than clobber a user's registers. */
  set_fpu_state(SSTATUS_FS_OFF);
}

int fpu_first_use(struct trapframe *tf, uint64 scause)
{
  /* With FP already on, an illegal instruction is the program's own fault. */
  if (scause != SCAUSE_ILLEGAL_INSTRUCTION || tf->fp_enabled)
    return 0;
  clear_fp_registers(tf);
  tf->fp_enabled = 1;
  return 1;  /* epc still points at the instruction: it runs again */
}

void fpu_trap_return(struct trapframe *tf)
{
  if (!tf->fp_enabled) {
    set_fpu_state(SSTATUS_FS_OFF);
    return;
  }
  set_fpu_state(SSTATUS_FS_CLEAN);  /* the FPU must be on to be loaded */
  fpu_load(tf);
  /* Loading made it Dirty; the registers now equal the saved copy, so
     the next trap need not save them unless the program changes them. */
  set_fpu_state(SSTATUS_FS_CLEAN);
}

void fpu_reset(struct trapframe *tf)
{
  clear_fp_registers(tf);
  tf->fp_enabled = 0;
}
