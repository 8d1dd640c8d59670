/*
 * The grading token. The grader writes a fresh random token into each test's
 * copy of the disk as /gradetoken; a test program prints it on its success
 * line, which shows that the line came from this run of the program and not
 * from something that merely printed the expected words.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

int
gradetoken(char *buf, int n)
{
  int fd, len = 0, got;

  if (n <= 0)
    return 0;
  fd = open("/gradetoken", O_RDONLY);
  if (fd >= 0) {
    while (len < n - 1 && (got = read(fd, buf + len, n - 1 - len)) > 0)
      len += got;
    close(fd);
  }
  /* The writer may end the file with a newline; it is not part of the token. */
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  buf[len] = 0;
  return len;
}
