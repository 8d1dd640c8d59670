/*
 * Bad user pointers handed to every system call that takes one: kernel
 * addresses, unmapped pages, the guard page, the trapframe and trampoline,
 * addresses beyond MAXVA, buffers that wrap around 2^64, and buffers and
 * strings that start in valid memory but run off its end. Each call must
 * return -1; the caller must live on and the kernel must not panic.
 */
#include "user/usertests/usertests.h"

#define DATAFILE "ut_badptr_data"

/* A buffer [addr, addr + len) that is only partly (or not at all) the caller's. */
struct range {
  uint64 addr;
  int len;
};

#define NRANGES 4

/* Ranges crossing the heap's end, or wrapping around the top of the address space. */
static int crossing_ranges(uint64 end, struct range *out)
{
  out[0] = (struct range){end - 64, 128};
  out[1] = (struct range){end - 1, 2};
  out[2] = (struct range){0xfffffffffffff000UL, 0x2000};  /* would end at 0x1000 */
  out[3] = (struct range){0xffffffffffffffffUL, 2};        /* would end at 1 */
  return NRANGES;
}

#define NPATHS (NBAD + 2)

/*
 * Path strings that are not the caller's: every bad address, a string with
 * no terminator that runs off the end of the heap, and one longer than MAXPATH.
 */
static int bad_paths(char *name, char **out)
{
  uint64 addrs[NBAD];
  int n = bad_addresses(name, addrs);
  for (int i = 0; i < n; i++)
    out[i] = (char *)addrs[i];

  char *end = (char *)addrs[0];
  memset(end - 32, 'a', 32);
  out[n++] = end - 32;

  char *overlong = end - PGSIZE;
  memset(overlong, 'b', MAXPATH + 16);
  overlong[MAXPATH + 16] = 0;
  out[n++] = overlong;
  return n;
}

static void remove_datafile(void)
{
  unlink(DATAFILE);
}

void test_badptr_read(char *name)
{
  uint64 addrs[NBAD];
  struct range ranges[NRANGES];
  int n = bad_addresses(name, addrs);
  int nr = crossing_ranges(addrs[0], ranges);

  on_failure(remove_datafile);
  write_file(name, DATAFILE, scratch, SCRATCH);
  for (int i = 0; i < n; i++) {
    void *bad = (void *)addrs[i];
    int fd = open(DATAFILE, O_RDONLY);
    int r = read(fd, bad, 64);
    close(fd);
    CHECK(name, r == -1, "read of a file into %p returned %d", bad, r);

    int fds[2];
    make_pipe(name, fds);
    write(fds[1], "0123456789", 10);
    r = read(fds[0], bad, 10);
    close(fds[0]);
    close(fds[1]);
    CHECK(name, r == -1, "read of a pipe into %p returned %d", bad, r);

    fd = open("/statistics", O_RDONLY);
    CHECK(name, fd >= 0, "cannot open /statistics");
    r = read(fd, bad, 32);
    close(fd);
    CHECK(name, r == -1, "read of /statistics into %p returned %d", bad, r);
  }
  for (int i = 0; i < nr; i++) {
    int fd = open(DATAFILE, O_RDONLY);
    int r = read(fd, (void *)ranges[i].addr, ranges[i].len);
    close(fd);
    CHECK(name, r == -1, "read of %d bytes into %p returned %d",
          ranges[i].len, (void *)ranges[i].addr, r);
  }
  int fd = open(DATAFILE, O_RDONLY);
  int r = read(fd, scratch2, 100);
  close(fd);
  CHECK(name, r == 100, "a good read after the bad ones returned %d", r);
  remove_datafile();
}

void test_badptr_write(char *name)
{
  uint64 addrs[NBAD];
  struct range ranges[NRANGES];
  int n = bad_addresses(name, addrs);
  int nr = crossing_ranges(addrs[0], ranges);
  uint64 guard = guard_page();

  on_failure(remove_datafile);
  int fd = open(DATAFILE, O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(name, fd >= 0, "cannot create %s", DATAFILE);
  for (int i = 0; i < n; i++) {
    void *bad = (void *)addrs[i];
    int r = write(fd, bad, 64);
    CHECK(name, r == -1, "write to a file from %p returned %d", bad, r);

    int fds[2];
    make_pipe(name, fds);
    r = write(fds[1], bad, 64);
    close(fds[0]);
    close(fds[1]);
    CHECK(name, r == -1, "write to a pipe from %p returned %d", bad, r);

    r = write(1, bad, 16);
    CHECK(name, r == -1, "write to the console from %p returned %d", bad, r);
  }
  for (int i = 0; i < nr; i++) {
    int r = write(fd, (void *)ranges[i].addr, ranges[i].len);
    CHECK(name, r == -1, "write of %d bytes from %p returned %d",
          ranges[i].len, (void *)ranges[i].addr, r);
  }
  int r = write(fd, (void *)(addrs[0] - 64), 0x7fffffff);
  CHECK(name, r == -1, "write of 2^31-1 bytes from the heap's end returned %d", r);
  /* The page below the guard is the program's data; reading from it is harmless. */
  if (can_read(guard - 64)) {
    r = write(fd, (void *)(guard - 64), 128);
    CHECK(name, r == -1, "write of a buffer running into the guard page returned %d", r);
  }
  r = write(fd, "ok", 2);
  close(fd);
  CHECK(name, r == 2, "a good write after the bad ones returned %d", r);
  remove_datafile();
}

void test_badptr_open(char *name)
{
  char *paths[NPATHS];
  int n = bad_paths(name, paths);

  for (int i = 0; i < n; i++) {
    int fd = open(paths[i], O_RDONLY);
    CHECK(name, fd == -1, "open(%p, O_RDONLY) returned %d", paths[i], fd);
    fd = open(paths[i], O_CREATE | O_RDWR);
    CHECK(name, fd == -1, "open(%p, O_CREATE|O_RDWR) returned %d", paths[i], fd);
  }
}

void test_badptr_unlink(char *name)
{
  char *paths[NPATHS];
  int n = bad_paths(name, paths);

  for (int i = 0; i < n; i++) {
    int r = unlink(paths[i]);
    CHECK(name, r == -1, "unlink(%p) returned %d", paths[i], r);
  }
}

void test_badptr_mkdir(char *name)
{
  char *paths[NPATHS];
  int n = bad_paths(name, paths);

  for (int i = 0; i < n; i++) {
    int r = mkdir(paths[i]);
    CHECK(name, r == -1, "mkdir(%p) returned %d", paths[i], r);
  }
}

void test_badptr_chdir(char *name)
{
  char *paths[NPATHS];
  int n = bad_paths(name, paths);
  struct stat before, after;

  CHECK(name, stat(".", &before) == 0, "stat(\".\") failed");
  for (int i = 0; i < n; i++) {
    int r = chdir(paths[i]);
    CHECK(name, r == -1, "chdir(%p) returned %d", paths[i], r);
  }
  CHECK(name, stat(".", &after) == 0 && after.ino == before.ino,
        "the working directory changed");
}

static void remove_link_files(void)
{
  unlink("ut_bplink_src");
  unlink("ut_bplink_dst");
}

void test_badptr_link(char *name)
{
  char *paths[NPATHS];
  int n = bad_paths(name, paths);

  on_failure(remove_link_files);
  write_file(name, "ut_bplink_src", "x", 1);
  for (int i = 0; i < n; i++) {
    int r = link(paths[i], "ut_bplink_dst");
    CHECK(name, r == -1, "link(%p, good) returned %d", paths[i], r);
    expect_missing(name, "ut_bplink_dst");
    r = link("ut_bplink_src", paths[i]);
    CHECK(name, r == -1, "link(good, %p) returned %d", paths[i], r);
  }
  struct stat st;
  CHECK(name, stat("ut_bplink_src", &st) == 0 && st.nlink == 1,
        "the source's link count changed");
  remove_link_files();
}

void test_badptr_mknod(char *name)
{
  char *paths[NPATHS];
  int n = bad_paths(name, paths);

  for (int i = 0; i < n; i++) {
    int r = mknod(paths[i], 1, 0);
    CHECK(name, r == -1, "mknod(%p) returned %d", paths[i], r);
  }
}

static char *echo_argv[] = {"echo", "x", 0};

void test_badptr_exec(char *name)
{
  char *paths[NPATHS];
  int n = bad_paths(name, paths);

  for (int i = 0; i < n; i++)
    expect_exec_fails(name, paths[i], echo_argv, "exec of a bad path");
}

void test_badptr_execargv(char *name)
{
  uint64 addrs[NBAD];
  int n = bad_addresses(name, addrs);
  char *argv[3];

  for (int i = 0; i < n; i++) {
    expect_exec_fails(name, ECHO_PATH, (char **)addrs[i], "exec with a bad argv array");
    argv[0] = "echo";
    argv[1] = (char *)addrs[i];
    argv[2] = 0;
    expect_exec_fails(name, ECHO_PATH, argv, "exec with a bad argv[1]");
  }

  /* An argv array with no terminating 0 before the end of the heap. */
  uint64 end = addrs[0];
  char **tail = (char **)(end - 3 * sizeof(char *));
  for (int i = 0; i < 3; i++)
    tail[i] = "x";
  expect_exec_fails(name, ECHO_PATH, tail, "exec with an unterminated argv array");

  /* An argument string with no terminator before the end of the heap. */
  memset((char *)end - PGSIZE / 2, 'a', PGSIZE / 2);
  argv[1] = (char *)end - PGSIZE / 2;
  expect_exec_fails(name, ECHO_PATH, argv, "exec with an unterminated argument");
}

void test_badptr_fstat(char *name)
{
  uint64 addrs[NBAD];
  int n = bad_addresses(name, addrs);

  int fd = open("/", O_RDONLY);
  CHECK(name, fd >= 0, "cannot open /");
  for (int i = 0; i < n; i++) {
    int r = fstat(fd, (struct stat *)addrs[i]);
    CHECK(name, r == -1, "fstat into %p returned %d", (void *)addrs[i], r);
  }
  /* A struct stat whose first bytes are in the heap and the rest beyond it. */
  int r = fstat(fd, (struct stat *)(addrs[0] - 8));
  CHECK(name, r == -1, "fstat into a struct straddling the heap's end returned %d", r);
  struct stat st;
  CHECK(name, fstat(fd, &st) == 0 && st.type == T_DIR, "a good fstat failed");
  close(fd);
}

void test_badptr_pipe(char *name)
{
  uint64 addrs[NBAD];
  int n = bad_addresses(name, addrs);
  int before = freepages();

  int lowest = open("/", O_RDONLY);
  CHECK(name, lowest >= 0, "cannot open /");
  close(lowest);
  for (int i = 0; i < n; i++) {
    int r = pipe((int *)addrs[i]);
    CHECK(name, r == -1, "pipe(%p) returned %d", (void *)addrs[i], r);
  }
  /* The first descriptor would fit in the heap, the second would not. */
  int r = pipe((int *)(addrs[0] - sizeof(int)));
  CHECK(name, r == -1, "pipe() into an array straddling the heap's end returned %d", r);

  int fd = open("/", O_RDONLY);
  close(fd);
  CHECK(name, fd == lowest, "failed pipe() calls leaked descriptors (next fd %d, not %d)",
        fd, lowest);
  expect_no_leak(name, before, "failed pipe() calls");
}

/* wait(bad) with one exited child; the child is reaped later either way. */
static void wait_into(char *name, uint64 addr)
{
  int pid = fork_or_fail(name);
  if (pid == 0)
    exit(0);
  int r = wait((int *)addr);
  CHECK(name, r == -1, "wait(%p) returned %d", (void *)addr, r);
  /* The kernel may keep the zombie for a later wait or have freed it: both are fine. */
  r = wait(0);
  CHECK(name, r == pid || r == -1, "wait(0) after wait(bad) returned %d", r);
}

void test_badptr_wait(char *name)
{
  uint64 addrs[NBAD];
  int n = bad_addresses(name, addrs);

  for (int i = 0; i < n; i++)
    wait_into(name, addrs[i]);
  wait_into(name, addrs[0] - 2);
  CHECK(name, wait(0) == -1, "a child was left over");
}
