/*
 * shmtest [TEST...]: check System V shared memory (shmget, shmat, shmdt,
 * shmctl). With no argument every test runs; otherwise the named ones:
 *
 *   pingpong   parent and child take turns incrementing one counter in a
 *              segment (removed at once, then inherited by fork, the way
 *              iozone uses it): no turn is missed, no update lost
 *   rmid       a removed segment lives on while attached, and dies with
 *              its last attachment, gone by shmdt, exit or exec; its key
 *              no longer finds it
 *   detach     after shmdt the old address kills a process that touches it
 *   cycles     hundreds of attach/detach, create/remove and fork cycles
 *   readwrite  read() from a file into a segment and write() from it, in
 *              the creator and in a forked child
 *   rdonly     SHM_RDONLY attachments see the data and fault on a store;
 *              permission bits are honoured
 *   stat       IPC_STAT, IPC_SET and IPC_64
 *   badargs    bad ids, sizes, addresses, flags and buffers get -1
 *   limits     SHMMNI segments, SHMALL pages, SHMSEG attachments
 *
 * Each test runs in a child process of its own. When it has passed, and
 * the free-page count and the number of segments that can still be made
 * are back where they were before it, the line "shmtest: NAME OK" follows,
 * with the grader's token when there is one. A test that fails says why.
 * Waits are bounded: a turn that never comes fails after SPIN_LIMIT ticks.
 * pingpong needs two harts to finish quickly (CPUS=3).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/shm.h"
#include "user/user.h"

#define NO_ADDRESS ((char *)-1)   /* what a failed shmat() returns */
#define SPIN_LIMIT 500            /* ticks (5 s) to wait for the other process */
#define EXEC_CHECK "exec-check"   /* argv[1] of the program exec'd by rmid */

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *test_name = "?";  /* of the test this process runs */
static char *program;                /* argv[0], to exec ourselves */
static int partner;                  /* a child to kill when this test fails */

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("shmtest: %s: FAILED: ", test_name);                         \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    if (partner > 0)                                                    \
      kill(partner);                                                    \
    exit(1);                                                            \
  } while (0)

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond))                                                        \
      FAIL(__VA_ARGS__);                                                \
  } while (0)

/* ---- helpers ---- */

/* n in the given base (at most 10), as text in buf. */
static void digits_of(uint n, uint base, char *buf)
{
  char reversed[16];
  int len = 0;
  do {
    reversed[len++] = '0' + n % base;
    n /= base;
  } while (n > 0);
  while (len > 0)
    *buf++ = reversed[--len];
  *buf = 0;
}

/* A mode in octal with its leading 0, for messages (printf has no %o). */
static const char *octal(uint mode)
{
  static char text[16] = "0";
  digits_of(mode, 8, text + 1);
  return text;
}

/* A new private segment of size bytes with the given permission bits. */
static int make_segment(uint64 size, int mode)
{
  int id = shmget(IPC_PRIVATE, size, IPC_CREAT | mode);
  CHECK(id >= 0, "shmget(IPC_PRIVATE, %lu, IPC_CREAT|%s) returned %d", size, octal(mode), id);
  return id;
}

static char *attach(int id, uint64 addr, int flags)
{
  char *p = shmat(id, (void *)addr, flags);
  CHECK(p != NO_ADDRESS, "shmat(%d, %p, %s) failed", id, (void *)addr, octal(flags));
  CHECK((uint64)p % PGSIZE == 0, "shmat returned %p, which is not page-aligned", p);
  return p;
}

static void detach(char *p)
{
  CHECK(shmdt(p) == 0, "shmdt(%p) of an attachment failed", p);
}

static void describe(int id, struct shmid_ds *ds)
{
  CHECK(shmctl(id, IPC_STAT, ds) == 0, "shmctl(%d, IPC_STAT) failed", id);
}

static uint64 attachments(int id)
{
  struct shmid_ds ds;
  describe(id, &ds);
  return ds.shm_nattch;
}

static void remove_segment(int id)
{
  CHECK(shmctl(id, IPC_RMID, 0) == 0, "shmctl(%d, IPC_RMID) failed", id);
}

/* The segment id names must be gone: no IPC_STAT, no shmat. */
static void expect_gone(int id, const char *why)
{
  struct shmid_ds ds;
  CHECK(shmctl(id, IPC_STAT, &ds) < 0, "%s, the segment is still there (%lu attached)",
        why, ds.shm_nattch);
  CHECK(shmat(id, 0, 0) == NO_ADDRESS, "%s, shmat of its id still works", why);
}

static int fork_child(void)
{
  int pid = fork();
  CHECK(pid >= 0, "fork failed");
  return pid;
}

/* The exit status of child pid: -1 when it was killed. */
static int wait_child(int pid)
{
  int status;
  CHECK(wait(&status) == pid, "wait did not return the child's pid %d", pid);
  if (pid == partner)
    partner = 0;
  return status;
}

/* Run touch(p) in a child, which it must kill. */
static void expect_fault(void (*touch)(char *), char *p, const char *what)
{
  int pid = fork_child();
  if (pid == 0) {
    touch(p);
    exit(0);
  }
  int status = wait_child(pid);
  CHECK(status == -1, "%s at %p did not kill the process (exit status %d)", what, p, status);
}

static void load(char *p)
{
  volatile char *v = p;
  (void)*v;
}

static void store(char *p)
{
  volatile char *v = p;
  *v = 'x';
}

static int all_zero(const char *p, int n)
{
  for (int i = 0; i < n; i++)
    if (p[i] != 0)
      return 0;
  return 1;
}

/* ---- pingpong ---- */

#define ROUNDS 500

/* The shared state: whose turn it is (0 parent, 1 child) and the counter. */
struct court {
  int turn;
  int count;
};

static void await_turn(struct court *c, int me, int round)
{
  int start = uptime();
  while (__atomic_load_n(&c->turn, __ATOMIC_ACQUIRE) != me)
    CHECK(uptime() - start <= SPIN_LIMIT,
          "round %d: the other process's move never arrived; after fork, parent and "
          "child must map the same pages (was the segment made copy-on-write?)", round);
}

/* me's ROUNDS moves: wait for the turn, increment, hand the turn over. */
static void play(struct court *c, int me)
{
  for (int round = 0; round < ROUNDS; round++) {
    await_turn(c, me, round);
    int expect = 2 * round + me;
    CHECK(c->count == expect, "round %d: the counter is %d, not %d: an update was lost",
          round, c->count, expect);
    c->count++;
    __atomic_store_n(&c->turn, 1 - me, __ATOMIC_RELEASE);
  }
}

static void test_pingpong(void)
{
  int id = make_segment(PGSIZE, 0600);
  struct court *c = (struct court *)attach(id, 0, 0);
  remove_segment(id);  /* as iozone does: it lives on while attached */

  int pid = fork_child();
  if (pid == 0) {
    test_name = "pingpong (child)";
    play(c, 1);
    exit(0);
  }
  partner = pid;
  CHECK(attachments(id) == 2, "after fork the segment has %lu attachments, not 2",
        attachments(id));
  play(c, 0);
  await_turn(c, 0, ROUNDS);
  CHECK(c->count == 2 * ROUNDS, "the counter ended at %d, not %d", c->count, 2 * ROUNDS);
  CHECK(wait_child(pid) == 0, "the child failed");
  detach((char *)c);
  expect_gone(id, "after both processes detached a removed segment");
}

/* ---- rmid ---- */

#define ODD_SIZE (3 * PGSIZE + 100)

/* Removed while attached, then forked: it dies with the last shmdt. */
static void removed_then_forked(void)
{
  int id = make_segment(ODD_SIZE, 0600);
  char *p = attach(id, 0, 0);
  CHECK(all_zero(p, ODD_SIZE), "a new segment is not filled with zeros");
  remove_segment(id);
  struct shmid_ds ds;
  describe(id, &ds);
  CHECK(ds.shm_nattch == 1 && ds.shm_segsz == ODD_SIZE,
        "a removed, attached segment reports %lu attachments and %lu bytes, not 1 and %d",
        ds.shm_nattch, ds.shm_segsz, ODD_SIZE);

  int pid = fork_child();
  if (pid == 0) {
    p[0] = 'c';
    p[ODD_SIZE - 1] = 'z';
    exit(attachments(id) == 2 ? 0 : 2);
  }
  int status = wait_child(pid);
  CHECK(status != 2, "the child did not see 2 attachments of the removed segment");
  CHECK(status == 0, "the child failed (status %d)", status);
  CHECK(p[0] == 'c' && p[ODD_SIZE - 1] == 'z', "the child's stores are not in the segment");
  CHECK(attachments(id) == 1, "after the child's exit the segment has %lu attachments, not 1",
        attachments(id));
  detach(p);
  expect_gone(id, "after the last shmdt of a removed segment");
}

/* The last attachment goes with its process's exit. */
static void last_one_exits(void)
{
  int id = make_segment(PGSIZE, 0600);
  char *p = attach(id, 0, 0);
  int go[2];
  CHECK(pipe(go) == 0, "pipe failed");
  int pid = fork_child();
  if (pid == 0) {
    char c;
    read(go[0], &c, 1);
    p[1] = c;
    exit(0);
  }
  partner = pid;
  detach(p);
  remove_segment(id);
  CHECK(attachments(id) == 1, "the child's attachment is not counted (%lu)", attachments(id));
  write(go[1], "x", 1);
  CHECK(wait_child(pid) == 0, "the child failed");
  expect_gone(id, "after the last process attached to a removed segment exited");
  close(go[0]);
  close(go[1]);
}

/* exec drops the old program's attachments. */
static void exec_detaches(void)
{
  int id = make_segment(PGSIZE, 0600);
  char *p = attach(id, 0, 0);
  remove_segment(id);
  char number[16];
  digits_of(id, 10, number);
  int pid = fork_child();
  if (pid == 0) {
    char *argv[] = { program, EXEC_CHECK, number, 0 };
    exec(program, argv);
    exit(3);
  }
  int status = wait_child(pid);
  CHECK(status != 3, "the child could not exec %s", program);
  CHECK(status != 4, "in the program the child exec'd, IPC_STAT of the segment failed");
  CHECK(status == 0, "after exec the segment still counts the old program's attachment");
  detach(p);
  expect_gone(id, "after the exec'd child's exit and the parent's shmdt");
}

/* Run by exec_detaches()'s child, in the new program: only the parent's
   attachment may be left. */
static int exec_check(const char *id)
{
  struct shmid_ds ds;
  if (shmctl(atoi(id), IPC_STAT, &ds) < 0)
    return 4;
  return ds.shm_nattch == 1 ? 0 : 5;
}

/* A removed key finds nothing; IPC_CREAT then makes a new segment. */
static void key_forgotten(void)
{
  int key = 0x5ee0000 + getpid();
  int id = shmget(key, PGSIZE, IPC_CREAT | 0600);
  CHECK(id >= 0, "shmget(key, PGSIZE, IPC_CREAT|0600) failed");
  CHECK(shmget(key, PGSIZE, 0600) == id, "shmget does not find the segment by its key");
  char *p = attach(id, 0, 0);
  p[0] = 7;
  remove_segment(id);
  CHECK(shmget(key, PGSIZE, 0600) == -1, "a removed segment is still found by its key");
  int again = shmget(key, PGSIZE, IPC_CREAT | 0600);
  CHECK(again >= 0 && again != id,
        "shmget(IPC_CREAT) after IPC_RMID gave %d, not a new segment (the old is %d)",
        again, id);
  char *q = attach(again, 0, 0);
  CHECK(q[0] == 0 && p[0] == 7, "the new segment and the removed one share memory");
  detach(p);
  detach(q);
  remove_segment(again);
}

static void test_rmid(void)
{
  removed_then_forked();
  last_one_exits();
  exec_detaches();
  key_forgotten();
}

/* ---- detach ---- */

static void test_detach(void)
{
  int id = make_segment(2 * PGSIZE, 0600);
  char *p = attach(id, 0, 0);
  p[0] = 1;
  p[PGSIZE] = 2;
  CHECK(shmdt(p + PGSIZE) == -1, "shmdt of an address inside an attachment did not fail");
  detach(p);
  CHECK(shmdt(p) == -1, "a second shmdt of the same address did not fail");
  expect_fault(load, p, "a load from a detached segment");
  expect_fault(store, p + PGSIZE, "a store to a detached segment");

  char *q = attach(id, 0, 0);
  CHECK(q[0] == 1 && q[PGSIZE] == 2, "the segment lost its contents when it was detached");
  detach(q);
  remove_segment(id);
}

/* ---- cycles ---- */

static void test_cycles(void)
{
  int id = make_segment(2 * PGSIZE, 0600);
  for (int i = 0; i < 300; i++) {
    int *counter = (int *)attach(id, 0, 0);
    CHECK(*counter == i, "attachment %d finds %d in the segment, not %d", i, *counter, i);
    (*counter)++;
    detach((char *)counter);
  }
  CHECK(attachments(id) == 0, "after 300 shmat/shmdt pairs %lu attachments are counted",
        attachments(id));
  remove_segment(id);

  for (int i = 0; i < 100; i++) {
    id = make_segment(PGSIZE * (1 + i % 4), 0600);
    char *p = attach(id, 0, 0);
    p[0] = 1;
    if (i % 2) {
      remove_segment(id);
      detach(p);
    } else {
      detach(p);
      remove_segment(id);
    }
    expect_gone(id, "after shmdt and IPC_RMID");
  }

  for (int i = 0; i < 30; i++) {
    id = make_segment(PGSIZE, 0600);
    char *p = attach(id, 0, 0);
    remove_segment(id);
    int pid = fork_child();
    if (pid == 0) {
      p[0] = 'k';
      exit(0);
    }
    CHECK(wait_child(pid) == 0, "a child that stores into the segment failed");
    CHECK(p[0] == 'k', "fork cycle %d: the child's store is not seen", i);
    detach(p);
  }
}

/* ---- readwrite ---- */

#define RW_SIZE (3 * PGSIZE)
#define IN_FILE "shmtest.in"
#define OUT_FILE "shmtest.out"

static char pattern[RW_SIZE];
static char back[RW_SIZE];

static void write_file(const char *path, const char *data, int n)
{
  int fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);
  CHECK(fd >= 0, "cannot create %s", path);
  CHECK(write(fd, data, n) == n, "write() of %d bytes from %p to %s failed", n, data, path);
  close(fd);
}

static void read_file(const char *path, char *data, int n)
{
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0, "cannot open %s", path);
  CHECK(read(fd, data, n) == n, "read() of %d bytes from %s into %p failed", n, path, data);
  close(fd);
}

/* A forked child's read() into and write() from the segment, across pages. */
static void child_copies(char *p)
{
  int out[2];
  CHECK(pipe(out) == 0, "pipe failed");
  int pid = fork_child();
  if (pid == 0) {
    read_file(IN_FILE, p + 1000, 2 * PGSIZE);
    CHECK(write(out[1], p + PGSIZE - 10, 20) == 20, "the child's write() from the segment failed");
    exit(0);
  }
  CHECK(wait_child(pid) == 0, "the child failed");
  CHECK(memcmp(p + 1000, pattern, 2 * PGSIZE) == 0,
        "the child's read() into the segment is not seen by the parent");
  char got[20];
  CHECK(read(out[0], got, 20) == 20, "reading the child's pipe failed");
  CHECK(memcmp(got, p + PGSIZE - 10, 20) == 0, "the child's write() from the segment sent other bytes");
  close(out[0]);
  close(out[1]);
}

static void test_readwrite(void)
{
  for (int i = 0; i < RW_SIZE; i++)
    pattern[i] = i * 7 + i / PGSIZE;
  write_file(IN_FILE, pattern, RW_SIZE);

  int id = make_segment(RW_SIZE, 0600);
  char *p = attach(id, 0, 0);
  read_file(IN_FILE, p, RW_SIZE);
  CHECK(memcmp(p, pattern, RW_SIZE) == 0, "read() into the segment stored other bytes");
  write_file(OUT_FILE, p, RW_SIZE);
  read_file(OUT_FILE, back, RW_SIZE);
  CHECK(memcmp(back, pattern, RW_SIZE) == 0, "write() from the segment wrote other bytes");

  memset(p, 0, RW_SIZE);
  child_copies(p);

  char *r = attach(id, 0, SHM_RDONLY);
  int fd = open(IN_FILE, O_RDONLY);
  CHECK(read(fd, r, 10) == -1, "read() into a SHM_RDONLY attachment did not fail");
  close(fd);
  write_file(OUT_FILE, r, PGSIZE);

  detach(r);
  detach(p);
  remove_segment(id);
  unlink(IN_FILE);
  unlink(OUT_FILE);
}

/* ---- rdonly ---- */

static void readonly_attachment(void)
{
  int id = make_segment(PGSIZE, 0600);
  char *w = attach(id, 0, 0);
  char *r = attach(id, 0, SHM_RDONLY);
  CHECK(r != w, "two attachments got the same address %p", r);
  w[5] = 42;
  CHECK(r[5] == 42, "a store through one attachment is not seen through the other");
  CHECK(attachments(id) == 2, "two attachments in one process count as %lu", attachments(id));
  expect_fault(store, r + 5, "a store to a SHM_RDONLY attachment");
  CHECK(w[5] == 42, "the store through the SHM_RDONLY attachment changed the segment");
  detach(r);
  detach(w);
  remove_segment(id);
}

/* A segment of mode 0400 can be attached for reading only. */
static void permission_bits(void)
{
  int id = make_segment(PGSIZE, 0400);
  CHECK(shmat(id, 0, 0) == NO_ADDRESS, "a segment of mode 0400 was attached for writing");
  char *r = attach(id, 0, SHM_RDONLY);
  CHECK(r[0] == 0, "a new segment is not filled with zeros");
  detach(r);
  remove_segment(id);

  int key = 0x4000000 + getpid();
  id = shmget(key, PGSIZE, IPC_CREAT | 0400);
  CHECK(id >= 0, "shmget(key, PGSIZE, IPC_CREAT|0400) failed");
  CHECK(shmget(key, 0, 0600) == -1, "shmget asking for 0600 found a segment of mode 0400");
  CHECK(shmget(key, 0, 0400) == id, "shmget asking for 0400 did not find a segment of mode 0400");
  CHECK(shmget(key, 0, 0) == id, "shmget with no mode bits did not find the segment");
  remove_segment(id);
}

static void test_rdonly(void)
{
  readonly_attachment();
  permission_bits();
}

/* ---- stat ---- */

static void test_stat(void)
{
  int me = getpid();
  char *heap_end = sbrk(0);
  int id = make_segment(5000, 0640);
  struct shmid_ds ds;
  describe(id, &ds);
  CHECK(ds.shm_segsz == 5000 && ds.shm_cpid == me && ds.shm_nattch == 0,
        "a new segment reports %lu bytes, creator %d, %lu attachments; not 5000, %d, 0",
        ds.shm_segsz, ds.shm_cpid, ds.shm_nattch, me);
  CHECK(ds.shm_perm_mode == 0640 && ds.shm_key == IPC_PRIVATE,
        "a new segment reports mode %s and key %d, not 0640 and IPC_PRIVATE",
        octal(ds.shm_perm_mode), ds.shm_key);

  char *p = attach(id, 0, 0);
  CHECK((uint64)p >= SHM_BASE && (uint64)p + 2 * PGSIZE <= SHM_TOP,
        "shmat put the segment at %p, outside the window [%p, %p)", p,
        (void *)SHM_BASE, (void *)SHM_TOP);
  CHECK(sbrk(0) == heap_end, "shmat moved the program break");
  describe(id, &ds);
  CHECK(ds.shm_nattch == 1 && ds.shm_lpid == me,
        "after shmat: %lu attachments, last pid %d; not 1 and %d", ds.shm_nattch, ds.shm_lpid, me);

  int pid = fork_child();
  if (pid == 0) {
    CHECK(shmctl(id, IPC_STAT | IPC_64, &ds) == 0, "shmctl(IPC_STAT | IPC_64) failed");
    CHECK(ds.shm_nattch == 2, "after fork the child sees %lu attachments, not 2", ds.shm_nattch);
    detach(p);
    exit(0);
  }
  CHECK(wait_child(pid) == 0, "the child failed");
  describe(id, &ds);
  CHECK(ds.shm_nattch == 1 && ds.shm_lpid == pid && ds.shm_cpid == me,
        "after the child's shmdt: %lu attachments, last pid %d, creator %d; not 1, %d, %d",
        ds.shm_nattch, ds.shm_lpid, ds.shm_cpid, pid, me);

  ds.shm_perm_mode = 0600;
  CHECK(shmctl(id, IPC_SET | IPC_64, &ds) == 0, "shmctl(IPC_SET | IPC_64) failed");
  describe(id, &ds);
  CHECK(ds.shm_perm_mode == 0600, "after IPC_SET of mode 0600 the mode is %s", octal(ds.shm_perm_mode));
  detach(p);
  CHECK(shmctl(id, IPC_RMID | IPC_64, 0) == 0, "shmctl(IPC_RMID | IPC_64) failed");
  expect_gone(id, "after shmdt and IPC_RMID | IPC_64");
}

/* ---- badargs ---- */

static void bad_shmget(void)
{
  CHECK(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600) == -1, "a segment of 0 bytes was made");
  CHECK(shmget(IPC_PRIVATE, SHMMAX + 1, IPC_CREAT | 0600) == -1,
        "a segment of SHMMAX + 1 bytes was made");
  CHECK(shmget(IPC_PRIVATE, 1UL << 40, IPC_CREAT | 0600) == -1, "a segment of 1 TB was made");
  CHECK(shmget(IPC_PRIVATE, PGSIZE, IPC_CREAT | 0600 | 0x10000000) == -1,
        "shmget with an unknown flag did not fail");

  int key = 0x7ee0000 + getpid();
  CHECK(shmget(key, PGSIZE, 0600) == -1, "shmget found a key nobody created");
  int id = shmget(key, PGSIZE, IPC_CREAT | 0600);
  CHECK(id >= 0, "shmget(key, PGSIZE, IPC_CREAT|0600) failed");
  CHECK(shmget(key, PGSIZE, IPC_CREAT | IPC_EXCL | 0600) == -1,
        "IPC_CREAT|IPC_EXCL did not fail for an existing key");
  CHECK(shmget(key, 2 * PGSIZE, 0600) == -1, "shmget found a segment smaller than asked for");
  CHECK(shmget(key, 100, 0600) == id && shmget(key, 0, 0) == id,
        "shmget of an existing key with a smaller size did not find it");
  remove_segment(id);
}

static void bad_shmat(int id)
{
  int dead = make_segment(PGSIZE, 0600);
  remove_segment(dead);
  int ids[] = { -1, id + SHMMNI, dead, 0x7fffffff };
  for (int i = 0; i < NELEM(ids); i++)
    CHECK(shmat(ids[i], 0, 0) == NO_ADDRESS, "shmat of the bad id %d did not fail", ids[i]);
  CHECK(shmat(id, 0, 0x1) == NO_ADDRESS, "shmat with an unknown flag did not fail");

  uint64 heap = PGROUNDUP((uint64)sbrk(0));
  uint64 addrs[] = {
    SHM_BASE + 1, PGSIZE, heap, heap + 16 * PGSIZE, SHM_BASE - PGSIZE,
    SHM_TOP, MAXUVA, KERNBASE, TRAPFRAME, MAXVA - PGSIZE, 0xfffffffffffff000UL,
  };
  for (int i = 0; i < NELEM(addrs); i++)
    CHECK(shmat(id, (void *)addrs[i], 0) == NO_ADDRESS,
          "shmat at the bad address %p did not fail", (void *)addrs[i]);

  int two = make_segment(2 * PGSIZE, 0600);
  CHECK(shmat(two, (void *)(SHM_TOP - PGSIZE), 0) == NO_ADDRESS,
        "a 2-page segment was attached at %p, past the end of the window",
        (void *)(SHM_TOP - PGSIZE));
  uint64 chosen = SHM_BASE + 8 * PGSIZE;
  char *p = shmat(id, (void *)chosen, 0);
  CHECK((uint64)p == chosen, "shmat at the free address %p returned %p", (void *)chosen, p);
  CHECK(shmat(id, (void *)chosen, 0) == NO_ADDRESS, "a second attachment at %p did not fail", p);
  CHECK(shmat(two, (void *)(chosen - PGSIZE), 0) == NO_ADDRESS,
        "an attachment overlapping the one at %p did not fail", p);
  p[0] = 'a';
  remove_segment(two);
}

static void bad_shmdt_shmctl(int id)
{
  struct shmid_ds ds;
  CHECK(shmdt(0) == -1 && shmdt(NO_ADDRESS) == -1 && shmdt((void *)(SHM_BASE + 1)) == -1,
        "shmdt of an address with no attachment did not fail");
  CHECK(shmctl(id, 99, &ds) == -1, "shmctl with the unknown command 99 did not fail");
  CHECK(shmctl(-1, IPC_STAT, &ds) == -1 && shmctl(id + SHMMNI, IPC_STAT, &ds) == -1,
        "shmctl(IPC_STAT) of a bad id did not fail");
  CHECK(shmctl(id, IPC_STAT, (void *)KERNBASE) == -1 && shmctl(id, IPC_STAT, (void *)MAXVA) == -1,
        "shmctl(IPC_STAT) into a bad buffer did not fail");
  CHECK(shmctl(id, IPC_SET, (void *)MAXVA) == -1, "shmctl(IPC_SET) from a bad buffer did not fail");
}

static void test_badargs(void)
{
  bad_shmget();
  int id = make_segment(PGSIZE, 0600);
  bad_shmat(id);
  bad_shmdt_shmctl(id);
  struct shmid_ds ds;
  describe(id, &ds);
  CHECK(ds.shm_nattch == 1 && ds.shm_perm_mode == 0600,
        "the failed calls changed the segment: %lu attachments, mode %s",
        ds.shm_nattch, octal(ds.shm_perm_mode));
  char *p = (char *)(SHM_BASE + 8 * PGSIZE);
  CHECK(p[0] == 'a', "the attachment made by bad_shmat lost its contents");
  detach(p);
  remove_segment(id);
}

/* ---- limits ---- */

static void remove_all(int *ids, int n)
{
  for (int i = 0; i < n; i++)
    remove_segment(ids[i]);
}

static void segment_count_limit(void)
{
  int ids[SHMMNI];
  for (int i = 0; i < SHMMNI; i++) {
    ids[i] = shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    CHECK(ids[i] >= 0, "segment %d of SHMMNI (%d) could not be made", i + 1, SHMMNI);
  }
  CHECK(shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600) == -1, "a segment past SHMMNI (%d) was made",
        SHMMNI);
  remove_all(ids, SHMMNI);
}

static void total_size_limit(void)
{
  int ids[SHMMNI];
  int per_segment = SHMMAX / PGSIZE;
  int n = SHMALL / per_segment;
  for (int i = 0; i < n; i++) {
    ids[i] = shmget(IPC_PRIVATE, SHMMAX, IPC_CREAT | 0600);
    CHECK(ids[i] >= 0, "segment %d of SHMMAX bytes could not be made (SHMALL is %d pages)",
          i + 1, SHMALL);
  }
  int rest = SHMALL % per_segment;
  if (rest > 0) {
    ids[n] = shmget(IPC_PRIVATE, rest * PGSIZE, IPC_CREAT | 0600);
    CHECK(ids[n] >= 0, "the last %d pages of SHMALL could not be had", rest);
    n++;
  }
  CHECK(shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600) == -1,
        "a segment past SHMALL (%d pages in all) was made", SHMALL);
  remove_segment(ids[0]);
  ids[0] = shmget(IPC_PRIVATE, SHMMAX, IPC_CREAT | 0600);
  CHECK(ids[0] >= 0, "the pages of a removed segment do not count as free again");
  remove_all(ids, n);
}

static void attachment_limit(void)
{
  int id = make_segment(PGSIZE, 0600);
  char *at[SHMSEG];
  for (int i = 0; i < SHMSEG; i++) {
    at[i] = attach(id, 0, 0);
    for (int j = 0; j < i; j++)
      CHECK(at[j] != at[i], "two attachments at %p", at[i]);
  }
  CHECK(shmat(id, 0, 0) == NO_ADDRESS, "attachment %d, past SHMSEG, did not fail", SHMSEG + 1);
  CHECK(attachments(id) == SHMSEG, "%lu attachments are counted, not %d", attachments(id), SHMSEG);
  for (int i = 0; i < SHMSEG; i++)
    detach(at[i]);
  remove_segment(id);
}

static void test_limits(void)
{
  segment_count_limit();
  total_size_limit();
  attachment_limit();
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "pingpong", test_pingpong },
  { "rmid", test_rmid },
  { "detach", test_detach },
  { "cycles", test_cycles },
  { "readwrite", test_readwrite },
  { "rdonly", test_rdonly },
  { "stat", test_stat },
  { "badargs", test_badargs },
  { "limits", test_limits },
};
#define NTESTS NELEM(tests)

static char stats_text[4096 + 512];

/* The free-page count from the statistics device, or -1. */
static int free_pages(void)
{
  int n = statistics(stats_text, sizeof(stats_text) - 1);
  if (n < 10)
    return -1;
  stats_text[n] = 0;
  if (memcmp(stats_text, "freepages ", 10) != 0)
    return -1;
  return atoi(stats_text + 10);
}

/* The free-page count once it settles at expect, or what it is after a while. */
static int free_pages_settled(int expect)
{
  int n = free_pages();
  for (int tries = 0; n != expect && tries < 20; tries++) {
    sleep(1);
    n = free_pages();
  }
  return n;
}

/* How many more segments can be made now (each made and removed again). */
static int segments_left(void)
{
  int ids[SHMMNI + 1];
  int n = 0;
  while (n <= SHMMNI && (ids[n] = shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) >= 0)
    n++;
  for (int i = 0; i < n; i++)
    shmctl(ids[i], IPC_RMID, 0);
  return n;
}

/* Run t in a child; then nothing of it may be left. 1 if it passed. */
static int run_test(const struct test *t, const char *token)
{
  int pages = free_pages();
  int segments = segments_left();
  int pid = fork();
  if (pid < 0) {
    printf("shmtest: %s: FAILED: cannot fork\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_name = t->name;
    t->run();
    exit(0);
  }
  int status;
  if (wait(&status) != pid || status != 0) {
    if (status != 1)
      printf("shmtest: %s: FAILED: the test process ended with status %d\n", t->name, status);
    return 0;
  }
  int segments_after = segments_left();
  if (segments_after != segments) {
    printf("shmtest: %s: FAILED: %d segments could be made before, %d after\n",
           t->name, segments, segments_after);
    return 0;
  }
  int pages_after = free_pages_settled(pages);
  if (pages_after != pages) {
    printf("shmtest: %s: FAILED: %d free pages before, %d after\n", t->name, pages, pages_after);
    return 0;
  }
  printf("shmtest: %s OK %s\n", t->name, token);
  return 1;
}

static const struct test *find_test(const char *name)
{
  for (int i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

int main(int argc, char *argv[])
{
  char token[64];
  int failed = 0;

  program = argv[0];
  if (argc == 3 && strcmp(argv[1], EXEC_CHECK) == 0)
    exit(exec_check(argv[2]));
  for (int i = 1; i < argc; i++) {
    if (find_test(argv[i]) == 0) {
      fprintf(2, "shmtest: no test called %s; the tests are:", argv[i]);
      for (int j = 0; j < NTESTS; j++)
        fprintf(2, " %s", tests[j].name);
      fprintf(2, "\n");
      exit(2);
    }
  }
  gradetoken(token, sizeof(token));
  if (argc == 1) {
    for (int i = 0; i < NTESTS; i++)
      failed += !run_test(&tests[i], token);
  } else {
    for (int i = 1; i < argc; i++)
      failed += !run_test(find_test(argv[i]), token);
  }
  if (failed)
    printf("shmtest: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
