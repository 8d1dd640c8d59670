/* System-call and trap layer: entering and leaving the kernel (trap.c). */
#ifndef KILN_TRAP_H
#define KILN_TRAP_H

void trapinithart(void);
void usertrapret(void);
const char *scause_name(uint64 scause);

#endif
