/*
 * Machine layer: per-hart state and interrupt nesting.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "cpu.h"

struct cpu cpus[NCPU];

/* Must be called with interrupts off, so the thread cannot move harts. */
int cpuid(void)
{
  return r_tp();
}

struct cpu *mycpu(void)
{
  return &cpus[cpuid()];
}

void push_off(void)
{
  int were_on = intr_get();

  intr_off();
  struct cpu *c = mycpu();
  if (c->noff == 0)
    c->intena = were_on;
  c->noff++;
}

/* A broken nesting is a kernel bug; panic() lives a layer up, so stop here. */
void pop_off(void)
{
  struct cpu *c = mycpu();

  if (intr_get() || c->noff < 1)
    for (;;)
      ;
  c->noff--;
  if (c->noff == 0 && c->intena)
    intr_on();
}
