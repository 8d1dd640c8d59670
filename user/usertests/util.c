/* Helpers shared by the usertests topic files. */
#include "user/usertests/usertests.h"

char scratch[SCRATCH];
char scratch2[SCRATCH];

/* ---- failing ---- */

static void (*cleanup_hook)(void);

/* Register what a test must undo (remove its files) if it fails. */
void on_failure(void (*cleanup)(void))
{
  cleanup_hook = cleanup;
}

void die(void)
{
  void (*cleanup)(void) = cleanup_hook;

  /* Clear first: a cleanup that fails itself must not loop back here. */
  cleanup_hook = 0;
  if (cleanup)
    cleanup();
  exit(1);
}

/* ---- processes ---- */

int fork_or_fail(char *name)
{
  int pid = fork();
  if (pid < 0)
    FAIL(name, "fork failed");
  return pid;
}

/* Wait until child pid exits and return its status; other children are reaped silently. */
int wait_for(char *name, int pid)
{
  int status = 0;
  for (;;) {
    int got = wait(&status);
    if (got == pid)
      return status;
    if (got < 0)
      FAIL(name, "wait() returned -1 while child %d was still owed", pid);
  }
}

/*
 * Waits for n children and returns how many of them did not exit 0. All
 * are waited for before anyone fails, so that no worker outlives its test.
 */
int wait_children(char *name, int n)
{
  int failed = 0, status;

  while (n-- > 0) {
    if (wait(&status) < 0)
      FAIL(name, "wait() returned -1 while %d more children were owed", n + 1);
    failed += status != 0;
  }
  return failed;
}

/* Run body in a child (which exits 0 if body returns) and demand its exit status. */
void expect_status(char *name, void (*body)(char *), int want, char *what)
{
  int pid = fork_or_fail(name);
  if (pid == 0) {
    body(name);
    exit(0);
  }
  int status = wait_for(name, pid);
  if (status != want)
    FAIL(name, "%s: child exit status %d, expected %d", what, status, want);
}

void expect_killed(char *name, void (*body)(char *), char *what)
{
  expect_status(name, body, -1, what);
}

/*
 * exec in a child. If exec wrongly succeeded, the child would become the
 * program (which exits 0), so the parent can tell the two apart.
 */
void expect_exec_fails(char *name, char *path, char **argv, char *what)
{
  int pid = fork_or_fail(name);
  if (pid == 0) {
    int r = exec(path, argv);
    exit(r == -1 ? EXEC_FAILED : 1);
  }
  int status = wait_for(name, pid);
  if (status != EXEC_FAILED)
    FAIL(name, "%s: exec did not return -1 (child exit status %d)", what, status);
}

/* exec path with standard output sent to outfile; returns the child's exit status. */
int run_redirected(char *name, char *path, char **argv, char *outfile)
{
  unlink(outfile);
  int pid = fork_or_fail(name);
  if (pid == 0) {
    close(1);
    if (open(outfile, O_CREATE | O_WRONLY) != 1)
      exit(2);
    exec(path, argv);
    exit(EXEC_FAILED);
  }
  return wait_for(name, pid);
}

static uint64 probe_addr;

static void probe_read(void)
{
  (void)*(volatile char *)probe_addr;
}

/* Can this process read the byte at addr? Asked in a child, which may die trying. */
int can_read(uint64 addr)
{
  probe_addr = addr;
  int pid = fork();
  if (pid < 0)
    return 0;
  if (pid == 0) {
    probe_read();
    exit(0);
  }
  int status = -1, got;
  while ((got = wait(&status)) != pid && got >= 0)
    ;
  return got == pid && status == 0;
}

void make_pipe(char *name, int *fds)
{
  if (pipe(fds) < 0)
    FAIL(name, "pipe() failed");
}

/* ---- memory ---- */

/*
 * Each open of the statistics device gets a fresh snapshot of its own, so
 * one read to the end, into a buffer bigger than any snapshot, gives the
 * current text.
 */
static char stats_text[4096 + 512];

/* The number on the line "KEY N" of text, or -1 if there is no such line. */
int stats_value(char *text, char *key)
{
  int len = strlen(key);
  for (char *line = text; line != 0 && *line != 0; ) {
    if (memcmp(line, key, len) == 0 && line[len] == ' ' && line[len + 1] >= '0' &&
        line[len + 1] <= '9')
      return atoi(line + len + 1);
    line = strchr(line, '\n');
    if (line != 0)
      line++;
  }
  return -1;
}

/* Free physical pages as the statistics device reports them, or -1 if unreadable. */
int freepages(void)
{
  int n = statistics(stats_text, sizeof(stats_text) - 1);
  if (n < 0)
    return -1;
  stats_text[n] = 0;
  return stats_value(stats_text, "freepages");
}

/*
 * The free-page count, waiting briefly for it to come back to expect:
 * orphans are reaped by init on its own schedule.
 */
int freepages_settled(int expect)
{
  int n = freepages();
  for (int tries = 0; n >= 0 && n != expect && tries < 20; tries++) {
    sleep(1);
    n = freepages();
  }
  return n;
}

void expect_no_leak(char *name, int before, char *what)
{
  if (before < 0)
    FAIL(name, "cannot read the free-page count from /statistics");
  int after = freepages_settled(before);
  if (after < 0)
    FAIL(name, "cannot read the free-page count from /statistics");
  if (after != before)
    FAIL(name, "%s: %d free pages before, %d after", what, before, after);
}

/*
 * Grow the heap by at least a page so that it ends exactly on a page
 * boundary, and return that end: the page below it is ours, the one above
 * is unmapped. The page below is touched, so that a kernel that allocates
 * heap pages at their first use has allocated it before the test counts.
 */
uint64 heap_end(char *name)
{
  if (sbrk(PGSIZE) == (char *)-1)
    FAIL(name, "sbrk(PGSIZE) failed");
  uint64 top = (uint64)sbrk(0);
  if (top % PGSIZE != 0 && sbrk(PGSIZE - top % PGSIZE) == (char *)-1)
    FAIL(name, "sbrk to a page boundary failed");
  top = (uint64)sbrk(0);
  *(volatile char *)(top - 1) = 0;
  return top;
}

/* The stack is one page with an inaccessible guard page right below it. */
uint64 guard_page(void)
{
  char here;
  uint64 sp = (uint64)&here;
  return PGROUNDDOWN(sp) - PGSIZE;
}

/*
 * Addresses no user buffer may use. out[0] is the first byte past the
 * (freshly page-aligned) heap, so callers can find the heap's last page.
 */
int bad_addresses(char *name, uint64 *out)
{
  uint64 end = heap_end(name);
  uint64 guard = guard_page();
  int n = 0;

  out[n++] = end;                       /* just past the heap */
  out[n++] = end + 4 * PGSIZE;          /* well past the heap */
  out[n++] = MAXUVA;                    /* the highest user address */
  out[n++] = guard;                     /* the stack guard page */
  out[n++] = guard + PGSIZE - 1;        /* its last byte, right below the stack */
  out[n++] = KERNBASE;                  /* kernel text */
  out[n++] = PHYSTOP - PGSIZE;          /* the top of physical memory */
  out[n++] = TRAPFRAME;                 /* mapped, but not for the user */
  out[n++] = TRAMPOLINE;
  out[n++] = MAXVA - 1;
  out[n++] = MAXVA;                     /* beyond Sv39 */
  out[n++] = 0xfffffffffffff000UL;      /* longer buffers wrap to 0x1000 */
  out[n++] = 0xffffffffffffffffUL;      /* wraps to 0 */
  return n;
}

/* ---- files ---- */

void write_file(char *name, char *path, char *data, int n)
{
  int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    FAIL(name, "cannot create %s", path);
  int w = write(fd, data, n);
  close(fd);
  if (w != n)
    FAIL(name, "write of %d bytes to %s returned %d", n, path, w);
}

/* Read up to max bytes of path; returns the count. */
int read_file(char *name, char *path, char *buf, int max)
{
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    FAIL(name, "cannot open %s", path);
  int total = 0, got;
  while (total < max && (got = read(fd, buf + total, max - total)) > 0)
    total += got;
  close(fd);
  return total;
}

void expect_missing(char *name, char *path)
{
  struct stat st;
  if (stat(path, &st) == 0)
    FAIL(name, "%s exists but should not", path);
}

/* dst = prefix followed by the decimal digits of i (i >= 0). */
char *numbered(char *dst, char *prefix, int i)
{
  char digits[12];
  int n = 0;

  strcpy(dst, prefix);
  do {
    digits[n++] = '0' + i % 10;
    i /= 10;
  } while (i > 0);
  char *p = dst + strlen(dst);
  while (n > 0)
    *p++ = digits[--n];
  *p = 0;
  return dst;
}

/* Byte i of a data stream identified by seed; no short period, so misplaced blocks show. */
char pattern_byte(int seed, int i)
{
  return (char)(seed * 37 + i + (i >> 8) * 11 + (i >> 16) * 101);
}

void fill_pattern(char *buf, int n, int seed, int start)
{
  for (int i = 0; i < n; i++)
    buf[i] = pattern_byte(seed, start + i);
}

/* How many of this process's descriptors are open. */
int count_open_fds(void)
{
  struct stat st;
  int n = 0;
  for (int fd = 0; fd < NOFILE; fd++)
    if (fstat(fd, &st) == 0)
      n++;
  return n;
}

/* A small linear congruential generator, so runs are repeatable. */
uint rnd(uint *state)
{
  *state = *state * 1103515245 + 12345;
  return (*state >> 16) & 0x7fff;
}
