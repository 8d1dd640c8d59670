/*
 * Traps: entering the kernel from user mode (system calls, faults, device
 * and timer interrupts), returning to user mode, and traps taken while the
 * kernel itself runs.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#if LAB_KPGTBL >= 2
#include "memory.h"
#endif
#include "proc.h"
#include "trapframe.h"
#include "dev.h"
#include "syscall_args.h"
#include "trap.h"

extern char trampoline[], uservec[], userret[];  /* trampoline.S */
void kernelvec(void);                            /* kernelvec.S */
void usertrap(void);

/* What devintr() found. */
enum { NOT_DEVICE, DEVICE, TIMER };

void trapinithart(void)
{
  w_stvec((uint64)kernelvec);
}

const char *scause_name(uint64 scause)
{
  static const char *exceptions[] = {
    [0] "instruction address misaligned",
    [1] "instruction access fault",
    [2] "illegal instruction",
    [3] "breakpoint",
    [4] "load address misaligned",
    [5] "load access fault",
    [6] "store address misaligned",
    [7] "store access fault",
    [8] "system call from user mode",
    [9] "system call from supervisor mode",
    [12] "instruction page fault",
    [13] "load page fault",
    [15] "store page fault",
  };
  static const char *interrupts[] = {
    [1] "software interrupt",
    [5] "timer interrupt",
    [9] "external interrupt",
  };
  uint64 code = scause & ~SCAUSE_INTERRUPT;
  const char **names = (scause & SCAUSE_INTERRUPT) ? interrupts : exceptions;
  uint64 n = (scause & SCAUSE_INTERRUPT) ? NELEM(interrupts) : NELEM(exceptions);
  if (code < n && names[code])
    return names[code];
  return "unknown trap";
}

/* Handle a device or timer interrupt, if that is what the trap was. */
static int devintr(void)
{
  uint64 scause = r_scause();

  if (scause == SCAUSE_EXTERNAL_INTR) {
    int irq = plic_claim();
    if (irq == UART0_IRQ)
      uartintr();
    else if (irq == VIRTIO0_IRQ)
      virtio_disk_intr();
    else if (irq)
      printf("devintr: unexpected interrupt irq=%d\n", irq);
    if (irq)
      plic_complete(irq);
    return DEVICE;
  }

  if (scause == SCAUSE_SOFTWARE_INTR) {
    /* timervec's forwarded timer tick. One hart keeps the time. */
    if (cpuid() == 0)
      clock_tick();
    w_sip(r_sip() & ~SIE_SSIE);
    return TIMER;
  }

  return NOT_DEVICE;
}

/* A user fault kills only the faulting process, with one line of explanation. */
static void kill_faulting_process(struct proc *p)
{
  printf("pid %d (%s): killed by %s, sepc=%p stval=%p\n",
         p->pid, p->name, scause_name(r_scause()), (void *)r_sepc(), (void *)r_stval());
  setkilled(p);
}

#if LAB_ALARM >= 2
/*
 * A timer tick found p running in user mode: charge it to p's alarm. Only
 * such ticks count, so the alarm measures the CPU time the program itself
 * uses, like Unix's ITIMER_VIRTUAL: time asleep, waiting for a hart or in
 * the kernel is free. When the count runs out the trapframe is set aside
 * and the return to user mode goes to the handler instead; an alarm that
 * comes while the handler still runs is dropped, never nested.
 */
static void alarm_tick(struct proc *p)
{
  struct alarm *a = &p->alarm;

  if (a->interval == 0 || --a->ticks_left > 0)
    return;
  a->ticks_left = a->interval;
  if (a->in_handler)
    return;
  a->saved = *p->trapframe;
  a->in_handler = 1;
  p->trapframe->epc = a->handler;
}
#endif

/* Entered from uservec in trampoline.S, on the process's kernel stack. */
void usertrap(void)
{
  if ((r_sstatus() & SSTATUS_SPP) != 0)
    panic("usertrap: trap did not come from user mode");

  /* From now on traps are the kernel's own. */
  w_stvec((uint64)kernelvec);

  struct proc *p = myproc();
  p->trapframe->epc = r_sepc();
  fpu_trap_entry(p->trapframe);

  int which = NOT_DEVICE;
  if (r_scause() == SCAUSE_ECALL_U) {
    if (killed(p))
      exit(-1);
    p->trapframe->epc += 4;  /* return past the ecall */
    intr_on();               /* sepc, scause and sstatus are saved: safe now */
    syscall();
  } else if ((which = devintr()) == NOT_DEVICE &&
             !fpu_first_use(p->trapframe, r_scause())) {
    kill_faulting_process(p);
  }

  if (killed(p))
    exit(-1);
#if LAB_ALARM >= 2
  if (which == TIMER) {
    alarm_tick(p);
    yield();
  }
#else
  if (which == TIMER)
    yield();
#endif
  usertrapret();
}

/* Return to user mode through userret in the trampoline. */
void usertrapret(void)
{
  struct proc *p = myproc();

  /* A trap now would go to uservec with the kernel's state: keep them off. */
  intr_off();
  w_stvec(TRAMPOLINE + (uservec - trampoline));

  /* What uservec needs on the next trap into the kernel. */
  p->trapframe->kernel_satp = r_satp();
  p->trapframe->kernel_sp = p->kstack + PGSIZE;
  p->trapframe->kernel_trap = (uint64)usertrap;
  p->trapframe->kernel_hartid = r_tp();

  /* sret goes to user mode with interrupts on, at the saved pc. */
  uint64 sstatus = r_sstatus();
  sstatus &= ~SSTATUS_SPP;
  sstatus |= SSTATUS_SPIE;
  w_sstatus(sstatus);
  w_sepc(p->trapframe->epc);
  fpu_trap_return(p->trapframe);

  void (*enter_user)(uint64 satp) = (void (*)(uint64))(TRAMPOLINE + (userret - trampoline));
  enter_user(MAKE_SATP(p->pagetable));
}

/* Entered from kernelvec, on the current kernel stack. */
void kerneltrap(void)
{
  /* yield() may run other code that traps; keep our own trap state. */
  uint64 sepc = r_sepc();
  uint64 sstatus = r_sstatus();
  uint64 scause = r_scause();

  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: trap did not come from supervisor mode");
  if (intr_get())
    panic("kerneltrap: interrupts enabled");

  int which = devintr();
#if LAB_KPGTBL >= 2
  /* A bad user pointer in copyin()'s direct read fails that copy, no more. */
  if (which == NOT_DEVICE && usercopy_fault(scause, r_stval(), &sepc)) {
    w_sepc(sepc);
    return;
  }
#endif
  if (which == NOT_DEVICE) {
    printf("kernel trap: %s, scause=%p sepc=%p stval=%p\n",
           scause_name(scause), (void *)scause, (void *)sepc, (void *)r_stval());
    panic("kerneltrap");
  }

  if (which == TIMER && myproc() != 0)
    yield();

  w_sepc(sepc);
  w_sstatus(sstatus);
}
