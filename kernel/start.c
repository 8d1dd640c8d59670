/*
 * Machine-mode start-up: the only C code that runs in machine mode.
 *
 * Every hart arrives here from _entry (entry.S) with its hart id and a boot
 * stack. start() settles what only machine mode may decide: which traps
 * supervisor mode handles, what memory it may touch, which counters it may
 * read, and the timer. Then mret drops the hart into supervisor mode at
 * main(), and machine mode is entered again only by this hart's timer
 * interrupts (timervec.S).
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"

void main(void);
void kernelvec(void);
void timervec(void);
void start(uint64 hart);

/*
 * entry.S gives each hart one page of this as its stack. Page-aligned, so
 * a backtrace on a boot stack (the scheduler's) knows where the stack ends.
 */
__attribute__((aligned(PGSIZE))) char boot_stacks[NCPU][PGSIZE];

/* A tick every 10 ms: the virt machine's timer counts at 10 MHz. */
#define TICK_CYCLES 100000

/*
 * What timervec needs on each hart; mscratch points at the hart's own.
 * timervec.S reads the fields by offset, so their order is fixed.
 */
struct mtimer {
  uint64 parked[2];  /* t0 and t1 of the interrupted code */
  uint64 mtimecmp;   /* the address of this hart's CLINT compare register */
  uint64 interval;   /* timer cycles between ticks */
};
_Static_assert(__builtin_offsetof(struct mtimer, interval) == 24,
               "timervec.S reads struct mtimer at fixed offsets");

static struct mtimer mtimers[NCPU];

/* Supervisor mode takes every exception and its own three interrupts. */
static void delegate_traps(void)
{
  w_medeleg(0xffff);  /* exception causes 0..15 */
  /* mideleg and sie number the supervisor interrupts alike. */
  w_mideleg(SIE_SSIE | SIE_STIE | SIE_SEIE);
  w_sie(r_sie() | SIE_SSIE | SIE_STIE | SIE_SEIE);
}

/*
 * Supervisor mode may touch only memory that a PMP entry grants. Entry 0
 * grants all of it: a NAPOT entry whose address bits (pmpaddr holds bits
 * 55..2 of an address) are all ones covers the whole physical space.
 */
static void open_physical_memory(void)
{
  w_pmpaddr0(~0UL >> 10);
  w_pmpcfg0(PMPCFG_NAPOT | PMPCFG_R | PMPCFG_W | PMPCFG_X);
}

static void start_timer(uint64 hart)
{
  struct mtimer *mt = &mtimers[hart];
  volatile uint64 *now = (uint64 *)CLINT_MTIME;

  mt->mtimecmp = CLINT_MTIMECMP(hart);
  mt->interval = TICK_CYCLES;
  *(volatile uint64 *)mt->mtimecmp = *now + TICK_CYCLES;
  w_mscratch((uint64)mt);
  w_mtvec((uint64)timervec);
  /*
   * Machine interrupts reach a hart in supervisor or user mode whatever
   * mstatus.MIE says, so MIE stays clear: a tick can then not interrupt
   * start() itself, whose mepc and mstatus.MPP it would overwrite.
   */
  w_mie(r_mie() | MIE_MTIE);
}

/* Make mret land in supervisor mode at main(), with paging and the FPU off. */
static void prepare_supervisor_entry(void)
{
  uint64 status = r_mstatus();

  status &= ~(MSTATUS_MPP_MASK | MSTATUS_FS_MASK);
  w_mstatus(status | MSTATUS_MPP_S);
  w_mepc((uint64)main);
  w_satp(0);
  /* A trap before trapinithart() then reaches kerneltrap(), which reports
     it, instead of jumping to address 0. */
  w_stvec((uint64)kernelvec);
}

void start(uint64 hart)
{
  w_tp(hart);  /* cpuid() reads the hart id from tp from now on */
  delegate_traps();
  open_physical_memory();
  w_mcounteren(MCOUNTEREN_TM);  /* clock.c reads the time CSR */
  start_timer(hart);
  prepare_supervisor_entry();
  asm volatile("mret");
}
