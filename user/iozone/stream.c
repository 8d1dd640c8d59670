/*
 * A buffered stream, as stdio's fwrite and fread give one: the fwrite and
 * fread tests measure what such a buffer in user space saves. Writes fill
 * the buffer and go to the kernel a whole buffer at a time; reads take a
 * whole buffer from the kernel and are served from it.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/iozone/iozone.h"

#define STREAM_BUFFER 8192   /* as glibc's BUFSIZ */

struct stream {
  int fd;
  int writing;
  int used;                  /* bytes in buf: waiting to be written, or read ahead */
  int served;                /* of a read-ahead buffer, the bytes handed out */
  const char *path;
  char buf[STREAM_BUFFER];
};

/* Open path for writing (a new, empty file) or for reading. Ends iozone if it cannot. */
struct stream *
stream_open(const char *path, int writing)
{
  struct stream *s = malloc(sizeof(*s));
  if (s == 0)
    die("out of memory for a stream");
  s->fd = open(path, writing ? O_CREATE | O_TRUNC | O_WRONLY : O_RDONLY);
  if (s->fd < 0)
    die("cannot open %s", path);
  s->writing = writing;
  s->used = 0;
  s->served = 0;
  s->path = path;
  return s;
}

/* Hand the buffered bytes to the kernel, and with sync make sure they reach the disk. */
void
stream_flush(struct stream *s, int sync)
{
  if (s->writing && s->used > 0) {
    if (write(s->fd, s->buf, s->used) != s->used)
      die("write of a stream buffer to %s failed", s->path);
    s->used = 0;
  }
  if (sync && fsync(s->fd) < 0)
    die("fsync of %s failed", s->path);
}

void
stream_write(struct stream *s, const char *buf, int n)
{
  while (n > 0) {
    int room = STREAM_BUFFER - s->used;
    int piece = n < room ? n : room;
    memmove(s->buf + s->used, buf, piece);
    s->used += piece;
    buf += piece;
    n -= piece;
    if (s->used == STREAM_BUFFER)
      stream_flush(s, 0);
  }
}

/* Up to n bytes into buf; fewer only at the end of the file. */
int
stream_read(struct stream *s, char *buf, int n)
{
  int got = 0;

  while (got < n) {
    if (s->served == s->used) {
      s->used = read(s->fd, s->buf, STREAM_BUFFER);
      s->served = 0;
      if (s->used < 0)
        die("read of a stream buffer from %s failed", s->path);
      if (s->used == 0)
        break;
    }
    int piece = n - got < s->used - s->served ? n - got : s->used - s->served;
    memmove(buf + got, s->buf + s->served, piece);
    s->served += piece;
    got += piece;
  }
  return got;
}

void
stream_close(struct stream *s)
{
  stream_flush(s, 0);
  close(s->fd);
  free(s);
}
