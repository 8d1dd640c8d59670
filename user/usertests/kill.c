/*
 * kill: of a process asleep in sleep(), of one blocked reading a pipe, of
 * running ones, of itself, and of pids that do not exist. A killed process
 * must be reported by wait with status -1.
 */
#include "user/usertests/usertests.h"

/*
 * Fork a child that tells the parent (over a pipe) it is about to run body,
 * and return once it has said so.
 */
static int start_ready(char *name, void (*body)(void))
{
  int ready[2];
  make_pipe(name, ready);
  int pid = fork_or_fail(name);
  if (pid == 0) {
    close(ready[0]);
    write(ready[1], "r", 1);
    close(ready[1]);
    body();
    exit(0);
  }
  close(ready[1]);
  char c;
  CHECK(name, read(ready[0], &c, 1) == 1, "the child never got ready");
  close(ready[0]);
  return pid;
}

static void kill_and_reap(char *name, int pid, char *what)
{
  sleep(2);  /* let the child get to where it blocks or spins */
  int r = kill(pid);
  CHECK(name, r == 0, "kill(%d) of %s returned %d", pid, what, r);
  int status = wait_for(name, pid);
  CHECK(name, status == -1, "%s: killed child exited with %d, not -1", what, status);
}

#define LONG_SLEEP 300

static void sleep_long(void)
{
  sleep(LONG_SLEEP);
}

void test_killsleep(char *name)
{
  int t0 = uptime();
  int pid = start_ready(name, sleep_long);
  kill_and_reap(name, pid, "a child in sleep()");
  int waited = uptime() - t0;
  CHECK(name, waited < LONG_SLEEP * 3 / 4, "kill did not wake the sleeper (%d ticks)", waited);
}

static int blocker[2];

static void read_empty_pipe(void)
{
  char c;
  close(blocker[1]);
  read(blocker[0], &c, 1);  /* the parent holds the write end open: blocks */
}

void test_killpipe(char *name)
{
  make_pipe(name, blocker);
  int pid = start_ready(name, read_empty_pipe);
  kill_and_reap(name, pid, "a child reading an empty pipe");
  close(blocker[0]);
  close(blocker[1]);
}

static void spin(void)
{
  volatile int n = 0;
  for (;;)
    n++;
}

#define SPINNERS 3
static int spinners[SPINNERS];

/* Spinners never end by themselves: a failed test must not leave them running. */
static void kill_spinners(void)
{
  for (int i = 0; i < SPINNERS; i++)
    if (spinners[i] > 0)
      kill(spinners[i]);
}

void test_killspin(char *name)
{
  on_failure(kill_spinners);
  for (int i = 0; i < SPINNERS; i++)
    spinners[i] = start_ready(name, spin);
  for (int i = 0; i < SPINNERS; i++)
    kill_and_reap(name, spinners[i], "a spinning child");
}

static void kill_myself(char *name)
{
  if (kill(getpid()) != 0)
    FAIL(name, "kill(getpid()) failed");
  for (int i = 0; i < 1000; i++)
    getpid();
  exit(5);
}

void test_killself(char *name)
{
  expect_killed(name, kill_myself, "a process that killed itself");
}

void test_killbad(char *name)
{
  int nopids[] = {-1, 0, -12345, 0x7fffffff};
  for (int i = 0; i < sizeof(nopids) / sizeof(nopids[0]); i++) {
    int r = kill(nopids[i]);
    CHECK(name, r == -1, "kill(%d) returned %d", nopids[i], r);
  }
  int pid = fork_or_fail(name);
  if (pid == 0)
    exit(0);
  wait_for(name, pid);
  int r = kill(pid);
  CHECK(name, r == -1, "kill of a reaped child returned %d", r);
}
