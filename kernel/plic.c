/*
 * Devices layer: the platform-level interrupt controller (PLIC), which routes
 * device interrupts to harts. Kiln takes them in supervisor mode only.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "cpu.h"
#include "dev.h"

static inline volatile uint32 *
plic_reg(uint64 addr)
{
  return (volatile uint32 *)DEVICE_VA(addr);
}

/* Once, for the whole machine: a non-zero priority lets a source interrupt
   at all (priority 0 means never). */
void
plicinit(void)
{
  *plic_reg(PLIC_PRIORITY + UART0_IRQ * 4) = 1;
  *plic_reg(PLIC_PRIORITY + VIRTIO0_IRQ * 4) = 1;
}

/*
 * On every hart: set the priority threshold to 0, and let hart 0 alone take
 * device interrupts. Offered to every hart, each interrupt would wake them
 * all; all but one would claim nothing, and then race for the lock of the
 * process the interrupt woke. On a busy host, where a hart holding a lock
 * may not run for milliseconds, that race made disk-bound work 20 times
 * slower. Hart 0 always exists, and the disk's waiters can run on any hart.
 */
void
plicinithart(void)
{
  int hart = cpuid();

  *plic_reg(PLIC_SENABLE(hart)) = hart == 0 ? (1 << UART0_IRQ) | (1 << VIRTIO0_IRQ) : 0;
  *plic_reg(PLIC_SPRIORITY(hart)) = 0;
}

/* The interrupt this hart should serve now, or 0 if none (another hart may
   have claimed it first). */
int
plic_claim(void)
{
  return *plic_reg(PLIC_SCLAIM(cpuid()));
}

/* Tell the PLIC that irq has been served, so that it may be raised again. */
void
plic_complete(int irq)
{
  *plic_reg(PLIC_SCLAIM(cpuid())) = irq;
}
