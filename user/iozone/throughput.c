/*
 * Throughput mode (-t N): N processes at once, each over a file of its own.
 *
 * For each measurement the parent forks N children. All of them talk
 * through one System V shared memory segment, which the parent creates
 * with IPC_PRIVATE, attaches, and removes with IPC_RMID at once: it lives
 * on while attached, in the parent and in every child (fork shares it, it
 * does not copy it), and goes away when the last of them exits, however
 * iozone ends. Each child gets ready (its file prepared), says so in its
 * slot, and polls the go flag with a microsecond sleep; the parent polls
 * until all are ready, starts its clock and raises go; each child times
 * its own run and leaves the figures in its slot; the parent waits for
 * them all and stops its clock. The segment also holds what each file
 * must contain, which the next measurement's children check.
 */
#include "kernel/types.h"
#include "kernel/shm.h"
#include "user/user.h"
#include "user/iozone/iozone.h"

#define POLL_USECS 1000          /* between looks at a flag */
#define READY_LIMIT_USECS 30000000L  /* children not ready in this time never will be */

/* What one child reports. */
struct slot {
  volatile int ready;            /* set up, waiting for go */
  long usecs;                    /* its measurement's time */
  long bytes;                    /* and what it moved */
};

/* The start of the segment; the children's file states follow it. */
struct shared {
  volatile int go;               /* 0: wait; 1: go; -1: give up and exit */
  struct slot slot[MAX_CHILDREN];
};

/* The segment and where each child's file state is in it. */
struct crew {
  const struct options *opt;
  struct shared *shared;
  char *states;
  long state_bytes;              /* one file state, rounded up to 8 bytes */
  int records;
  char paths[MAX_CHILDREN][24];
};

static long
round_up8(long n)
{
  return (n + 7) & ~7L;
}

/* A new segment of size bytes, attached here and already removed. */
static void *
shared_segment(long size)
{
  int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
  if (id < 0)
    die("shmget(IPC_PRIVATE, %ld, IPC_CREAT | 0600) failed", size);
  void *at = shmat(id, 0, 0);
  if (at == (void *)-1)
    die("shmat of the shared segment failed");
  if (shmctl(id, IPC_RMID, 0) < 0)
    die("shmctl(IPC_RMID) of the shared segment failed");
  memset(at, 0, size);
  return at;
}

/* "iozone.DUMMY.N", the file of child n. */
static void
child_path(char *path, int n)
{
  char digits[12];
  int len = 0;

  do {
    digits[len++] = '0' + n % 10;
    n /= 10;
  } while (n > 0);
  strcpy(path, "iozone.DUMMY.");
  char *end = path + strlen(path);
  while (len > 0)
    *end++ = digits[--len];
  *end = 0;
}

static struct file_state *
state_of(struct crew *crew, int n)
{
  return (struct file_state *)(crew->states + n * crew->state_bytes);
}

/* ---- the children's side ---- */

/* Child n: get ready, wait for go, run ph over its own file, report, exit. */
static void
child(struct crew *crew, int n, const struct phase *ph)
{
  struct job job = {
    .opt = crew->opt, .path = crew->paths[n], .owner = n + 1,
    .records = crew->records, .record_bytes = crew->opt->record_kb * KB,
    .state = state_of(crew, n),
  };
  job.record = malloc(job.record_bytes);
  if (job.record == 0)
    die("out of memory for a %ld kB record", crew->opt->record_kb);
  prepare_phase(&job, ph);

  struct slot *slot = &crew->shared->slot[n];
  __sync_synchronize();
  slot->ready = 1;
  while (crew->shared->go == 0)
    usleep_poll(POLL_USECS);
  if (crew->shared->go < 0)
    exit(1);
  slot->usecs = run_phase(&job, ph);
  slot->bytes = job.moved_bytes;
  __sync_synchronize();
  exit(0);
}

/* ---- the parent's side ---- */

static int
ready_children(struct crew *crew)
{
  int ready = 0;
  for (int n = 0; n < crew->opt->children; n++)
    ready += crew->shared->slot[n].ready;
  return ready;
}

/* Tell the children to give up, reap them, and stop. */
static void
abandon(struct crew *crew, int forked, const char *why)
{
  crew->shared->go = -1;
  for (int n = 0; n < forked; n++)
    wait(0);
  die("%s", why);
}

/* Run ph in every child at once; the parent's own time, from go to the last exit. */
static long
run_children(struct crew *crew, const struct phase *ph)
{
  int children = crew->opt->children;

  crew->shared->go = 0;
  for (int n = 0; n < children; n++)
    crew->shared->slot[n] = (struct slot){ 0, 0, 0 };
  for (int n = 0; n < children; n++) {
    int pid = fork();
    if (pid < 0)
      abandon(crew, n, "fork failed");
    if (pid == 0)
      child(crew, n, ph);
  }
  long waited_from = usecs_now();
  while (ready_children(crew) < children) {
    if (usecs_now() - waited_from > READY_LIMIT_USECS)
      abandon(crew, children, "the children never said they were ready: one failed, or "
              "fork copied the shared segment instead of sharing it");
    usleep_poll(POLL_USECS);
  }
  long start = usecs_now();
  __sync_synchronize();
  crew->shared->go = 1;
  int failed = 0;
  for (int n = 0; n < children; n++) {
    int status = -1;
    if (wait(&status) < 0 || status != 0)
      failed++;
  }
  long taken = usecs_now() - start;
  if (failed)
    die("%d of the %d %s failed", failed, children, ph->label);
  return taken;
}

static void
measure(struct crew *crew, const struct phase *ph)
{
  static long bytes[MAX_CHILDREN], usecs[MAX_CHILDREN];   /* static: the stack is one page */

  long parent_usecs = run_children(crew, ph);
  __sync_synchronize();
  for (int n = 0; n < crew->opt->children; n++) {
    bytes[n] = crew->shared->slot[n].bytes;
    usecs[n] = crew->shared->slot[n].usecs;
  }
  report_throughput(crew->opt, ph, bytes, usecs, parent_usecs);
}

/* -t: every selected measurement that throughput mode has, with opt->children processes. */
void
run_throughput(const struct options *opt)
{
  static struct crew crew;   /* static: the stack is one page */

  crew.opt = opt;
  crew.records = opt->file_kb / opt->record_kb;
  crew.state_bytes = round_up8(sizeof(struct file_state) + crew.records * sizeof(uint));
  long header = round_up8(sizeof(struct shared));
  crew.shared = shared_segment(header + opt->children * crew.state_bytes);
  crew.states = (char *)crew.shared + header;
  for (int n = 0; n < opt->children; n++) {
    child_path(crew.paths[n], n);
    file_state_init(state_of(&crew, n), crew.records);
  }

  report_throughput_plan(opt);
  int used_files = 0;
  for (int i = 0; i < nphases; i++) {
    if (phase_selected(opt, &phases[i]) && phases[i].in_throughput) {
      measure(&crew, &phases[i]);
      used_files = 1;
    }
  }
  for (int n = 0; n < opt->children && used_files && !opt->keep_files; n++)
    if (unlink(crew.paths[n]) < 0)
      die("cannot remove %s", crew.paths[n]);
  shmdt(crew.shared);
}
