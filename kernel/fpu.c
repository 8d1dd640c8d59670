/*
 * Machine layer: user floating point. (Placeholder: the FP state is not yet
 * saved; a later change fills these in.)
 */
#include "types.h"
#include "riscv.h"
#include "trapframe.h"

void fpu_trap_entry(struct trapframe *tf) { (void)tf; }
int fpu_first_use(struct trapframe *tf, uint64 scause) { (void)tf; (void)scause; return 0; }
void fpu_trap_return(struct trapframe *tf) { (void)tf; }
void fpu_reset(struct trapframe *tf) { (void)tf; }
