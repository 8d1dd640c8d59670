/*
 * sysfuzz [ITERATIONS] [SEED]: throw random system calls with hostile
 * arguments at the kernel.
 *
 * A child process works in a scratch directory and issues ITERATIONS calls
 * chosen by a pseudo-random generator seeded with SEED, so a run that finds
 * a bug can be repeated exactly. Arguments mix sensible values with bad
 * ones: kernel and unmapped addresses, buffers that run off the end of the
 * heap, unterminated strings, closed and out-of-range descriptors, huge and
 * negative lengths, invalid device numbers and system call numbers. The
 * kernel must answer each with a result or a clean -1; the child may even
 * be killed, but the kernel must not panic or hang. The parent then waits
 * for the child, removes the scratch directory and prints "sysfuzz ok".
 *
 * Some calls are held back because they would hurt the test itself rather
 * than the kernel: the child never kills a process it does not own, never
 * execs a real program, never reads the console (that would wait for
 * input), never keeps the write end of a pipe (a read of its own pipe
 * would then block forever), never lets the kernel write into its own
 * code, data or stack, and never names a path outside the scratch
 * directory.
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

#define SCRATCH      "sysfuzz.d"
#define ARENA        (2 * PGSIZE)    /* heap the kernel may scribble on */
#define MAX_GROWTH   (16 * PGSIZE)   /* how far sbrk may grow the heap beyond it */
#define MAX_CHILDREN 3               /* grandchildren alive at once */
#define MAX_DEPTH    4               /* directory levels below the scratch directory */

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
static char text_buffer[64] = "sysfuzz was here\n";

/* ---- argument makers ---- */

static uint64
heap_end(void)
{
  return (uint64)sbrk(0);
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
    return heap_end();   /* past the heap, but maybe in its last, mapped page */
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
  char *end = (char *)heap_end();

  memset(end - len, 'x', len);
  return (uint64)(end - len);
}

static const char *names[] = {
  "f0", "f1", "d0", "d0/f2", "d0/d1", "d0/d1/f3", "f0/f4", ".", "",
  "no/such/dir", "a-name-longer-than-dirsiz",
};

/*
 * A path argument: a name inside the scratch directory (relative, with no
 * "..", so nothing outside it can be touched), a path too long for the
 * kernel, or a bad string pointer. Never address 0, whose bytes could
 * spell a name starting with '/'.
 */
static uint64
path_argument(void)
{
  switch (pick(8)) {
  case 0:
    return (uint64)long_path;
  case 1:
    return unterminated_string();
  case 2:
    return bad_address();
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
  int i = pick(sizeof(dirs) / sizeof(dirs[0]));

  if (pick(4) == 0) {
    CALL(chdir, pick(2) ? bad_address() : unterminated_string(), 0, 0);
    return;
  }
  if (depth + dirs[i].levels > MAX_DEPTH)
    return;
  if (chdir(dirs[i].path) == 0)
    depth += dirs[i].levels;
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
  static const int huge[] = { 0x7fffffff, 0x40000000, MAXUVA - PGSIZE };
  long grown = heap_end() - (uint64)arena_end;

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
    CALL(sbrk, PICK(huge), 0, 0);
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

/* Numbers no kernel of any lab uses; each costs a console message, so rare. */
static void
fuzz_bad_syscall(void)
{
  static const long numbers[] = { 0, 99, 1000, -1, 0x7fffffff, 0x100000000L };

  if (pick(16) == 0)
    syscall3(PICK(numbers), random64(), random64(), random64());
}

static void (*const operations[])(void) = {
  fuzz_read, fuzz_read, fuzz_write, fuzz_write, fuzz_open, fuzz_open, fuzz_open,
  fuzz_close, fuzz_close, fuzz_dup, fuzz_fstat, fuzz_pipe, fuzz_mkdir, fuzz_unlink,
  fuzz_link, fuzz_mknod, fuzz_chdir, fuzz_climb, fuzz_exec, fuzz_sbrk, fuzz_fork,
  fuzz_wait, fuzz_kill, fuzz_misc, fuzz_bad_syscall,
};

static void
fill_long_path(void)
{
  int i;

  for (i = 0; i < sizeof(long_path) - 1; i++)
    long_path[i] = (i % 8 == 7) ? '/' : 'p';
  long_path[sizeof(long_path) - 1] = 0;
}

static void
fuzz(int iterations, uint64 seed)
{
  int i;

  if (chdir(SCRATCH) < 0) {
    fprintf(2, "sysfuzz: cannot enter %s\n", SCRATCH);
    exit(1);
  }
  rng_state = seed ? seed : 1;   /* xorshift must not start at 0 */
  fill_long_path();
  if (sbrk(ARENA) == (char *)-1) {
    fprintf(2, "sysfuzz: out of memory\n");
    exit(1);
  }
  arena_end = sbrk(0);
  for (i = 0; i < iterations; i++)
    PICK(operations)();
  while (wait(0) >= 0)
    ;
  exit(0);
}

/* ---- cleaning up ---- */

/* Removes path and, if it is a directory, everything below it. */
static void
remove_tree(char *path, int cap)
{
  int len = strlen(path), fd;
  struct dirent de;
  struct stat st;

  if (stat(path, &st) == 0 && st.type == T_DIR && len + 1 + DIRSIZ < cap &&
      (fd = open(path, O_RDONLY)) >= 0) {
    path[len] = '/';
    while (read(fd, &de, sizeof(de)) == sizeof(de)) {
      if (de.inum == 0)
        continue;
      memmove(path + len + 1, de.name, DIRSIZ);
      path[len + 1 + DIRSIZ] = 0;
      if (strcmp(path + len + 1, ".") != 0 && strcmp(path + len + 1, "..") != 0)
        remove_tree(path, cap);
    }
    close(fd);
    path[len] = 0;
  }
  unlink(path);
}

static int
clean_scratch(void)
{
  char path[MAXPATH];
  struct stat st;

  strcpy(path, SCRATCH);
  remove_tree(path, sizeof(path));
  return stat(SCRATCH, &st) < 0 ? 0 : -1;
}

/* ---- main ---- */

int
main(int argc, char *argv[])
{
  int iterations = argc > 1 ? atoi(argv[1]) : 1000;
  uint64 seed = argc > 2 ? atoi(argv[2]) : 42;
  int pid, status;

  if (argc > 3 || iterations < 0) {
    fprintf(2, "usage: sysfuzz [ITERATIONS] [SEED]\n");
    exit(1);
  }
  printf("sysfuzz: %d calls, seed %lu\n", iterations, seed);
  clean_scratch();   /* left over from a run that was interrupted */
  if (mkdir(SCRATCH) < 0) {
    fprintf(2, "sysfuzz: cannot create %s\n", SCRATCH);
    exit(1);
  }

  pid = fork();
  if (pid < 0) {
    fprintf(2, "sysfuzz: fork failed\n");
    exit(1);
  }
  if (pid == 0)
    fuzz(iterations, seed);
  if (wait(&status) != pid) {
    fprintf(2, "sysfuzz: wait failed\n");
    exit(1);
  }
  if (status != 0)
    printf("sysfuzz: the child ended with status %d\n", status);

  if (clean_scratch() < 0) {
    fprintf(2, "sysfuzz: cannot remove %s\n", SCRATCH);
    exit(1);
  }
  printf("sysfuzz ok\n");
  exit(0);
}
