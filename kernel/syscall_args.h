/*
 * System-call layer: the arguments of the call being made. The user stub
 * leaves them in a0..a5 (saved in the trapframe); pointers among them are
 * user addresses, dereferenced only through these functions or through
 * copyin/copyout, which refuse what the process may not touch.
 */
#ifndef KILN_SYSCALL_ARGS_H
#define KILN_SYSCALL_ARGS_H

void syscall(void);                           /* run the call that a7 names */

/* Argument n (0..5) of the current call, as an int or as a user address. */
void argint(int n, int *ip);
void argaddr(int n, uint64 *ap);
/* Argument n as a string copied into buf: its length, or -1 on a bad one. */
int argstr(int n, char *buf, int max);

/* A 64-bit word and a string at a user address: 0 or the length, -1 if bad. */
int fetchaddr(uint64 addr, uint64 *ip);
int fetchstr(uint64 addr, char *buf, int max);

#endif
