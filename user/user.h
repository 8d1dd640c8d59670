/*
 * The user-level API: system calls and the user library. Source-compatible
 * with classic xv6-riscv, so existing xv6 user programs build unchanged.
 */
#ifndef KILN_USER_H
#define KILN_USER_H

struct stat;

/* System calls (stubs generated into usys.S from kernel/syscall.h). */
int fork(void);
int exit(int status) __attribute__((noreturn));
int wait(int *status);
int pipe(int *fds);
int write(int fd, const void *buf, int n);
int read(int fd, void *buf, int n);
int close(int fd);
int kill(int pid);
int exec(const char *path, char **argv);
int open(const char *path, int flags);
int mknod(const char *path, short major, short minor);
int unlink(const char *path);
int fstat(int fd, struct stat *st);
int link(const char *oldpath, const char *newpath);
int mkdir(const char *path);
int chdir(const char *path);
int dup(int fd);
int getpid(void);
char *sbrk(int n);
int sleep(int ticks);
int uptime(void);
#if LAB_TRACE
struct sysinfo;
int trace(int mask);
int sysinfo(struct sysinfo *info);
#endif
#if LAB_ALARM
int sigalarm(int ticks, void (*handler)());
int sigreturn(void);
int kbacktrace(void);
#endif
#if LAB_BIGFILE
int symlink(const char *target, const char *path);
#endif
#if LAB_SHM
struct shmid_ds;
int shmget(int key, uint64 size, int shmflg);
void *shmat(int shmid, const void *addr, int shmflg);  /* (void *)-1 on error */
int shmdt(const void *addr);
int shmctl(int shmid, int cmd, struct shmid_ds *buf);
#endif
#if LAB_IOZONE
struct iovec;
struct timeval;
int lseek(int fd, int offset, int whence);
int pread(int fd, void *buf, int n, int offset);
int pwrite(int fd, const void *buf, int n, int offset);
int readv(int fd, const struct iovec *iov, int iovcnt);
int writev(int fd, const struct iovec *iov, int iovcnt);
int preadv(int fd, const struct iovec *iov, int iovcnt, int offset);
int pwritev(int fd, const struct iovec *iov, int iovcnt, int offset);
int fsync(int fd);
int ftruncate(int fd, int length);
int gettimeofday(struct timeval *tv, void *tz);
int select(int nfds, void *readfds, void *writefds, void *exceptfds, struct timeval *timeout);
#endif

/* ulib.c */
int stat(const char *path, struct stat *st);
char *strcpy(char *dst, const char *src);
void *memmove(void *dst, const void *src, int n);
char *strchr(const char *s, char c);
int strcmp(const char *a, const char *b);
void fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *gets(char *buf, int max);
uint strlen(const char *s);
void *memset(void *dst, int c, uint n);
int atoi(const char *s);
int memcmp(const void *a, const void *b, uint n);
void *memcpy(void *dst, const void *src, uint n);

/* umalloc.c */
void *malloc(uint n);
void free(void *p);

/* statistics.c: read the kernel's "statistics" device into buf */
int statistics(void *buf, int n);
/* statistics.c: write every data, bss and heap page once, before counting pages */
void ownpages(void);

/*
 * gradetoken.c: the grader's token for this run, from the file /gradetoken,
 * into buf (at most n-1 bytes, 0-terminated). Returns its length, or 0 when
 * there is no token (the program was run by hand).
 */
int gradetoken(char *buf, int n);

#endif
