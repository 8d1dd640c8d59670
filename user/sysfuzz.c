/*
 * sysfuzz [-s] [-q] [-d NAME] [-t SECS] [ITERATIONS] [SEED]: throw random
 * system calls with hostile arguments at the kernel, then prove the mess is
 * gone.
 *
 * A child process works in a scratch directory and issues ITERATIONS calls
 * (default 1000) chosen by a pseudo-random generator seeded with SEED
 * (default 42), so a run that finds a bug can be repeated exactly.
 * Arguments mix sensible values with bad ones: kernel and unmapped
 * addresses, buffers that run off the end of the heap, unterminated
 * strings, names of DIRSIZ bytes and more made of arbitrary bytes, closed
 * and out-of-range descriptors, huge and negative lengths, invalid device
 * numbers and system call numbers. The kernel must answer each with a
 * result or a clean -1; the child may even be killed, but the kernel must
 * not panic or hang.
 *
 * Options (before the numbers, which keep their old places):
 *   -d NAME  the scratch directory, in the current directory. By default
 *            each run has a private one, sysfuzz.PID.
 *   -s       share the scratch directory (default name sysfuzz.all, at
 *            most DIRSIZ-3 bytes) with other runs given -s and the same
 *            name: they make, remove and enter each other's directories,
 *            on purpose, while they run, and each one entering sweeps
 *            away what the others built. NAME.n counts the runs inside,
 *            under the lock NAME.lk (a directory, since mkdir either makes
 *            it or fails); the first one in makes the scratch directory
 *            and the last one out removes it.
 *   -t SECS  run rounds until SECS seconds have passed: each round makes
 *            the scratch directory (or joins it), fuzzes ITERATIONS calls
 *            with the next seed (SEED, SEED+1, ...) and cleans up. A
 *            failing round names its seed, which replays it alone.
 *   -q       quiet kernel: draw but do not make the calls that make the
 *            kernel print (unknown system call numbers). The kernel's
 *            lines can land in the middle of a user's line, so runs whose
 *            last lines a program reads from the console use -q.
 *
 * Clean-up removes the whole tree, however deep and whatever bytes its
 * names hold: it walks down with chdir() and relative names only (no path
 * can be too long) and climbs back with "..", checking that ".." leads to
 * the directory that held the one it left. It runs in a process of its own
 * so that a failure cannot strand this one in the tree. The last line says
 * what was checked:
 *
 *   sysfuzz ok: N calls, seed S, scratch NAME removed, M inodes cleaned
 *   sysfuzz ok: N calls, seed S, scratch NAME left to K other runs
 *   sysfuzz ok: N calls in R rounds, seeds S-T, scratch NAME removed, ...
 *   sysfuzz FAIL: seed S, scratch NAME: what went wrong
 *   sysfuzz FAIL: seed S (round R, first seed F), scratch NAME: ...
 *
 * and the exit status is 0 only after "ok". Nothing is called ok unless the
 * fuzzing child ran to its end (or was killed, which is noted) and the
 * scratch directory is really gone (or, shared, still in use by others).
 *
 * Some calls are held back because they would hurt the test itself rather
 * than the kernel: the child never kills a process it does not own, never
 * execs a real program, never reads the console (that would wait for
 * input), never keeps the write end of a pipe (a read of its own pipe
 * would then block forever), never lets the kernel write into its own
 * code, data or stack, and never names a path outside the scratch
 * directory (no name it uses is "..", and it climbs out of no more levels
 * than it went down).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/syscall.h"
#include "user/user.h"

#define ARENA        (2 * PGSIZE)    /* heap the kernel may scribble on */
#define MAX_GROWTH   (16 * PGSIZE)   /* how far sbrk may grow the heap beyond it */
#define MAX_CHILDREN 3               /* grandchildren alive at once */
#define MAX_DEPTH    6               /* directory levels below the scratch directory */
#define ODD_NAMES    4               /* names of random bytes the child uses */

/* ---- pseudo-random numbers (xorshift64*) ---- */

static uint64 rng_state;

static uint64
random64(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DUL;
}

/* A number in [0, n). */
static int
pick(int n)
{
  return random64() % n;
}

#define PICK(array) (array[pick(sizeof(array) / sizeof(array[0]))])

/* ---- the child's state ---- */

static char *arena_end;   /* the heap below this was set up by the child */
static int depth;         /* directory levels below the scratch directory */
static int children;      /* grandchildren not yet waited for */
static char long_path[MAXPATH + 64];
static int quiet_kernel;  /* -q: no call that makes the kernel print */
static char text_buffer[64] = "sysfuzz was here\n";

/* ---- argument makers ---- */

static uint64
heap_end(void)
{
  return (uint64)sbrk(0);
}

/*
 * The end of the heap, with the rest of its last page (mapped, and holding
 * whatever an earlier, larger heap left there) filled with 'x'. A string
 * the kernel reads from here then runs into the unmapped page after it and
 * fails. Without this, leftover bytes can end it early and make it a real
 * name: a chdir() through such a pointer, which the child does not count,
 * once led it up out of the scratch directory into "/".
 */
static uint64
sealed_heap_end(void)
{
  char *end = (char *)heap_end();

  memset(end, 'x', PGROUNDUP((uint64)end) - (uint64)end);
  return (uint64)end;
}

/* Addresses outside the program: kernel, not user-accessible, or unmapped. */
static uint64
bad_address(void)
{
  static const uint64 fixed[] = {
    0xffffffffffffffffUL, KERNBASE, KERNBASE + 0x1234, TRAPFRAME, TRAMPOLINE,
    MAXVA, MAXVA - 1, 0x8000000000000000UL, PLIC,
  };

  switch (pick(3)) {
  case 0:
    return sealed_heap_end();   /* past the heap, maybe in its last, mapped page */
  case 1:
    return heap_end() + PGSIZE * (1 + pick(16));
  default:
    return PICK(fixed);
  }
}

/*
 * A pointer into the child's heap arena, usually close to its end, so that
 * anything longer than a few bytes runs into unmapped memory. The kernel
 * may write here freely.
 */
static uint64
heap_tail(void)
{
  static const int back[] = { 1, 4, 7, 8, 16, 64, 100, PGSIZE, PGSIZE + 3, ARENA };

  return heap_end() - PICK(back);
}

/* Somewhere the kernel may write: the arena, or a bad address. */
static uint64
writable_address(void)
{
  return pick(2) ? heap_tail() : bad_address();
}

/* Somewhere the kernel may read: also the text and data of the program. */
static uint64
readable_address(void)
{
  switch (pick(4)) {
  case 0:
    return (uint64)text_buffer;
  case 1:
    return 0;   /* the program's own code: mapped, so reading it is fine */
  case 2:
    return heap_tail();
  default:
    return bad_address();
  }
}

/* A string that runs into the unmapped page past the heap, unterminated. */
static uint64
unterminated_string(void)
{
  int len = 1 + pick(300);
  char *end = (char *)sealed_heap_end();

  memset(end - len, 'x', len);
  return (uint64)(end - len);
}

static const char *names[] = {
  "f0", "f1", "d0", "d0/f2", "d0/d1", "d0/d1/f3", "f0/f4", ".", "",
  "no/such/dir", "a-name-longer-than-dirsiz",
};

/*
 * Names of 1 to DIRSIZ+1 random bytes (a name longer than DIRSIZ is cut
 * by the kernel), none of them '/' and none "." or "..", and paths two
 * levels deep made of them. Made from the seed, so a run repeats.
 */
static char odd_names[ODD_NAMES][DIRSIZ + 2];
static char odd_paths[ODD_NAMES][2 * (DIRSIZ + 2)];

static void
make_odd_name(char *name)
{
  int len = 1 + pick(DIRSIZ + 1), i;

  for (i = 0; i < len; i++) {
    do
      name[i] = 1 + pick(255);
    while (name[i] == '/');
  }
  name[len] = 0;
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    name[0] = 'o';
}

static void
make_odd_names(void)
{
  int i;

  for (i = 0; i < ODD_NAMES; i++)
    make_odd_name(odd_names[i]);
  for (i = 0; i < ODD_NAMES; i++) {
    strcpy(odd_paths[i], i % 2 ? odd_names[(i + 1) % ODD_NAMES] : "d0");
    strcpy(odd_paths[i] + strlen(odd_paths[i]), "/");
    strcpy(odd_paths[i] + strlen(odd_paths[i]), odd_names[i]);
  }
}

/*
 * A path argument: a name inside the scratch directory (relative, with no
 * "..", so nothing outside it can be touched), a path too long for the
 * kernel, or a bad string pointer. Never address 0, whose bytes could
 * spell a name starting with '/'.
 */
static uint64
path_argument(void)
{
  switch (pick(10)) {
  case 0:
    return (uint64)long_path;
  case 1:
    return unterminated_string();
  case 2:
    return bad_address();
  case 3:
    return (uint64)odd_names[pick(ODD_NAMES)];
  case 4:
    return (uint64)odd_paths[pick(ODD_NAMES)];
  default:
    return (uint64)PICK(names);
  }
}

static int
length_argument(void)
{
  static const int lengths[] = {
    0, 1, 2, 13, 64, 512, PGSIZE - 1, PGSIZE, PGSIZE + 1, 1 << 20, 0x7fffffff, -1, -PGSIZE,
  };

  return PICK(lengths);
}

/*
 * A descriptor number that is never 0, 1 or 2 (the console: reading it
 * would wait for a key) but may be closed, out of range or negative.
 */
static int
fd_argument(void)
{
  static const int bad[] = { -1, -100, NOFILE, NOFILE + 1, 100, 0x7fffffff, -0x7fffffff };

  switch (pick(4)) {
  case 0:
    return PICK(bad);
  case 1:
    return 3 + pick(NOFILE - 3);
  default:
    return 3 + pick(4);   /* the lowest free descriptors, so most often open */
  }
}

static int
flags_argument(void)
{
  static const int usual[] = {
    O_RDONLY, O_WRONLY, O_RDWR, O_CREATE | O_RDWR, O_CREATE | O_WRONLY | O_TRUNC,
  };
  static const int odd[] = { O_TRUNC, O_RDWR | O_TRUNC, O_WRONLY | O_RDWR, 0x7fffffff, -1 };

  return pick(4) ? PICK(usual) : PICK(odd);
}

/* ---- raw system calls ---- */

/*
 * Issues system call num with three arguments. The generated stubs are
 * typed; this way any number and any 64-bit value can be passed.
 */
static long
syscall3(long num, uint64 a, uint64 b, uint64 c)
{
  register long a0 asm("a0") = a;
  register long a1 asm("a1") = b;
  register long a2 asm("a2") = c;
  register long a7 asm("a7") = num;

  asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

#define CALL(name, a, b, c) syscall3(SYS_##name, (uint64)(a), (uint64)(b), (uint64)(c))

/* ---- the operations ---- */

static void
fuzz_read(void)
{
  CALL(read, fd_argument(), writable_address(), length_argument());
}

/*
 * Any length only from a bad address or from memory that ends within a
 * page or two, so that even a huge length copies little: files must not
 * grow enough to fill the disk. Other sources get short lengths.
 */
static void
fuzz_write(void)
{
  uint64 src = pick(2) ? heap_tail() : bad_address();

  if (pick(2))
    CALL(write, fd_argument(), readable_address(), pick(64));
  else
    CALL(write, fd_argument(), src, length_argument());
}

static void
fuzz_open(void)
{
  CALL(open, path_argument(), flags_argument(), 0);
}

static void
fuzz_close(void)
{
  CALL(close, fd_argument(), 0, 0);
}

static void
fuzz_dup(void)
{
  CALL(dup, fd_argument(), 0, 0);
}

static void
fuzz_fstat(void)
{
  CALL(fstat, fd_argument(), writable_address(), 0);
}

/*
 * pipe() into the arena or a bad address. A pipe that was made gets a few
 * bytes and loses its write end at once: the read end then never blocks.
 * The kernel may accept an address just past the heap if the page is
 * mapped, so the descriptors are read back from anywhere up to the end of
 * that page; if they cannot be, every descriptor is closed instead.
 */
static void
fuzz_pipe(void)
{
  uint64 where = writable_address();
  uint64 arena_start = (uint64)arena_end - ARENA;
  int *fds = (int *)where;
  int fd;

  if (CALL(pipe, where, 0, 0) != 0)
    return;
  if (where < arena_start || where + 2 * sizeof(int) > PGROUNDUP(heap_end())) {
    for (fd = 3; fd < NOFILE; fd++)
      close(fd);
    return;
  }
  if (pick(2))
    write(fds[1], text_buffer, pick(sizeof(text_buffer)));
  close(fds[1]);
  if (pick(2))
    close(fds[0]);
}

static void
fuzz_mkdir(void)
{
  CALL(mkdir, path_argument(), 0, 0);
}

static void
fuzz_unlink(void)
{
  CALL(unlink, path_argument(), 0, 0);
}

static void
fuzz_link(void)
{
  CALL(link, path_argument(), path_argument(), 0);
}

/* Device numbers, leaving out the console: opening it would make reads block. */
static void
fuzz_mknod(void)
{
  static const int majors[] = { 0, 2, NDEV, NDEV + 1, -1, 0x7fff, -0x8000 };

  CALL(mknod, path_argument(), PICK(majors), pick(3));
}

/*
 * chdir() to a place that keeps the child inside the scratch directory,
 * counting the levels so that fuzz_climb can return to it.
 */
static void
fuzz_chdir(void)
{
  static const struct { const char *path; int levels; } dirs[] = {
    { "d0", 1 }, { "d0/d1", 2 }, { ".", 0 }, { "f0", 1 }, { "no/such", 2 },
  };
  const char *path;
  int i = pick(sizeof(dirs) / sizeof(dirs[0])), levels;

  switch (pick(6)) {
  case 0:
    CALL(chdir, pick(2) ? bad_address() : unterminated_string(), 0, 0);
    return;
  case 1:
    path = odd_names[pick(ODD_NAMES)];
    levels = 1;
    break;
  case 2:
    path = odd_paths[pick(ODD_NAMES)];
    levels = 2;
    break;
  default:
    path = dirs[i].path;
    levels = dirs[i].levels;
  }
  if (depth + levels > MAX_DEPTH)
    return;
  if (chdir(path) == 0)
    depth += levels;
}

static void
fuzz_climb(void)
{
  while (depth > 0 && chdir("..") == 0)
    depth--;
}

/*
 * exec() with a path inside the scratch directory (no real programs live
 * there, so exec must fail) or a bad one, and argv arrays that are fine,
 * hold a bad pointer, are unterminated, or are bad themselves.
 */
static void
fuzz_exec(void)
{
  char *good_argv[] = { "fuzz", "arg", 0 };
  char *bad_element[] = { "fuzz", (char *)bad_address(), 0 };
  char **unterminated;
  uint64 argv;
  int i, slots;

  switch (pick(4)) {
  case 0:
    argv = (uint64)good_argv;
    break;
  case 1:
    argv = (uint64)bad_element;
    break;
  case 2:
    slots = 1 + pick(MAXARG + 8);
    unterminated = (char **)(heap_end() - slots * sizeof(char *));
    for (i = 0; i < slots; i++)
      unterminated[i] = text_buffer;
    argv = (uint64)unterminated;
    break;
  default:
    argv = bad_address();
  }
  CALL(exec, path_argument(), argv, 0);
}

/* Grows the heap a little, shrinks it back, or asks for far too much. */
static void
fuzz_sbrk(void)
{
  static const int huge[] = { 0x7fffffff, 0x40000000, -0x7fffffff - 1 };
  long grown = heap_end() - (uint64)arena_end;
  int amount;

  switch (pick(4)) {
  case 0:
    CALL(sbrk, 0, 0, 0);
    break;
  case 1:
    if (grown < MAX_GROWTH)
      CALL(sbrk, 1 + pick(2 * PGSIZE), 0, 0);
    break;
  case 2:
    CALL(sbrk, -pick(grown + 1), 0, 0);
    break;
  default:
    amount = PICK(huge);
    /* A lazy kernel grants the growths: give them back at once, so that
       the heap stays small for the forks and exits that follow. */
    if (CALL(sbrk, amount, 0, 0) != -1 && amount > 0)
      sbrk(-amount);
  }
}

/* A grandchild that exits at once, for wait() and kill() to find. */
static void
fuzz_fork(void)
{
  int pid;

  if (children >= MAX_CHILDREN)
    return;
  pid = fork();
  if (pid == 0)
    exit(pick(256));
  if (pid > 0)
    children++;
}

static void
fuzz_wait(void)
{
  if (CALL(wait, writable_address(), 0, 0) > 0)
    children--;
}

/* Only pids that cannot belong to anyone else. */
static void
fuzz_kill(void)
{
  static const int pids[] = { 0, -1, -100, 0x7fffffff, -0x7fffffff };

  CALL(kill, PICK(pids), 0, 0);
}

static void
fuzz_misc(void)
{
  static const int ticks[] = { 0, 1, -1, -0x7fffffff };

  switch (pick(3)) {
  case 0:
    CALL(sleep, PICK(ticks), 0, 0);
    break;
  case 1:
    CALL(uptime, 0, 0, 0);
    break;
  default:
    CALL(getpid, 0, 0, 0);
  }
}

/*
 * Numbers no kernel of any lab uses; each costs a console message, so rare.
 * With -q the numbers are drawn but not called: the same seed then makes
 * the same other calls.
 */
static void
fuzz_bad_syscall(void)
{
  static const long numbers[] = { 0, 99, 1000, -1, 0x7fffffff, 0x100000000L };
  long num;
  uint64 a, b, c;

  if (pick(16) != 0)
    return;
  num = PICK(numbers);
  a = random64();
  b = random64();
  c = random64();
  if (!quiet_kernel)
    syscall3(num, a, b, c);
}

static void (*const operations[])(void) = {
  fuzz_read, fuzz_read, fuzz_write, fuzz_write, fuzz_open, fuzz_open, fuzz_open,
  fuzz_close, fuzz_close, fuzz_dup, fuzz_fstat, fuzz_pipe, fuzz_mkdir, fuzz_unlink,
  fuzz_link, fuzz_mknod, fuzz_chdir, fuzz_climb, fuzz_exec, fuzz_sbrk, fuzz_fork,
  fuzz_wait, fuzz_kill, fuzz_misc, fuzz_bad_syscall,
};

/* ---- the run: what it was asked to do, and what went wrong ---- */

#define SHARED_NAME     "sysfuzz.all"
#define LOCK_SUFFIX     ".lk"
#define USERS_SUFFIX    ".n"
#define PATIENCE        12000   /* ticks (two minutes) to wait for the lock or an inode */
#define SETUP_FAILED    2       /* the fuzzing child's status when it cannot start */
#define CLEANUP_FAILED  (-2)    /* the cleaner's status when it gives up */
#define DEEPEST_TREE    1000    /* the cleaner suspects a loop below this */
#define TICKS_PER_SECOND 100    /* the kernel's timer interrupts */

static struct {
  int iterations;
  uint64 seed;        /* this round's */
  uint64 first_seed;  /* the first round's, SEED */
  int round;          /* from 1 */
  int seconds;        /* -t: rounds go on this long; 0: one round */
  int shared;
  char scratch[DIRSIZ + 1];
  char lock[DIRSIZ + 1];   /* shared runs: the lock directory */
  char users[DIRSIZ + 1];  /* shared runs: the file counting them */
} run;

static char problem[200];   /* the first thing that went wrong, or "" */
static int holding_lock;

/* Keeps the first problem, cut to fit; never leaves problem empty. */
static void
note_problem(const char *what, const char *detail)
{
  int len = 0;

  if (problem[0] != 0)
    return;
  if (what[0] == 0)
    what = "a failure that gave no reason";
  for (; *what && len < sizeof(problem) - 1; len++)
    problem[len] = *what++;
  for (; *detail && len < sizeof(problem) - 1; len++)
    problem[len] = *detail++;
  problem[len] = 0;
}

/* Ends the run with a failure that leaves nothing sensible to go on with. */
static void
fail(const char *what, const char *detail)
{
  note_problem(what, detail);
  if (holding_lock)
    unlink(run.lock);
  if (run.seconds > 0)
    printf("sysfuzz FAIL: seed %lu (round %d, first seed %lu), scratch %s: %s\n", run.seed,
           run.round, run.first_seed, run.scratch, problem);
  else
    printf("sysfuzz FAIL: seed %lu, scratch %s: %s\n", run.seed, run.scratch, problem);
  exit(1);
}

/* Writes name into shown (4 * DIRSIZ + 3 bytes) quoted, odd bytes as \xNN. */
static void
show_name(char *shown, const char *name)
{
  static const char hex[] = "0123456789abcdef";
  int i;

  *shown++ = '\'';
  for (i = 0; name[i] && i < DIRSIZ; i++) {
    uchar c = name[i];
    if (c >= ' ' && c < 0x7f && c != '\'' && c != '\\') {
      *shown++ = c;
    } else {
      *shown++ = '\\';
      *shown++ = 'x';
      *shown++ = hex[c >> 4];
      *shown++ = hex[c & 15];
    }
  }
  *shown++ = '\'';
  *shown = 0;
}

static int
exists(const char *name)
{
  struct stat st;

  return stat(name, &st) >= 0;
}

/* ---- fuzzing ---- */

static void
fill_long_path(void)
{
  int i;

  for (i = 0; i < sizeof(long_path) - 1; i++)
    long_path[i] = (i % 8 == 7) ? '/' : 'p';
  long_path[sizeof(long_path) - 1] = 0;
}

static void
fuzz(void)
{
  int i;

  if (chdir(run.scratch) < 0)
    exit(SETUP_FAILED);
  rng_state = run.seed ? run.seed : 1;   /* xorshift must not start at 0 */
  fill_long_path();
  make_odd_names();
  if (sbrk(ARENA) == (char *)-1)
    exit(SETUP_FAILED);
  arena_end = sbrk(0);
  for (i = 0; i < run.iterations; i++)
    PICK(operations)();
  while (wait(0) >= 0)
    ;
  exit(0);
}

/* Fuzzes in a child; returns 1 if the kernel killed it, 0 if it ran to its end. */
static int
fuzz_in_child(void)
{
  int pid = fork(), status;

  if (pid < 0)
    fail("cannot fork the fuzzing child", "");
  if (pid == 0)
    fuzz();
  if (wait(&status) != pid)
    fail("cannot wait for the fuzzing child", "");
  if (status == SETUP_FAILED)
    note_problem("the fuzzing child could not enter the scratch directory or grow its heap",
                 "");
  else if (status != 0 && status != -1)
    note_problem("the fuzzing child ended with an unexpected status", "");
  return status == -1;
}

/* ---- cleaning up, in a process of its own ---- */

static int cleaned;     /* inodes freed so far */
static int levels;      /* directories below the one the cleaner started in */
static int reason_fd;   /* where the cleaner explains why it gave up */

static void
give_up(const char *what, const char *name)
{
  char shown[4 * DIRSIZ + 3];

  show_name(shown, name);
  fprintf(reason_fd, "clean-up failed: %s %s, %d levels below %s", what, shown, levels,
          run.scratch);
  exit(CLEANUP_FAILED);
}

static int
is_dot_or_dotdot(const char *name)
{
  return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* The name in de as a string: a name of DIRSIZ bytes has no 0 after it. */
static void
entry_name(char *name, const struct dirent *de)
{
  memmove(name, de->name, DIRSIZ);
  name[DIRSIZ] = 0;
}

/* Unlinks name from the current directory; nlink is its count before. */
static void
remove_name(const char *name, int nlink)
{
  if (unlink(name) < 0)
    give_up("cannot remove", name);
  if (nlink <= 1)
    cleaned++;
}

/*
 * Removes every entry of the current directory that is not a directory.
 * Returns 1 with the name of a subdirectory in sub if there is one, 0 when
 * nothing but "." and ".." is left.
 */
static int
empty_files_find_subdirectory(char *sub)
{
  char name[DIRSIZ + 1];
  struct dirent de;
  struct stat st;
  int fd = open(".", O_RDONLY), child, found = 0;

  if (fd < 0)
    give_up("cannot read the directory", ".");
  while (!found && read(fd, &de, sizeof(de)) == sizeof(de)) {
    entry_name(name, &de);
    if (de.inum == 0 || is_dot_or_dotdot(name))
      continue;
    if (name[0] == 0)
      give_up("found an entry with an empty name", name);
    /* A device of no known major cannot be opened: unlink it blind. */
    st.type = T_DEVICE;
    st.nlink = 1;
    if ((child = open(name, O_RDONLY)) >= 0) {
      fstat(child, &st);
      close(child);
    }
    if (st.type == T_DIR) {
      strcpy(sub, name);
      found = 1;
    } else {
      remove_name(name, st.nlink);
    }
  }
  close(fd);
  return found;
}

/* The name under which the current directory holds inode ino; 0 if none. */
static int
find_entry(uint ino, char *name)
{
  struct dirent de;
  int fd = open(".", O_RDONLY), found = 0;

  if (fd < 0)
    give_up("cannot read the directory", ".");
  while (!found && read(fd, &de, sizeof(de)) == sizeof(de)) {
    entry_name(name, &de);
    found = de.inum == ino && !is_dot_or_dotdot(name);
  }
  close(fd);
  return found;
}

/*
 * Leaves the current directory, now empty, by "..", and removes it there.
 * No name is remembered on the way down: the directory is found again by
 * its inode number, which also proves that ".." led to its parent.
 */
static void
climb_and_remove(void)
{
  char name[DIRSIZ + 1];
  struct stat here;
  int fd = open(".", O_RDONLY);

  if (fd < 0 || fstat(fd, &here) < 0)
    give_up("cannot look at the emptied directory", ".");
  close(fd);
  if (chdir("..") < 0)
    give_up("cannot climb out of the emptied directory", "..");
  levels--;
  if (!find_entry(here.ino, name))
    give_up("\"..\" of an emptied directory leads to one that does not hold it:", "..");
  remove_name(name, 1);
}

/* The cleaner: removes the tree top (in the current directory), depth first. */
static void
clean(const char *top)
{
  char sub[DIRSIZ + 1];
  struct stat st;

  if (stat(top, &st) < 0) {
    /* Gone already, or a device of no known major, which cannot be opened
       to be looked at: unlink it blind. */
    if (unlink(top) == 0)
      cleaned++;
    exit(cleaned);
  }
  if (st.type != T_DIR) {
    remove_name(top, st.nlink);
    exit(cleaned);
  }
  if (chdir(top) < 0)
    give_up("cannot enter", top);
  levels = 1;
  while (levels > 0) {
    if (!empty_files_find_subdirectory(sub)) {
      climb_and_remove();
    } else if (levels >= DEEPEST_TREE) {
      give_up("the tree is too deep (a loop?) at", sub);
    } else if (chdir(sub) == 0) {
      levels++;
    } else {
      give_up("cannot enter", sub);
    }
  }
  exit(cleaned);
}

/*
 * Removes the tree top in a child, so that this process keeps its working
 * directory whatever happens below. Returns the inodes it freed; a failure
 * becomes the run's problem.
 */
static int
clean_in_child(const char *top)
{
  char reason[sizeof(problem)];
  int fds[2], pid, status, n, got = 0;

  if (pipe(fds) < 0)
    fail("cannot make a pipe for the cleaner", "");
  pid = fork();
  if (pid < 0)
    fail("cannot fork the cleaner", "");
  if (pid == 0) {
    close(fds[0]);
    reason_fd = fds[1];
    holding_lock = 0;
    clean(top);
  }
  close(fds[1]);
  while (got < sizeof(reason) - 1 &&
         (n = read(fds[0], reason + got, sizeof(reason) - 1 - got)) > 0)
    got += n;
  reason[got] = 0;
  close(fds[0]);
  if (wait(&status) != pid)
    fail("cannot wait for the cleaner", "");
  if (status == CLEANUP_FAILED)
    note_problem(reason, "");
  else if (status < 0)
    note_problem("the cleaner was killed", "");
  return status < 0 ? 0 : status;
}

/*
 * Shared runs sweep each other's work away: every round of a shared run
 * begins by removing whatever is in the shared directory, even while other
 * runs work inside it. That is the hostile clean-up the kernel must survive,
 * and it keeps the shared tree from growing for as long as some run is
 * inside (the last one out, who removes it all, may never come). The others
 * create and remove names as the sweep goes, so its failures are expected
 * and are not this run's problem; the sweeper says nothing.
 */
static void
sweep_shared(void)
{
  char name[DIRSIZ + 1];
  struct dirent de;
  int fd, pid;

  pid = fork();
  if (pid < 0)
    fail("cannot fork the sweeper", "");
  if (pid > 0) {
    wait(0);
    return;
  }
  reason_fd = -1;
  if (chdir(run.scratch) < 0 || (fd = open(".", O_RDONLY)) < 0)
    exit(0);
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    entry_name(name, &de);
    if (de.inum == 0 || is_dot_or_dotdot(name))
      continue;
    if ((pid = fork()) == 0)
      clean(name);
    if (pid > 0)
      wait(0);
  }
  exit(0);
}

/* ---- the scratch directory, private or shared ---- */

/*
 * attempt(name), tried again while it fails: the name may be a lock that
 * another run holds, or every inode may be in the other runs' trees for a
 * while. Its result once it succeeds, -1 when PATIENCE runs out.
 */
static int
patiently(int (*attempt)(const char *), const char *name)
{
  int start = uptime(), result;

  while ((result = attempt(name)) < 0) {
    if (uptime() - start > PATIENCE)
      return -1;
    sleep(1);
  }
  return result;
}

static int
create_for_writing(const char *name)
{
  return open(name, O_CREATE | O_WRONLY | O_TRUNC);
}

static void
lock_registry(void)
{
  if (patiently(mkdir, run.lock) < 0) {
    if (exists(run.lock))
      fail("the lock is held for too long (left by an interrupted run? remove it): ",
           run.lock);
    fail("cannot make the lock (no free inode?): ", run.lock);
  }
  holding_lock = 1;
}

static void
unlock_registry(void)
{
  holding_lock = 0;
  if (unlink(run.lock) < 0)
    fail("cannot release the lock ", run.lock);
}

/* How many shared runs are inside the scratch directory (0 without the file). */
static int
read_users(void)
{
  char text[16];
  int fd = open(run.users, O_RDONLY), n;

  if (fd < 0)
    return 0;
  n = read(fd, text, sizeof(text) - 1);
  close(fd);
  text[n > 0 ? n : 0] = 0;
  return atoi(text);
}

static void
write_users(int count)
{
  int fd;

  if (count == 0) {
    if (unlink(run.users) < 0)
      fail("cannot remove ", run.users);
    return;
  }
  fd = patiently(create_for_writing, run.users);
  if (fd < 0)
    fail("cannot write (no free inode?) ", run.users);
  fprintf(fd, "%d\n", count);
  close(fd);
}

/* Makes the scratch directory, or joins the shared one. */
static void
enter_scratch(void)
{
  int users = 0, leftover;

  if (run.shared) {
    lock_registry();
    users = read_users();
  }
  if (users == 0) {
    if (exists(run.scratch)) {
      leftover = clean_in_child(run.scratch);
      printf("sysfuzz: removed %s, left by an earlier run (%d inodes)\n", run.scratch,
             leftover);
    }
    if (problem[0] || patiently(mkdir, run.scratch) < 0)
      fail("cannot create the scratch directory (no free inode?)", "");
  } else if (!exists(run.scratch)) {
    fail("the shared scratch directory is missing, yet runs are counted in ", run.users);
  }
  if (run.shared) {
    write_users(users + 1);
    unlock_registry();
    sweep_shared();
  }
}

/*
 * Leaves the scratch directory; the last run out removes it and counts the
 * inodes freed into *freed. Returns how many shared runs are still inside.
 */
static int
leave_scratch(int *freed)
{
  int others = 0;

  *freed = 0;
  if (run.shared) {
    lock_registry();
    others = read_users() - 1;
    if (others < 0)
      fail("the count of runs inside is missing or wrong in ", run.users);
  }
  if (others == 0) {
    *freed = clean_in_child(run.scratch);
    if (exists(run.scratch))
      note_problem("the scratch directory is still there after clean-up", "");
  }
  if (run.shared) {
    write_users(others);
    unlock_registry();
  }
  return others;
}

/* ---- main ---- */

static void
usage(void)
{
  fprintf(2, "usage: sysfuzz [-s] [-q] [-d NAME] [-t SECONDS] [ITERATIONS] [SEED]\n");
  exit(1);
}

/* A decimal number of at most 19 digits and nothing else; -1 if it is not. */
static int
parse_decimal(const char *text, uint64 *value)
{
  int i;

  *value = 0;
  for (i = 0; text[i]; i++) {
    if (text[i] < '0' || text[i] > '9' || i >= 19)
      return -1;
    *value = *value * 10 + (text[i] - '0');
  }
  return i > 0 ? 0 : -1;
}

static void
append_decimal(char *text, int value)
{
  char digits[12];
  int n = 0;

  do {
    digits[n++] = '0' + value % 10;
    value /= 10;
  } while (value > 0);
  text += strlen(text);
  while (n > 0)
    *text++ = digits[--n];
  *text = 0;
}

static void
name_scratch(const char *name)
{
  int longest = run.shared ? DIRSIZ - strlen(LOCK_SUFFIX) : DIRSIZ;

  if (name == 0) {
    strcpy(run.scratch, run.shared ? SHARED_NAME : "sysfuzz.");
    if (!run.shared)
      append_decimal(run.scratch, getpid() % 1000000);
  } else if (name[0] == 0 || strlen(name) > longest || strchr(name, '/') ||
             is_dot_or_dotdot(name)) {
    fprintf(2, "sysfuzz: the scratch name must be 1 to %d bytes, without '/'\n", longest);
    usage();
  } else {
    strcpy(run.scratch, name);
  }
  strcpy(run.lock, run.scratch);
  strcpy(run.lock + strlen(run.lock), LOCK_SUFFIX);
  strcpy(run.users, run.scratch);
  strcpy(run.users + strlen(run.users), USERS_SUFFIX);
}

static void
parse_arguments(int argc, char *argv[])
{
  const char *name = 0;
  uint64 iterations = 1000, seconds;
  int i = 1;

  run.seed = 42;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "-s") == 0)
      run.shared = 1;
    else if (strcmp(argv[i], "-q") == 0)
      quiet_kernel = 1;
    else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
      name = argv[++i];
    else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc &&
             parse_decimal(argv[++i], &seconds) == 0 && seconds < 1000000)
      run.seconds = seconds;
    else
      usage();
  }
  if (argc - i > 2 ||
      (i < argc && (parse_decimal(argv[i], &iterations) < 0 || iterations > 0x7fffffff)) ||
      (i + 1 < argc && parse_decimal(argv[i + 1], &run.seed) < 0))
    usage();
  run.iterations = iterations;
  name_scratch(name);
}

/* What the rounds did, for the last line: "N calls" or "N calls in R rounds, seeds". */
static void
say_ok(int others, int freed, int killed)
{
  char where[64];

  if (others > 0) {
    strcpy(where, "left to ");
    append_decimal(where, others);
    strcpy(where + strlen(where), others == 1 ? " other run" : " other runs");
  } else {
    strcpy(where, "removed, ");
    append_decimal(where, freed);
    strcpy(where + strlen(where), " inodes cleaned");
  }
  if (run.seconds > 0)
    printf("sysfuzz ok: %d calls in %d rounds, seeds %lu-%lu, scratch %s %s%s\n",
           run.iterations * run.round, run.round, run.first_seed, run.seed, run.scratch,
           where, killed ? ", a fuzzing child was killed" : "");
  else
    printf("sysfuzz ok: %d calls, seed %lu, scratch %s %s%s\n", run.iterations, run.seed,
           run.scratch, where, killed ? ", the fuzzing child was killed" : "");
}

int
main(int argc, char *argv[])
{
  int start, killed = 0, others, freed = 0, round_freed;

  parse_arguments(argc, argv);
  if (run.seconds > 0)
    printf("sysfuzz: rounds of %d calls for %d s, seeds from %lu up, %s scratch %s\n",
           run.iterations, run.seconds, run.seed, run.shared ? "shared" : "private",
           run.scratch);
  else
    printf("sysfuzz: %d calls, seed %lu, %s scratch %s\n", run.iterations, run.seed,
           run.shared ? "shared" : "private", run.scratch);
  run.first_seed = run.seed;
  start = uptime();
  do {
    run.seed = run.first_seed + run.round++;
    enter_scratch();
    killed |= fuzz_in_child();
    others = leave_scratch(&round_freed);
    freed += round_freed;
    if (problem[0])
      fail(problem, "");
  } while (uptime() - start < run.seconds * TICKS_PER_SECOND);
  say_ok(others, freed, killed);
  exit(0);
}
