/*
 * Machine layer: finding this hart's struct cpu.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "cpu.h"

struct cpu cpus[NCPU];

int cpuid(void)
{
  return r_tp();
}

struct cpu *mycpu(void)
{
  return &cpus[cpuid()];
}
