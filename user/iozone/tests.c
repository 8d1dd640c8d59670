/*
 * The measurements, and one function per kind of access. Each runs over
 * the whole file, a record at a time, and returns the microseconds it
 * took: from the first transfer to the last, plus the fsync (with -e) and
 * the close (with -c) that the options put inside the timing. Every
 * record read is checked against what was last written there (verify.c);
 * any failure of a system call ends iozone with the offset it was at.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/iozone/iozone.h"

/* The order of the table's columns and of throughput mode's blocks. */
const struct phase phases[] = {
  { 0, WRITE_SEQUENTIAL, 1, 1, "", "write", 10, "initial writers" },
  { 0, WRITE_SEQUENTIAL, 0, 1, "", "rewrite", 10, "rewriters" },
  { 1, READ_SEQUENTIAL, 0, 1, "", "read", 10, "readers" },
  { 1, READ_SEQUENTIAL, 0, 1, "", "reread", 10, "re-readers" },
  { 2, READ_RANDOM, 0, 1, "random", "read", 10, "random readers" },
  { 2, WRITE_RANDOM, 0, 1, "random", "write", 10, "random writers" },
  { 3, READ_BACKWARD, 0, 1, "bkwd", "read", 10, "reverse readers" },
  { 4, REWRITE_RECORD, 0, 1, "record", "rewrite", 11, "record rewriters" },
  { 5, READ_STRIDE, 0, 1, "stride", "read", 11, "stride readers" },
  { 6, WRITE_STREAM, 1, 1, "", "fwrite", 10, "fwriters" },
  { 6, WRITE_STREAM, 1, 0, "", "frewrite", 10, "frewriters" },
  { 7, READ_STREAM, 0, 1, "", "fread", 10, "freaders" },
  { 7, READ_STREAM, 0, 0, "", "freread", 10, "frereaders" },
  { 8, MIXED, 0, 1, "mixed", "workload", 10, "mixed workload" },
  { 9, WRITE_POSITIONED, 1, 1, "", "pwrite", 10, "pwrite writers" },
  { 9, WRITE_POSITIONED, 0, 0, "", "repwrite", 10, "re-pwrite writers" },
  { 10, READ_POSITIONED, 0, 1, "", "pread", 10, "pread readers" },
  { 10, READ_POSITIONED, 0, 0, "", "repread", 10, "re-pread readers" },
  { 11, WRITE_VECTORED, 1, 1, "", "pwritev", 10, "pwritev writers" },
  { 11, WRITE_VECTORED, 0, 0, "", "repwritev", 11, "re-pwritev writers" },
  { 12, READ_VECTORED, 0, 1, "", "preadv", 10, "preadv readers" },
  { 12, READ_VECTORED, 0, 0, "", "repreadv", 10, "re-preadv readers" },
};

const int nphases = sizeof(phases) / sizeof(phases[0]);

/* pwritev and preadv move each record as this many buffers. */
#define VECTORS 4

/* ---- opening, and the end of the timing ---- */

static int
open_file(struct job *job, int flags)
{
  int fd = open(job->path, flags);
  if (fd < 0)
    die("cannot open %s", job->path);
  return fd;
}

/* A write measurement starts from an empty file, or goes over the one there. */
static int
open_for_writing(struct job *job, const struct phase *ph)
{
  if (!ph->fresh)
    return open_file(job, O_WRONLY);
  file_state_init(job->state, job->records);
  return open_file(job, O_CREATE | O_TRUNC | O_WRONLY);
}

/* Stop the clock started at start, counting the fsync (-e) and close (-c) the options ask for. */
static long
finish(struct job *job, int fd, int wrote, long start)
{
  if (wrote && job->opt->fsync_in_timing && fsync(fd) < 0)
    die("fsync of %s failed", job->path);
  if (job->opt->close_in_timing)
    close(fd);
  long taken = usecs_now() - start;
  if (!job->opt->close_in_timing)
    close(fd);
  job->moved_bytes = (long)job->records * job->record_bytes;
  return taken;
}

/* ---- one record ---- */

static long
offset_of(struct job *job, int record)
{
  return (long)record * job->record_bytes;
}

/* Put the file's offset at record's start with lseek(offset, whence), which must land there. */
static void
seek_to(struct job *job, int fd, int record, long offset, int whence)
{
  long got = lseek(fd, offset, whence);
  if (got != offset_of(job, record))
    die("lseek(%ld, %s) in %s returned %ld, not offset %ld", offset,
        whence == SEEK_SET ? "SEEK_SET" : whence == SEEK_CUR ? "SEEK_CUR" : "SEEK_END",
        job->path, got, offset_of(job, record));
}

/* Write record at the file's offset, as a new version. */
static void
write_record(struct job *job, int fd, int record, uint version)
{
  fill_record(job, record, version);
  int put = write(fd, job->record, job->record_bytes);
  if (put != job->record_bytes)
    die("write at offset %ld of %s returned %d", offset_of(job, record), job->path, put);
  job->state->versions[record] = version;
}

/* Read record at the file's offset, and check it. */
static void
read_record(struct job *job, int fd, int record, const char *what)
{
  int got = read(fd, job->record, job->record_bytes);
  if (got != job->record_bytes)
    die("read at offset %ld of %s returned %d", offset_of(job, record), job->path, got);
  verify_record(job, record, what);
}

/* The records in an order of their own for each file and measurement: a shuffle. */
static int *
shuffled(struct job *job, uint seed)
{
  int *order = malloc(job->records * sizeof(int));
  if (order == 0)
    die("out of memory for %d records", job->records);
  uint x = seed * 2654435761u + job->owner * 40503u + 1;
  for (int i = 0; i < job->records; i++)
    order[i] = i;
  for (int i = job->records - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    int j = x % (i + 1);
    int keep = order[i];
    order[i] = order[j];
    order[j] = keep;
  }
  return order;
}

/* ---- sequential ---- */

static long
write_sequential(struct job *job, const struct phase *ph)
{
  int fd = open_for_writing(job, ph);
  uint version = new_version(job);
  long start = usecs_now();
  for (int r = 0; r < job->records; r++)
    write_record(job, fd, r, version);
  job->state->complete = 1;
  return finish(job, fd, 1, start);
}

static long
read_sequential(struct job *job, const struct phase *ph)
{
  int fd = open_file(job, O_RDONLY);
  long start = usecs_now();
  for (int r = 0; r < job->records; r++)
    read_record(job, fd, r, ph->label);
  return finish(job, fd, 0, start);
}

/* ---- random, and both at once ---- */

/* Every record once, in a shuffled order: reading, writing, or (mixed) every other one each. */
static long
random_access(struct job *job, const struct phase *ph, int writes, int reads)
{
  int *order = shuffled(job, ph->action);
  int fd = open_file(job, writes ? (reads ? O_RDWR : O_WRONLY) : O_RDONLY);
  uint version = new_version(job);
  long start = usecs_now();
  for (int i = 0; i < job->records; i++) {
    int r = order[i];
    seek_to(job, fd, r, offset_of(job, r), SEEK_SET);
    if (writes && (!reads || i % 2 == 1))
      write_record(job, fd, r, version);
    else
      read_record(job, fd, r, ph->label);
  }
  long taken = finish(job, fd, writes, start);
  free(order);
  return taken;
}

/* ---- backward, one record over, and strided ---- */

/* From the last record to the first: after each read, back two records from where it left off. */
static long
read_backward(struct job *job, const struct phase *ph)
{
  int fd = open_file(job, O_RDONLY);
  long start = usecs_now();
  int last = job->records - 1;
  seek_to(job, fd, last, -(long)job->record_bytes, SEEK_END);
  for (int r = last; r >= 0; r--) {
    read_record(job, fd, r, ph->label);
    if (r > 0)
      seek_to(job, fd, r - 1, -2L * job->record_bytes, SEEK_CUR);
  }
  return finish(job, fd, 0, start);
}

/* The same record, in the middle of the file, written once for every record of the file. */
static long
rewrite_record(struct job *job, const struct phase *ph)
{
  int fd = open_file(job, O_RDWR);
  int r = job->records / 2;
  long start = usecs_now();
  for (int i = 0; i < job->records; i++) {
    seek_to(job, fd, r, offset_of(job, r), SEEK_SET);
    write_record(job, fd, r, new_version(job));
  }
  long taken = finish(job, fd, 1, start);
  fd = open_file(job, O_RDONLY);
  seek_to(job, fd, r, offset_of(job, r), SEEK_SET);
  read_record(job, fd, r, ph->label);
  close(fd);
  return taken;
}

/*
 * Records STRIDE_RECORDS apart, wrapping around at the end: from each
 * read forward with SEEK_CUR, and after a wrap from the start with
 * SEEK_SET. When the stride divides the number of records, one lap does
 * not reach them all; the next lap starts a record later.
 */
static long
read_stride(struct job *job, const struct phase *ph)
{
  int fd = open_file(job, O_RDONLY);
  int lap_start = 0, r = 0;
  long start = usecs_now();
  for (int done = 0; done < job->records; done++) {
    read_record(job, fd, r, ph->label);
    int next = r + STRIDE_RECORDS;
    if (next < job->records) {
      seek_to(job, fd, next, (STRIDE_RECORDS - 1L) * job->record_bytes, SEEK_CUR);
    } else {
      next %= job->records;
      if (next == lap_start)
        next = ++lap_start;
      if (done + 1 < job->records)
        seek_to(job, fd, next, offset_of(job, next), SEEK_SET);
    }
    r = next;
  }
  return finish(job, fd, 0, start);
}

/* ---- through a buffered stream ---- */

static long
write_stream(struct job *job, const struct phase *ph)
{
  struct stream *s = stream_open(job->path, 1);
  file_state_init(job->state, job->records);
  uint version = new_version(job);
  long start = usecs_now();
  for (int r = 0; r < job->records; r++) {
    fill_record(job, r, version);
    stream_write(s, job->record, job->record_bytes);
    job->state->versions[r] = version;
  }
  if (job->opt->fsync_in_timing)
    stream_flush(s, 1);
  if (job->opt->close_in_timing)
    stream_close(s);
  long taken = usecs_now() - start;
  if (!job->opt->close_in_timing)
    stream_close(s);
  job->state->complete = 1;
  job->moved_bytes = (long)job->records * job->record_bytes;
  return taken;
}

static long
read_stream(struct job *job, const struct phase *ph)
{
  struct stream *s = stream_open(job->path, 0);
  long start = usecs_now();
  for (int r = 0; r < job->records; r++) {
    int got = stream_read(s, job->record, job->record_bytes);
    if (got != job->record_bytes)
      die("fread at offset %ld of %s returned %d", offset_of(job, r), job->path, got);
    verify_record(job, r, ph->label);
  }
  if (job->opt->close_in_timing)
    stream_close(s);
  long taken = usecs_now() - start;
  if (!job->opt->close_in_timing)
    stream_close(s);
  job->moved_bytes = (long)job->records * job->record_bytes;
  return taken;
}

/* ---- positioned: pwrite and pread, pwritev and preadv ---- */

/* The record buffer as VECTORS buffers of equal size. */
static void
split_record(struct job *job, struct iovec *v)
{
  int piece = job->record_bytes / VECTORS;
  for (int i = 0; i < VECTORS; i++) {
    v[i].iov_base = job->record + i * piece;
    v[i].iov_len = i < VECTORS - 1 ? piece : job->record_bytes - i * piece;
  }
}

/* Every record in order, each at its own offset, the file's offset never used. */
static long
write_positioned(struct job *job, const struct phase *ph, int vectored)
{
  struct iovec v[VECTORS];
  split_record(job, v);
  int fd = open_for_writing(job, ph);
  uint version = new_version(job);
  long start = usecs_now();
  for (int r = 0; r < job->records; r++) {
    fill_record(job, r, version);
    int put = vectored ? pwritev(fd, v, VECTORS, offset_of(job, r))
                       : pwrite(fd, job->record, job->record_bytes, offset_of(job, r));
    if (put != job->record_bytes)
      die("%s at offset %ld of %s returned %d", vectored ? "pwritev" : "pwrite",
          offset_of(job, r), job->path, put);
    job->state->versions[r] = version;
  }
  job->state->complete = 1;
  return finish(job, fd, 1, start);
}

static long
read_positioned(struct job *job, const struct phase *ph, int vectored)
{
  struct iovec v[VECTORS];
  split_record(job, v);
  int fd = open_file(job, O_RDONLY);
  long start = usecs_now();
  for (int r = 0; r < job->records; r++) {
    int got = vectored ? preadv(fd, v, VECTORS, offset_of(job, r))
                       : pread(fd, job->record, job->record_bytes, offset_of(job, r));
    if (got != job->record_bytes)
      die("%s at offset %ld of %s returned %d", vectored ? "preadv" : "pread",
          offset_of(job, r), job->path, got);
    verify_record(job, r, ph->label);
  }
  return finish(job, fd, 0, start);
}

/* ---- running one ---- */

/*
 * Before a measurement that reads, or goes over what is there: a file
 * written whole, untimed, unless a measurement before it did that.
 */
void
prepare_phase(struct job *job, const struct phase *ph)
{
  static const struct phase first_write = { 0, WRITE_SEQUENTIAL, 1, 1, "", "write", 10, "" };

  if (!ph->fresh && !job->state->complete)
    write_sequential(job, &first_write);
}

/* Run one measurement over job's file (prepared first if need be); the microseconds it took. */
long
run_phase(struct job *job, const struct phase *ph)
{
  prepare_phase(job, ph);
  switch (ph->action) {
  case WRITE_SEQUENTIAL:
    return write_sequential(job, ph);
  case READ_SEQUENTIAL:
    return read_sequential(job, ph);
  case READ_RANDOM:
    return random_access(job, ph, 0, 1);
  case WRITE_RANDOM:
    return random_access(job, ph, 1, 0);
  case MIXED:
    return random_access(job, ph, 1, 1);
  case READ_BACKWARD:
    return read_backward(job, ph);
  case REWRITE_RECORD:
    return rewrite_record(job, ph);
  case READ_STRIDE:
    return read_stride(job, ph);
  case WRITE_STREAM:
    return write_stream(job, ph);
  case READ_STREAM:
    return read_stream(job, ph);
  case WRITE_POSITIONED:
    return write_positioned(job, ph, 0);
  case READ_POSITIONED:
    return read_positioned(job, ph, 0);
  case WRITE_VECTORED:
    return write_positioned(job, ph, 1);
  case READ_VECTORED:
    return read_positioned(job, ph, 1);
  }
  die("no measurement does action %d", ph->action);
}

void
remove_file(struct job *job)
{
  if (unlink(job->path) < 0)
    die("cannot remove %s", job->path);
}
