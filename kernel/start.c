/*
 * Machine-mode start-up. Every hart arrives here from entry.S, configures the
 * few things only machine mode may touch, and drops to supervisor mode in
 * main(). Machine mode stays resident only to field timer interrupts.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"

void main(void);
void timervec(void);
void kernelvec(void);

/* entry.S carves one boot stack per hart out of this. */
__attribute__((aligned(16))) char boot_stacks[4096 * NCPU];

/* A tick every 10 ms: the virt machine's clock runs at 10 MHz. */
#define TIMER_INTERVAL 100000

/*
 * Scratch space for timervec, one row per hart:
 * [0..2] saved registers, [3] address of this hart's mtimecmp, [4] interval.
 */
static uint64 timer_scratch[NCPU][5];

/* Arrange for machine-mode timer interrupts on this hart. */
static void timer_init(int hart)
{
  volatile uint64 *mtimecmp = (uint64 *)CLINT_MTIMECMP(hart);
  *mtimecmp = *(volatile uint64 *)CLINT_MTIME + TIMER_INTERVAL;

  timer_scratch[hart][3] = (uint64)mtimecmp;
  timer_scratch[hart][4] = TIMER_INTERVAL;
  w_mscratch((uint64)timer_scratch[hart]);

  /*
   * mstatus.MIE stays off: machine interrupts are always enabled while the
   * hart runs in supervisor or user mode, which is all we need. Turning it on
   * here would let a tick interrupt start() itself before its mret, and that
   * trap would overwrite mepc and MPP and send the hart to user mode.
   */
  w_mtvec((uint64)timervec);
  w_mie(r_mie() | MIE_MTIE);
}

void start(void)
{
  /* mret will "return" to supervisor mode at main(), with paging off. */
  w_mstatus((r_mstatus() & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S);
  w_mepc((uint64)main);
  w_satp(0);

  /* A trap before trapinithart() then reports itself (kernel trap, panic)
     instead of jumping to address 0 and faulting there forever. */
  w_stvec((uint64)kernelvec);

  /* Supervisor mode handles every exception and interrupt itself. */
  w_medeleg(0xffff);
  w_mideleg(0xffff);
  w_sie(r_sie() | SIE_SEIE | SIE_STIE | SIE_SSIE);

  /* Give supervisor mode access to all of physical memory. */
  w_pmpaddr0(0x3fffffffffffffull);
  w_pmpcfg0(0xf);

  /* Let supervisor mode read the time CSR. */
  w_mcounteren(0x2);

  int hart = r_mhartid();
  timer_init(hart);
  w_tp(hart);  /* cpuid() reads the hart id from tp */

  asm volatile("mret");
}
