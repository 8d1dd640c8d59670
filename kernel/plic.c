/*
 * Devices layer: the platform-level interrupt controller (PLIC), which routes
 * device interrupts to harts. Kiln takes them in supervisor mode only, and
 * from the two devices below.
 *
 * A source reaches a hart's supervisor context when the source's priority
 * is above the context's threshold and the context enables it. The hart
 * then claims the interrupt (learning its source) and completes it when
 * the device has been served; until then the source stays quiet.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "cpu.h"
#include "dev.h"

/* The interrupt sources Kiln serves (trap.c dispatches on them). */
static const int sources[] = { UART0_IRQ, VIRTIO0_IRQ };

static volatile uint32 *plic_word(uint64 addr)
{
  return (volatile uint32 *)DEVICE_VA(addr);
}

/*
 * Once, for the whole machine: give each source priority 1. Any non-zero
 * priority will do, since all harts keep threshold 0; priority 0 would
 * mean the source never interrupts at all.
 */
void plicinit(void)
{
  for (int i = 0; i < NELEM(sources); i++)
    *plic_word(PLIC_PRIORITY + 4 * sources[i]) = 1;
}

/*
 * On every hart: accept any priority (threshold 0), and let hart 0 alone
 * take device interrupts. Offered to every hart, each interrupt would wake
 * them all; all but one would claim nothing, and then race for the lock of
 * the process the interrupt woke. On a busy host, where a hart holding a
 * lock may not run for milliseconds, that race made disk-bound work 20
 * times slower. Hart 0 always exists, and the disk's waiters can run on
 * any hart.
 */
void plicinithart(void)
{
  int hart = cpuid();
  uint32 enabled = 0;

  if (hart == 0)
    for (int i = 0; i < NELEM(sources); i++)
      enabled |= 1U << sources[i];
  *plic_word(PLIC_SENABLE(hart)) = enabled;
  *plic_word(PLIC_SPRIORITY(hart)) = 0;
}

/*
 * The source whose interrupt this hart should serve now, or 0 if none
 * (another hart may have claimed it first).
 */
int plic_claim(void)
{
  return *plic_word(PLIC_SCLAIM(cpuid()));
}

/* Tell the PLIC that irq has been served, so that it may be raised again. */
void plic_complete(int irq)
{
  *plic_word(PLIC_SCLAIM(cpuid())) = irq;
}
