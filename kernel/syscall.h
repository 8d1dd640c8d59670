/*
 * System call numbers. This file is the single list from which the user
 * stubs (user/usys.S) are generated, so every SYS_ line names a real call.
 */
#ifndef KILN_SYSCALL_H
#define KILN_SYSCALL_H

#define SYS_fork    1
#define SYS_exit    2
#define SYS_wait    3
#define SYS_pipe    4
#define SYS_read    5
#define SYS_kill    6
#define SYS_exec    7
#define SYS_fstat   8
#define SYS_chdir   9
#define SYS_dup    10
#define SYS_getpid 11
#define SYS_sbrk   12
#define SYS_sleep  13
#define SYS_uptime 14
#define SYS_open   15
#define SYS_write  16
#define SYS_mknod  17
#define SYS_unlink 18
#define SYS_link   19
#define SYS_mkdir  20
#define SYS_close  21
#if LAB_TRACE
#define SYS_trace   22
#define SYS_sysinfo 23
#endif
#if LAB_ALARM
#define SYS_sigalarm   24
#define SYS_sigreturn  25
#define SYS_kbacktrace 26
#endif
#if LAB_BIGFILE
#define SYS_symlink 27
#endif
#if LAB_SHM
#define SYS_shmget 28
#define SYS_shmat  29
#define SYS_shmdt  30
#define SYS_shmctl 31
#endif
#if LAB_IOZONE
#define SYS_lseek        32
#define SYS_pread        33
#define SYS_pwrite       34
#define SYS_readv        35
#define SYS_writev       36
#define SYS_preadv       37
#define SYS_pwritev      38
#define SYS_fsync        39
#define SYS_ftruncate    40
#define SYS_gettimeofday 41
#define SYS_select       42
#endif

#endif
