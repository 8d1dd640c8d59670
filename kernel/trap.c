/*
 * Traps. A trap from user mode arrives through uservec (trampoline.S) in
 * usertrap(); one taken while the kernel runs arrives through kernelvec
 * (kernelvec.S) in kerneltrap(). Both decide once what the trap is, with
 * classify_trap(), and dispatch on that. usertrapret() is the only way
 * back to user mode, for a process's first run as for every later one.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "proc.h"
#include "trapframe.h"
#include "dev.h"
#include "syscall_args.h"
#include "trap.h"

extern char trampoline[], uservec[], userret[];  /* trampoline.S */
void kernelvec(void);                            /* kernelvec.S */
void usertrap(void);

/* The kinds of trap, each handled its own way. */
enum trap_kind {
  TRAP_SYSCALL,    /* ecall from user mode */
  TRAP_DEVICE,     /* an external interrupt, routed by the PLIC */
  TRAP_TIMER,      /* a tick, which timervec forwards as a software interrupt */
  TRAP_EXCEPTION,  /* anything else: a fault, or a first use of the FPU */
};

static enum trap_kind classify_trap(uint64 scause)
{
  switch (scause) {
  case SCAUSE_ECALL_U:
    return TRAP_SYSCALL;
  case SCAUSE_EXTERNAL_INTR:
    return TRAP_DEVICE;
  case SCAUSE_SOFTWARE_INTR:
    return TRAP_TIMER;
  default:
    return TRAP_EXCEPTION;
  }
}

/* The names the RISC-V privileged specification gives the scause codes. */
const char *scause_name(uint64 scause)
{
  static const char *const exceptions[] = {
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
  static const char *const interrupts[] = {
    [1] "software interrupt",
    [5] "timer interrupt",
    [9] "external interrupt",
  };
  uint64 code = scause & ~SCAUSE_INTERRUPT;
  const char *name = 0;
  if (scause & SCAUSE_INTERRUPT) {
    if (code < NELEM(interrupts))
      name = interrupts[code];
  } else if (code < NELEM(exceptions)) {
    name = exceptions[code];
  }
  return name ? name : "unknown trap";
}

/* The PLIC sources this kernel drives, each with its driver's handler. */
typedef void (*interrupt_handler)(void);
static const struct {
  int irq;
  interrupt_handler handle;
} device_handlers[] = {
  { UART0_IRQ, uartintr },
  { VIRTIO0_IRQ, virtio_disk_intr },
};

/* The handler for a PLIC source, or 0 if no driver here owns it. */
static interrupt_handler device_handler(int irq)
{
  for (int i = 0; i < NELEM(device_handlers); i++)
    if (device_handlers[i].irq == irq)
      return device_handlers[i].handle;
  return 0;
}

static void device_interrupt(void)
{
  int irq = plic_claim();
  if (irq == 0)
    return;  /* another hart claimed it first: nothing left to do */
  interrupt_handler handle = device_handler(irq);
  if (handle)
    handle();
  else
    printf("device_interrupt: no driver for irq %d\n", irq);
  /* Until completed, the PLIC sends this source to no hart again. */
  plic_complete(irq);
}

static void timer_interrupt(void)
{
  /* Every hart gets each tick, so that each can preempt; only hart 0
     counts it, or time would run as many times too fast as there are harts. */
  if (cpuid() == 0)
    clock_tick();
  /* timervec raised SSIP (the same bit as SSIE); clear it to acknowledge. */
  w_sip(r_sip() & ~SIE_SSIE);
}

#if LAB_LAZY
static int is_page_fault(uint64 scause)
{
  return scause == SCAUSE_FETCH_PAGE_FAULT || scause == SCAUSE_LOAD_PAGE_FAULT ||
         scause == SCAUSE_STORE_PAGE_FAULT;
}

/*
 * The page-fault dispatch point. A page fault at va, taken by p in user
 * mode or by the kernel while it copied p's memory, may be one that a
 * lab's mechanism resolves: each lab that gives page faults a meaning has
 * one hook here. Returns 1 once the page can be used, so that the access
 * may run again; 0 if the fault stands, with *why naming its cause when a
 * hook knows it (0 otherwise).
 */
static int page_fault(struct proc *p, uint64 scause, uint64 va, const char **why)
{
  *why = 0;
  /* No lab puts pages of its own at or above MAXUVA. */
  if (!is_page_fault(scause) || va >= MAXUVA)
    return 0;
  if (lazy_fault(p, scause, va, why))
    return 1;
#if LAB_COW
  if (cow_fault(p, scause, va, why))
    return 1;
#endif
  return 0;
}

/*
 * Registered with the memory layer (main.c): a copy through pt, copyout(),
 * found no page at va that allows the access. Only the current process's
 * own memory can be resolved, as if the process had made the access itself.
 */
int usercopy_page_fault(pagetable_t pt, uint64 va, int write)
{
  struct proc *p = myproc();
  const char *why;
  if (p == 0 || pt != p->pagetable)
    return 0;
  return page_fault(p, write ? SCAUSE_STORE_PAGE_FAULT : SCAUSE_LOAD_PAGE_FAULT, va, &why);
}
#endif

/*
 * A fault from user mode that nothing resolves kills only the faulting
 * process, with one line of explanation: the cause and, when it is known,
 * what was wrong with the address (stval).
 */
static void user_fault(struct proc *p, uint64 scause)
{
  const char *why = 0;
#if LAB_LAZY
  if (page_fault(p, scause, r_stval(), &why))
    return;
#endif
  printf("pid %d (%s): killed by %s%s%s%s, sepc=%p stval=%p\n", p->pid, p->name,
         scause_name(scause), why ? " (" : "", why ? why : "", why ? ")" : "",
         (void *)r_sepc(), (void *)r_stval());
  setkilled(p);
}

#if LAB_ALARM
/*
 * The alarm lab: a timer tick found p running in user mode. Only such
 * ticks count, so the alarm measures the CPU time the program itself uses,
 * like Unix's ITIMER_VIRTUAL: time asleep, waiting for a hart or in the
 * kernel is free. When the count runs out the trapframe is set aside and
 * the return to user mode goes to the handler instead; an alarm that comes
 * while the handler still runs is dropped, never nested.
 */
static void alarm_tick(struct proc *p)
{
#if LAB_ALARM >= 2
  struct alarm *alarm = &p->alarm;
  if (alarm->interval == 0 || --alarm->ticks_left > 0)
    return;
  alarm->ticks_left = alarm->interval;
  if (alarm->in_handler)
    return;
  alarm->in_handler = 1;
  alarm->saved = *p->trapframe;
  p->trapframe->epc = alarm->handler;
#else
  /* TODO (alarm lab): count this tick against p's alarm; when the interval
     is used up, save p's registers and make the return to user mode go to
     the handler. */
#endif
}
#endif

/*
 * Entered from uservec, on the process's kernel stack, with interrupts off
 * and the user's registers saved in p->trapframe.
 */
void usertrap(void)
{
  /* From now on a trap is the kernel's own: send it to kernelvec. */
  w_stvec((uint64)kernelvec);
  if (r_sstatus() & SSTATUS_SPP)
    panic("usertrap: trap did not come from user mode");

  struct proc *p = myproc();
  struct trapframe *tf = p->trapframe;
  fpu_trap_entry(tf);
  /* Where to resume; a system call or an alarm moves it. */
  tf->epc = r_sepc();

  uint64 scause = r_scause();
  switch (classify_trap(scause)) {
  case TRAP_SYSCALL:
    if (killed(p))
      exit(-1);
    tf->epc += 4;  /* resume after the 4-byte ecall, not on it again */
    /* sepc, scause and sstatus are read: a nested trap may overwrite them. */
    intr_on();
    syscall();
    break;
  case TRAP_DEVICE:
    device_interrupt();
    break;
  case TRAP_TIMER:
    timer_interrupt();
#if LAB_ALARM
    alarm_tick(p);
#endif
    yield();  /* the tick ends this process's turn on the hart */
    break;
  case TRAP_EXCEPTION:
    /* An FP instruction with the FPU still off only asks for the FPU. */
    if (!fpu_first_use(tf, scause))
      user_fault(p, scause);
    break;
  }

  /* Killed by the fault, or by kill() while in the kernel: never go back. */
  if (killed(p))
    exit(-1);
  usertrapret();
}

/* Where the trampoline page's symbol sym is in every address space. */
static uint64 trampoline_va(const char *sym)
{
  return TRAMPOLINE + (uint64)(sym - trampoline);
}

/* The kernel state uservec loads on the next trap from user mode. */
static void save_kernel_state(struct trapframe *tf, struct proc *p)
{
  tf->kernel_hartid = r_tp();              /* cpuid() reads tp */
  tf->kernel_trap = (uint64)usertrap;
  tf->kernel_sp = p->kstack + PGSIZE;      /* the stack is empty between traps */
  tf->kernel_satp = r_satp();              /* this kernel page table */
}

/* Return to user mode at tf->epc with tf's registers, through userret. */
void usertrapret(void)
{
  struct proc *p = myproc();
  struct trapframe *tf = p->trapframe;

  /* Until sret, a trap would go to uservec as if it came from user mode:
     no interrupts from the moment stvec points there. */
  intr_off();
  w_stvec(trampoline_va(uservec));
  save_kernel_state(tf, p);

  /* sret returns to user mode (SPP clear), interrupts on (SPIE), at sepc. */
  w_sepc(tf->epc);
  w_sstatus((r_sstatus() & ~SSTATUS_SPP) | SSTATUS_SPIE);
  fpu_trap_return(tf);

  void (*userret_fn)(uint64 user_satp) = (void (*)(uint64))trampoline_va(userret);
  userret_fn(MAKE_SATP(p->pagetable));
}

/* A trap the kernel cannot explain is a kernel bug: say what it was, and stop. */
static void __attribute__((noreturn)) kernel_fault(uint64 scause, uint64 sepc)
{
  printf("kernel trap: %s, scause=%p sepc=%p stval=%p\n",
         scause_name(scause), (void *)scause, (void *)sepc, (void *)r_stval());
  panic("kerneltrap");
}

#if LAB_LAZY >= 2
extern char ucopy_start[], ucopy_end[];  /* ucopy.S: copyin()'s direct reads */

/*
 * lazy lab: copyin()'s direct read of user memory (ucopy.S) faulted. If
 * the page is one the process may have, a heap page not touched yet, it
 * is mapped now, and returning from the trap runs the load again;
 * otherwise usercopy_fault() makes the copy fail.
 */
static int usercopy_retry(uint64 scause, uint64 sepc)
{
  struct proc *p = myproc();
  const char *why;
  if (p == 0 || sepc < (uint64)ucopy_start || sepc >= (uint64)ucopy_end)
    return 0;
  return page_fault(p, scause, r_stval(), &why);
}
#endif

/* kernelvec runs only for traps in supervisor mode, which the hardware
   takes with interrupts off: anything else is a broken trap path. */
static void check_kernel_trap(uint64 sstatus)
{
  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: trap did not come from supervisor mode");
  if (sstatus & SSTATUS_SIE)
    panic("kerneltrap: interrupts enabled");
}

/* Entered from kernelvec, on whatever kernel stack was in use. */
void kerneltrap(void)
{
  uint64 scause = r_scause();
  /* yield() below lets other code run, and trap, before this trap returns;
     those traps overwrite sepc and sstatus, so keep copies to restore. */
  uint64 sstatus = r_sstatus();
  uint64 sepc = r_sepc();
  check_kernel_trap(sstatus);

  switch (classify_trap(scause)) {
  case TRAP_DEVICE:
    device_interrupt();
    break;
  case TRAP_TIMER:
    timer_interrupt();
    /* A process in the kernel is preempted too; the scheduler is not. */
    if (myproc() != 0)
      yield();
    break;
  default:
#if LAB_LAZY >= 2
    /* A heap page that copyin()'s direct read meets before the user did. */
    if (usercopy_retry(scause, sepc))
      break;
#endif
#if LAB_KPGTBL >= 2
    /* A bad user pointer in copyin()'s direct read fails that copy, no more. */
    if (usercopy_fault(scause, r_stval(), &sepc))
      break;
#endif
    kernel_fault(scause, sepc);
  }

  w_sepc(sepc);
  w_sstatus(sstatus);
}

void trapinithart(void)
{
  w_stvec((uint64)kernelvec);
}
