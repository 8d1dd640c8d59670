/* Processes: fork, exit and wait in their many combinations, and the clock. */
#include "user/usertests/usertests.h"

void test_forkexitwait(char *name)
{
  for (int i = 0; i < 300; i++) {
    int pid = fork_or_fail(name);
    if (pid == 0)
      exit(i);
    int status = wait_for(name, pid);
    CHECK(name, status == i, "child %d exited with %d, wait reported %d", pid, i, status);
  }
  CHECK(name, wait(0) == -1, "wait found a child after all were reaped");
}

void test_exitstatus(char *name)
{
  int codes[] = {0, 1, 2, 127, 255, 256, 1000, -1, -42, 0x7fffffff};
  int n = sizeof(codes) / sizeof(codes[0]);

  for (int i = 0; i < n; i++) {
    int pid = fork_or_fail(name);
    if (pid == 0)
      exit(codes[i]);
    int status = 12345;
    int got = wait(&status);
    CHECK(name, got == pid, "wait returned %d, expected %d", got, pid);
    CHECK(name, status == codes[i], "exit(%d) was reported as %d", codes[i], status);
  }
}

void test_waitmany(char *name)
{
  enum { KIDS = 8 };
  int pids[KIDS], seen[KIDS];

  for (int k = 0; k < KIDS; k++) {
    pids[k] = fork_or_fail(name);
    if (pids[k] == 0) {
      sleep(k % 3);
      exit(100 + k);
    }
    seen[k] = 0;
  }
  for (int n = 0; n < KIDS; n++) {
    int status;
    int pid = wait(&status);
    int k = 0;
    while (k < KIDS && pids[k] != pid)
      k++;
    CHECK(name, k < KIDS, "wait returned %d, not one of the children", pid);
    CHECK(name, !seen[k], "wait returned child %d twice", pid);
    CHECK(name, status == 100 + k, "child %d exited with %d, reported %d", pid, 100 + k, status);
    seen[k] = 1;
  }
  CHECK(name, wait(0) == -1, "wait found a ninth child");
}

void test_waitnochild(char *name)
{
  int status = 12345;
  CHECK(name, wait(&status) == -1, "wait with no children did not return -1");
  CHECK(name, status == 12345, "wait with no children wrote the status");
  CHECK(name, wait(0) == -1, "wait(0) with no children did not return -1");

  int pid = fork_or_fail(name);
  if (pid == 0)
    exit(0);
  CHECK(name, wait(0) == pid, "wait(0) did not return the child");
  CHECK(name, wait(0) == -1, "wait found a child after the only one was reaped");
}

/* Fork until the process table is full, then let every child go and reap it. */
void test_forkfull(char *name)
{
  int gate[2], n;
  make_pipe(name, gate);

  for (n = 0; n < NPROC + 5; n++) {
    int pid = fork();
    if (pid < 0)
      break;
    if (pid == 0) {
      char c;
      close(gate[1]);
      read(gate[0], &c, 1);  /* returns 0 once the parent closes its end */
      exit(0);
    }
  }
  close(gate[1]);
  close(gate[0]);
  CHECK(name, n < NPROC, "fork never failed (%d children)", n);
  CHECK(name, n >= NPROC / 2, "fork failed after only %d children", n);

  for (int i = 0; i < n; i++) {
    int status;
    int pid = wait(&status);
    CHECK(name, pid > 0, "wait returned -1 with %d children left", n - i);
    CHECK(name, status == 0, "child %d exited with %d", pid, status);
  }
  CHECK(name, wait(0) == -1, "more children than were forked");

  int pid = fork_or_fail(name);
  if (pid == 0)
    exit(0);
  wait_for(name, pid);
}

/* A grandchild outlives its parent: it keeps running, and wait does not see it. */
void test_orphan(char *name)
{
  int fds[2];
  make_pipe(name, fds);
  int pid = fork_or_fail(name);
  if (pid == 0) {
    if (fork() == 0) {
      sleep(2);
      write(fds[1], "g", 1);
      exit(0);
    }
    exit(0);
  }
  close(fds[1]);
  CHECK(name, wait_for(name, pid) == 0, "the middle child failed");
  char c = 0;
  CHECK(name, read(fds[0], &c, 1) == 1 && c == 'g', "the orphaned grandchild did not run");
  CHECK(name, read(fds[0], &c, 1) == 0, "no end of file after the grandchild exited");
  close(fds[0]);
  CHECK(name, wait(0) == -1, "wait returned a grandchild");
}

void test_getpid(char *name)
{
  enum { KIDS = 6 };
  int me = getpid(), pids[KIDS];
  int fds[2];

  CHECK(name, me > 0, "getpid returned %d", me);
  CHECK(name, getpid() == me, "getpid changed");
  make_pipe(name, fds);
  for (int k = 0; k < KIDS; k++) {
    pids[k] = fork_or_fail(name);
    if (pids[k] == 0) {
      int mine = getpid();
      write(fds[1], &mine, sizeof(mine));
      exit(0);
    }
  }
  close(fds[1]);
  for (int k = 0; k < KIDS; k++) {
    int reported;
    CHECK(name, read(fds[0], &reported, sizeof(reported)) == sizeof(reported),
          "a child did not report its pid");
    int found = 0;
    for (int j = 0; j < KIDS; j++)
      found += pids[j] == reported;
    CHECK(name, found == 1, "a child's getpid() (%d) is not what fork returned", reported);
    CHECK(name, reported != me, "a child has its parent's pid");
  }
  close(fds[0]);
  /* Reap in whatever order the children exit: each pid once, and no others. */
  for (int k = 0; k < KIDS; k++) {
    int got = wait(0);
    int found = 0;
    for (int j = 0; j < KIDS; j++)
      found += pids[j] == got;
    CHECK(name, found == 1, "wait returned %d, not one of the children", got);
  }
  CHECK(name, wait(0) == -1, "wait found a child that was never forked");
  for (int a = 0; a < KIDS; a++)
    for (int b = a + 1; b < KIDS; b++)
      CHECK(name, pids[a] != pids[b], "two children got pid %d", pids[a]);
}

/* Several processes each running their own fork/exit/wait loop at once. */
void test_forkconc(char *name)
{
  enum { WORKERS = 4, ROUNDS = 50 };
  for (int w = 0; w < WORKERS; w++) {
    if (fork_or_fail(name) == 0) {
      for (int i = 0; i < ROUNDS; i++) {
        int pid = fork_or_fail(name);
        if (pid == 0)
          exit(w + i);
        CHECK(name, wait_for(name, pid) == w + i, "a grandchild's status was lost");
      }
      exit(0);
    }
  }
  for (int w = 0; w < WORKERS; w++) {
    int status;
    CHECK(name, wait(&status) > 0, "a worker went missing");
    CHECK(name, status == 0, "a worker failed");
  }
}

void test_sleeptime(char *name)
{
  int t0 = uptime();
  CHECK(name, sleep(5) == 0, "sleep(5) failed");
  int t1 = uptime();
  CHECK(name, t1 >= t0 + 5, "sleep(5) returned after only %d ticks", t1 - t0);
  CHECK(name, sleep(0) == 0, "sleep(0) failed");
}

/* The clock moves while a process computes, and never backwards. */
void test_uptime(char *name)
{
  int start = uptime(), prev = start;
  CHECK(name, start >= 0, "uptime returned %d", start);
  for (int i = 0; i < 5000000 && prev < start + 2; i++) {
    int now = uptime();
    CHECK(name, now >= prev, "uptime went back from %d to %d", prev, now);
    prev = now;
  }
  CHECK(name, prev >= start + 2, "uptime stood still at %d", prev);
}
