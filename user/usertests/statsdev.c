/*
 * The statistics device: every reader that opens it and reads to the end
 * gets the whole text (free pages, disk reads, one line per lock), no
 * matter who else reads it at the same time or how much of it an earlier
 * reader left unread.
 */
#include "user/usertests/usertests.h"

#define READERS 4
#define READS   12

static int
holds(char *text, int n, char *needle)
{
  int len = strlen(needle);

  for (int i = 0; i + len <= n; i++) {
    if (memcmp(text + i, needle, len) == 0)
      return 1;
  }
  return 0;
}

/* Reads the device through the library's statistics() and checks it is all there. */
static void
expect_whole_text(char *name, char *who)
{
  int n = statistics(scratch, SCRATCH);

  CHECK(name, n > 0, "%s: statistics() returned %d", who, n);
  CHECK(name, n < SCRATCH, "%s: the text fills all %d bytes of the buffer", who, SCRATCH);
  CHECK(name, scratch[n - 1] == '\n', "%s: the text (%d bytes) does not end with a newline",
        who, n);
  scratch[n] = 0;
  CHECK(name, stats_value(scratch, "freepages") >= 0, "%s: the text has no \"freepages N\" line",
        who);
  CHECK(name, holds(scratch, n, "\nlock "), "%s: the text has no \"lock \" line", who);
}

/* Opens the device, reads only a few bytes, and goes away. */
static void
read_a_little(char *name)
{
  char start[8];
  int fd = open("/statistics", O_RDONLY);

  CHECK(name, fd >= 0, "cannot open /statistics");
  CHECK(name, read(fd, start, sizeof(start)) == sizeof(start),
        "a read of %d bytes from /statistics failed", (int)sizeof(start));
  close(fd);
}

static void
stats_reader(char *name, int me)
{
  for (int i = 0; i < READS; i++) {
    if ((i + me) % 3 == 0) {
      read_a_little(name);
      expect_whole_text(name, "a reader after a partial one");
    } else {
      expect_whole_text(name, "a reader among others");
    }
  }
  exit(0);
}

void
test_statistics_concurrent(char *name)
{
  /* One after the other first: a whole read, a partial one, a whole one. */
  expect_whole_text(name, "the first reader");
  read_a_little(name);
  expect_whole_text(name, "the reader after a partial one");
  expect_whole_text(name, "the next reader");

  for (int me = 0; me < READERS; me++) {
    if (fork_or_fail(name) == 0)
      stats_reader(name, me);
  }
  int failed = wait_children(name, READERS);
  CHECK(name, failed == 0, "%d of the %d concurrent readers failed", failed, READERS);
}
