/* System-call layer: fetching arguments from the trapframe and user memory. */
#ifndef KILN_SYSCALL_ARGS_H
#define KILN_SYSCALL_ARGS_H

void syscall(void);
void argint(int n, int *ip);
void argaddr(int n, uint64 *ap);
int argstr(int n, char *buf, int max);        /* length, or -1 on a bad string */
int fetchaddr(uint64 addr, uint64 *ip);       /* 0, or -1 on a bad address */
int fetchstr(uint64 addr, char *buf, int max);

#endif
