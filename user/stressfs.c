/*
 * stressfs: several processes write, read back and remove files at the
 * same time, each with its own file and its own byte pattern, so that
 * the file system's locking and logging are exercised concurrently.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define WORKERS  4
#define CHUNKS   20
#define CHUNK    512

static char buf[CHUNK];

static void
fail(const char *what, const char *name)
{
  fprintf(2, "stressfs: %s %s\n", what, name);
  exit(1);
}

static void
write_file(const char *name, char fill)
{
  int fd, i;

  fd = open(name, O_CREATE | O_RDWR | O_TRUNC);
  if (fd < 0)
    fail("cannot create", name);
  memset(buf, fill, sizeof(buf));
  for (i = 0; i < CHUNKS; i++) {
    if (write(fd, buf, sizeof(buf)) != sizeof(buf))
      fail("short write to", name);
  }
  close(fd);
}

static void
check_file(const char *name, char fill)
{
  int fd, i, j;

  fd = open(name, O_RDONLY);
  if (fd < 0)
    fail("cannot open", name);
  for (i = 0; i < CHUNKS; i++) {
    if (read(fd, buf, sizeof(buf)) != sizeof(buf))
      fail("short read from", name);
    for (j = 0; j < sizeof(buf); j++) {
      if (buf[j] != fill)
        fail("wrong data in", name);
    }
  }
  if (read(fd, buf, 1) != 0)
    fail("extra data in", name);
  close(fd);
}

static void
worker(int id)
{
  char name[] = "stressfs0";

  name[sizeof(name) - 2] = '0' + id;
  write_file(name, 'a' + id);
  check_file(name, 'a' + id);
  if (unlink(name) < 0)
    fail("cannot remove", name);
  exit(0);
}

int
main(void)
{
  int i, pid, status, failed = 0;

  printf("stressfs starting\n");
  for (i = 0; i < WORKERS; i++) {
    pid = fork();
    if (pid < 0) {
      fprintf(2, "stressfs: fork failed\n");
      failed = 1;
      break;
    }
    if (pid == 0)
      worker(i);
  }
  while (wait(&status) >= 0) {
    if (status != 0)
      failed = 1;
  }
  if (failed) {
    printf("stressfs failed\n");
    exit(1);
  }
  printf("stressfs ok\n");
  exit(0);
}
