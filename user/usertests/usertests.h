/*
 * Shared declarations for usertests: the test registry, the failure
 * reporter, and helpers that several topic files use.
 *
 * Every test runs in a child of the runner. A test passes by returning (the
 * child then exits 0); it fails by calling FAIL, which prints
 * "NAME: FAILED: why", runs the test's cleanup hook and exits 1.
 *
 * The user stack is a single page, so tests keep big buffers in the shared
 * scratch arrays (each test runs in its own process, so sharing is safe).
 */
#ifndef USERTESTS_H
#define USERTESTS_H

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"

struct usertest {
  char *name;
  void (*run)(char *name);
  int slow;            /* skipped by "usertests -q" */
};

#define SCRATCH 8192
extern char scratch[SCRATCH];
extern char scratch2[SCRATCH];

/* A child whose exec failed, as the test wanted, exits with this. */
#define EXEC_FAILED 77

/* The program the exec tests run; it prints its arguments. */
#define ECHO_PATH "/echo"

/* ---- failing ---- */
void die(void) __attribute__((noreturn));
void on_failure(void (*cleanup)(void));

#define FAIL(name, ...)                                                 \
  do {                                                                  \
    printf("%s: FAILED: ", (name));                                     \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    die();                                                              \
  } while (0)

#define CHECK(name, cond, ...)                                          \
  do {                                                                  \
    if (!(cond))                                                        \
      FAIL(name, __VA_ARGS__);                                          \
  } while (0)

/* ---- processes ---- */
int fork_or_fail(char *name);
int wait_for(char *name, int pid);
int wait_children(char *name, int n);
void expect_status(char *name, void (*body)(char *), int want, char *what);
void expect_killed(char *name, void (*body)(char *), char *what);
void expect_exec_fails(char *name, char *path, char **argv, char *what);
int run_redirected(char *name, char *path, char **argv, char *outfile);
int can_read(uint64 addr);
void make_pipe(char *name, int *fds);

/* ---- memory ---- */
int stats_value(char *text, char *key);   /* N of the line "KEY N" of /statistics text, or -1 */
int freepages(void);
int freepages_settled(int expect);
void expect_no_leak(char *name, int before, char *what);
uint64 heap_end(char *name);
uint64 guard_page(void);

#define NBAD 13
int bad_addresses(char *name, uint64 *out);

/* ---- files ---- */
void write_file(char *name, char *path, char *data, int n);
int read_file(char *name, char *path, char *buf, int max);
void expect_missing(char *name, char *path);
char *numbered(char *dst, char *prefix, int i);
char pattern_byte(int seed, int i);
void fill_pattern(char *buf, int n, int seed, int start);
int count_open_fds(void);
uint rnd(uint *state);

/* ---- the tests, by topic file ---- */

/* badptr.c */
void test_badptr_read(char *name);
void test_badptr_write(char *name);
void test_badptr_open(char *name);
void test_badptr_unlink(char *name);
void test_badptr_mkdir(char *name);
void test_badptr_chdir(char *name);
void test_badptr_link(char *name);
void test_badptr_mknod(char *name);
void test_badptr_exec(char *name);
void test_badptr_execargv(char *name);
void test_badptr_fstat(char *name);
void test_badptr_pipe(char *name);
void test_badptr_wait(char *name);

/* mem.c */
void test_sbrkbasic(char *name);
void test_sbrkzero(char *name);
void test_sbrkshrink(char *name);
void test_sbrkfreed(char *name);
void test_sbrknegative(char *name);
void test_sbrkhuge(char *name);
void test_forkmem(char *name);
void test_oom(char *name);
void test_oomfork(char *name);

/* proc.c */
void test_forkexitwait(char *name);
void test_exitstatus(char *name);
void test_waitmany(char *name);
void test_waitnochild(char *name);
void test_forkfull(char *name);
void test_orphan(char *name);
void test_getpid(char *name);
void test_forkconc(char *name);
void test_sleeptime(char *name);
void test_uptime(char *name);

/* kill.c */
void test_killsleep(char *name);
void test_killpipe(char *name);
void test_killspin(char *name);
void test_killself(char *name);
void test_killbad(char *name);

/* exec.c */
void test_execout(char *name);
void test_execmissing(char *name);
void test_execgarbage(char *name);
void test_exectrunc(char *name);
void test_execbadelf(char *name);
void test_execargs(char *name);
void test_exechugearg(char *name);
void test_execdir(char *name);

/* fault.c */
void test_stackguard(char *name);
void test_stackoverflow(char *name);
void test_textwrite(char *name);
void test_kernelread(char *name);
void test_kernelwrite(char *name);
void test_trapframe(char *name);
void test_wildaccess(char *name);
void test_jumpunmapped(char *name);
void test_illegalinstr(char *name);
void test_badsyscall(char *name);

/* fd.c */
void test_fdexhaust(char *name);
void test_nfile(char *name);
void test_badfd(char *name);
void test_dupoffset(char *name);
void test_forkoffset(char *name);
void test_fdmodes(char *name);
void test_fdlowest(char *name);

/* pipe.c */
void test_pipedata(char *name);
void test_pipeeof(char *name);
void test_pipeclosedread(char *name);
void test_pipeblockedwriter(char *name);
void test_pipeline(char *name);
void test_pipemany(char *name);
void test_pipewriters(char *name);
void test_pipe1mb(char *name);

/* file.c */
void test_smallfile(char *name);
void test_trunc(char *name);
void test_createexisting(char *name);
void test_readeof(char *name);
void test_writeoffset(char *name);
void test_unlinkopen(char *name);
void test_linkcount(char *name);
void test_fstatinfo(char *name);
void test_mknodbad(char *name);
void test_sharedfd(char *name);
void test_concwrite(char *name);

/* bigfs.c */
void test_maxfile(char *name);
void test_bigfilerepeat(char *name);
#if LAB_BIGFILE == 0
void test_fulldisk(char *name);
#endif
void test_inodes(char *name);

/* dir.c */
void test_manyfiles(char *name);
void test_concdir(char *name);
void test_unlinknonempty(char *name);
void test_unlinkdots(char *name);
void test_rootdotdot(char *name);
void test_chdirfile(char *name);
void test_fileasdir(char *name);
void test_mkdirexists(char *name);
void test_linkdir(char *name);
void test_opendirwrite(char *name);
void test_paths(char *name);
void test_deepdir(char *name);
void test_longname(char *name);
void test_emptyname(char *name);
void test_unlinkmissing(char *name);

/* rmdir.c */
void test_rmdircwd(char *name);
void test_rmdirchild(char *name);
void test_rmdirrace(char *name);

/* statsdev.c */
void test_statistics_concurrent(char *name);

/* fp.c */
void test_fp_concurrent(char *name);
void test_fp_fork(char *name);

#endif
