/* System-call and trap layer: entering and leaving the kernel (trap.c). */
#ifndef KILN_TRAP_H
#define KILN_TRAP_H

void trapinithart(void);
void usertrapret(void);
const char *scause_name(uint64 scause);
#if LAB_LAZY
/* For the memory layer's copies (registered by main): 1 if the user page at
   va in pt, missing or refusing the access, can be used now. */
int usercopy_page_fault(pagetable_t pt, uint64 va, int write);
#endif

#endif
