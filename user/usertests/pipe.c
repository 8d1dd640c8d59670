/*
 * Pipes: data arrives intact and in order however it is chunked, end of file
 * and broken pipes behave, pipelines of processes work, and pipes that are
 * closed give their memory back.
 */
#include "user/usertests/usertests.h"

/* Write total pattern bytes into fd in chunks of varying size. */
static int write_stream(int fd, int seed, int total, int maxchunk)
{
  uint state = seed;
  for (int done = 0; done < total;) {
    int n = 1 + rnd(&state) % maxchunk;
    if (n > total - done)
      n = total - done;
    fill_pattern(scratch, n, seed, done);
    if (write(fd, scratch, n) != n)
      return -1;
    done += n;
  }
  return 0;
}

/* Read fd to end of file, checking every byte; returns the byte count or -1. */
static int read_stream(int fd, int seed, int chunk)
{
  int done = 0, n;
  while ((n = read(fd, scratch2, chunk)) > 0) {
    for (int i = 0; i < n; i++)
      if (scratch2[i] != pattern_byte(seed, done + i))
        return -1;
    done += n;
  }
  return n < 0 ? -1 : done;
}

/* A child writes total bytes through a pipe; the parent reads and checks them. */
static void transfer(char *name, int total, int maxchunk, int readchunk)
{
  int p[2];
  make_pipe(name, p);
  int pid = fork_or_fail(name);
  if (pid == 0) {
    close(p[0]);
    exit(write_stream(p[1], 5, total, maxchunk) == 0 ? 0 : 1);
  }
  close(p[1]);
  int got = read_stream(p[0], 5, readchunk);
  close(p[0]);
  CHECK(name, got == total, "read %d of %d bytes (-1: wrong data)", got, total);
  CHECK(name, wait_for(name, pid) == 0, "the writer failed");
}

void test_pipedata(char *name)
{
  transfer(name, 20000, 1500, 1000);
  transfer(name, 3000, 7, 1);
  transfer(name, 50000, SCRATCH, SCRATCH);
}

void test_pipe1mb(char *name)
{
  transfer(name, 1024 * 1024, SCRATCH, SCRATCH);
}

void test_pipeeof(char *name)
{
  int p[2];
  char buf[16];
  make_pipe(name, p);
  CHECK(name, write(p[1], "hello", 5) == 5, "write to a pipe failed");
  close(p[1]);
  CHECK(name, read(p[0], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0,
        "data written before close was lost");
  CHECK(name, read(p[0], buf, sizeof(buf)) == 0, "no end of file after the writer closed");
  CHECK(name, read(p[0], buf, sizeof(buf)) == 0, "end of file did not last");
  close(p[0]);
}

void test_pipeclosedread(char *name)
{
  int p[2];
  make_pipe(name, p);
  close(p[0]);
  CHECK(name, write(p[1], "x", 1) == -1, "write to a pipe with no reader did not fail");
  CHECK(name, write(p[1], scratch, 5000) == -1, "a second write did not fail either");
  close(p[1]);
}

/* A writer blocked on a full pipe must wake up and fail when the reader goes away. */
void test_pipeblockedwriter(char *name)
{
  int p[2];
  make_pipe(name, p);
  int pid = fork_or_fail(name);
  if (pid == 0) {
    close(p[0]);
    int r = write(p[1], scratch, SCRATCH);
    exit(r == SCRATCH ? 1 : 0);
  }
  close(p[1]);
  char buf[100];
  CHECK(name, read(p[0], buf, sizeof(buf)) == sizeof(buf), "reading from the writer failed");
  sleep(2);
  close(p[0]);
  CHECK(name, wait_for(name, pid) == 0, "a write whose reader vanished reported success");
}

/* Copy in to out adding one to every byte. */
static void add_one(int in, int out)
{
  char buf[512];
  int n;
  while ((n = read(in, buf, sizeof(buf))) > 0) {
    for (int i = 0; i < n; i++)
      buf[i]++;
    if (write(out, buf, n) != n)
      exit(1);
  }
  exit(n == 0 ? 0 : 1);
}

void test_pipeline(char *name)
{
  enum { STAGES = 4, TOTAL = 20000 };
  int src[2];
  make_pipe(name, src);
  int upstream = src[0];

  for (int s = 0; s < STAGES; s++) {
    int next[2];
    make_pipe(name, next);
    if (fork_or_fail(name) == 0) {
      close(src[1]);
      close(next[0]);
      add_one(upstream, next[1]);
    }
    close(upstream);
    close(next[1]);
    upstream = next[0];
  }
  if (fork_or_fail(name) == 0) {
    close(upstream);
    exit(write_stream(src[1], 8, TOTAL, 700) == 0 ? 0 : 1);
  }
  close(src[1]);

  int done = 0, n;
  while ((n = read(upstream, scratch2, SCRATCH)) > 0) {
    for (int i = 0; i < n; i++)
      CHECK(name, scratch2[i] == (char)(pattern_byte(8, done + i) + STAGES),
            "byte %d came out of the pipeline wrong", done + i);
    done += n;
  }
  close(upstream);
  CHECK(name, done == TOTAL, "%d of %d bytes came out of the pipeline", done, TOTAL);
  for (int i = 0; i < STAGES + 1; i++) {
    int status;
    CHECK(name, wait(&status) > 0 && status == 0, "a pipeline process failed");
  }
}

void test_pipemany(char *name)
{
  int before = freepages();
  for (int i = 0; i < 100; i++) {
    int p[2];
    char c;
    make_pipe(name, p);
    CHECK(name, write(p[1], "z", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'z',
          "pipe %d lost its byte", i);
    close(p[1]);
    close(p[0]);
  }

  /* Pipes until the descriptors run out, then close them all. */
  int fds[NOFILE], n = 0;
  int room = NOFILE - count_open_fds();
  while (n + 2 <= NOFILE && pipe(fds + n) == 0)
    n += 2;
  CHECK(name, n == room - room % 2, "made %d pipe ends with %d descriptors free", n, room);
  for (int i = 0; i < n; i++)
    close(fds[i]);
  expect_no_leak(name, before, "creating and closing pipes");
}

/* Several writers share one pipe; every byte of every writer arrives. */
void test_pipewriters(char *name)
{
  enum { WRITERS = 4, EACH = 2000, CHUNK = 100 };
  int p[2], counts[WRITERS] = {0};
  make_pipe(name, p);

  for (int w = 0; w < WRITERS; w++) {
    if (fork_or_fail(name) == 0) {
      close(p[0]);
      memset(scratch, 'a' + w, CHUNK);
      for (int i = 0; i < EACH / CHUNK; i++)
        if (write(p[1], scratch, CHUNK) != CHUNK)
          exit(1);
      exit(0);
    }
  }
  close(p[1]);
  int n;
  while ((n = read(p[0], scratch2, SCRATCH)) > 0) {
    for (int i = 0; i < n; i++) {
      int w = scratch2[i] - 'a';
      CHECK(name, w >= 0 && w < WRITERS, "a byte no writer wrote: %d", scratch2[i]);
      counts[w]++;
    }
  }
  close(p[0]);
  for (int w = 0; w < WRITERS; w++)
    CHECK(name, counts[w] == EACH, "writer %d: %d of %d bytes arrived", w, counts[w], EACH);
  for (int w = 0; w < WRITERS; w++) {
    int status;
    CHECK(name, wait(&status) > 0 && status == 0, "a writer failed");
  }
}
