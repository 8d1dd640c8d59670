/*
 * iozonecalls [TEST...]: check the system calls that iozone needs, one
 * rule per test (see handouts/iozone.md):
 *
 *   seek_set seek_cur seek_end   lseek from each origin, backwards too
 *   seek_negative                a position below 0 fails, changes nothing
 *   seek_hole                    past the end; a write there leaves zeros
 *   seek_pipe                    pipes, devices, bad whence, bad descriptors
 *   pread                        pread/pwrite leave the offset alone
 *   readv preadv                 vectored transfers, plain and positioned
 *   iovec_checks                 bad counts, lengths and pointers; no leak
 *   partial                      a write into part of a block keeps the rest
 *   fsync ftruncate              flushing, shrinking and growing a file
 *   clock select                 microsecond time and sleep
 *   unlink_open space_rounds     every block of a removed file comes back
 *
 * With no argument every test runs; otherwise only the named ones. Each
 * test runs in a child process of its own under a watchdog, in a scratch
 * file of its own, so that one that crashes or hangs cannot take the
 * others down. A test that passes prints "iozonecalls: NAME OK", followed
 * by the grader's token when there is one; one that fails says why. The
 * free-block counts assume that nothing else uses the disk meanwhile.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/time.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"

#define TEST_LIMIT 3000      /* ticks (30 s) before the watchdog kills a test */
#define BLOCK 1024           /* the file system's block size */
#define KERNEL_ADDR ((void *)TRAMPOLINE)  /* kernel code, above user memory */

static const char *test_name = "?";
static char scratch[32];     /* the test's file: "ioc.NAME" */

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("iozonecalls: %s: FAILED: ", test_name);                     \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond))                                                        \
      FAIL(__VA_ARGS__);                                                \
  } while (0)

/* Large buffers live here: the user stack is a single page. */
static char data[64 * BLOCK];
static char back[64 * BLOCK];

/* ---- file contents ---- */

/* The byte that a file written with seed holds at offset off. */
static char
pattern(int seed, int off)
{
  uint x = (uint)off * 2654435761u + (uint)seed * 40503u;
  return x >> 24;
}

static void
fill(char *buf, int seed, int off, int n)
{
  for (int i = 0; i < n; i++)
    buf[i] = pattern(seed, off + i);
}

/* The first file offset in buf[0..n), read from offset off, not holding seed's pattern; or -1. */
static int
mismatch(const char *buf, int seed, int off, int n)
{
  for (int i = 0; i < n; i++)
    if (buf[i] != pattern(seed, off + i))
      return off + i;
  return -1;
}

static int
first_nonzero(const char *buf, int off, int n)
{
  for (int i = 0; i < n; i++)
    if (buf[i] != 0)
      return off + i;
  return -1;
}

static void
expect_pattern(const char *buf, int seed, int off, int n, const char *what)
{
  int bad = mismatch(buf, seed, off, n);
  CHECK(bad < 0, "%s: the byte at file offset %d is not what was written there", what, bad);
}

static void
expect_zeros(const char *buf, int off, int n, const char *what)
{
  int bad = first_nonzero(buf, off, n);
  CHECK(bad < 0, "%s: the byte at file offset %d should read as 0", what, bad);
}

/* A new, empty scratch file, open for reading and writing. */
static int
create_scratch(void)
{
  int fd = open(scratch, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0, "cannot create %s", scratch);
  return fd;
}

/* Write n bytes of seed's pattern at the file's offset, which is off. */
static void
write_pattern(int fd, int seed, int off, int n)
{
  fill(data, seed, off, n);
  int put = write(fd, data, n);
  CHECK(put == n, "write of %d bytes at offset %d returned %d", n, off, put);
}

/* A scratch file of size bytes of seed's pattern, open, its offset at the end. */
static int
pattern_file(int seed, int size)
{
  int fd = create_scratch();
  for (int off = 0; off < size; off += sizeof(data))
    write_pattern(fd, seed, off, size - off < sizeof(data) ? size - off : sizeof(data));
  return fd;
}

static int
file_size(int fd)
{
  struct stat st;
  CHECK(fstat(fd, &st) == 0, "fstat failed");
  return st.size;
}

static void
expect_offset(int fd, int want, const char *after)
{
  int now = lseek(fd, 0, SEEK_CUR);
  CHECK(now == want, "after %s the offset is %d, not %d", after, now, want);
}

static void
expect_seek(int fd, int offset, int whence, int want, const char *call)
{
  int got = lseek(fd, offset, whence);
  CHECK(got == want, "%s returned %d, not %d", call, got, want);
}

/* Read n bytes at the offset into back; they must be seed's pattern at off. */
static void
read_expect(int fd, int seed, int off, int n, const char *what)
{
  int got = read(fd, back, n);
  CHECK(got == n, "%s: read of %d bytes returned %d", what, n, got);
  expect_pattern(back, seed, off, n, what);
}

static void
remove_scratch(int fd)
{
  if (fd >= 0)
    close(fd);
  CHECK(unlink(scratch) == 0, "cannot remove %s", scratch);
}

/* ---- the statistics device ---- */

static char stats_text[4096 + 512];

/* The number on the line "KEY N" of the statistics device. */
static int
stat_value(const char *key)
{
  int n = statistics(stats_text, sizeof(stats_text) - 1);
  CHECK(n > 0, "cannot read /statistics");
  stats_text[n] = 0;
  int len = strlen(key);
  for (char *line = stats_text; *line; ) {
    if (memcmp(line, key, len) == 0 && line[len] == ' ')
      return atoi(line + len + 1);
    char *next = strchr(line, '\n');
    if (next == 0)
      break;
    line = next + 1;
  }
  FAIL("/statistics has no line \"%s N\"", key);
}

static int
freeblocks(void)
{
  return stat_value("freeblocks");
}

static void
expect_freeblocks(int want, const char *when)
{
  int now = freeblocks();
  CHECK(now == want, "%s there are %d free blocks, not %d", when, now, want);
}

/* ---- lseek ---- */

#define RECORD 1000   /* not a multiple of the block size, on purpose */
#define RECORDS 8

/* SEEK_SET: the offset becomes the argument, which lseek returns. */
static void
test_seek_set(void)
{
  int fd = pattern_file(1, RECORD * RECORDS);
  expect_seek(fd, 1500, SEEK_SET, 1500, "lseek(fd, 1500, SEEK_SET)");
  read_expect(fd, 1, 1500, 100, "read after lseek to 1500");
  expect_offset(fd, 1600, "reading 100 bytes at 1500");
  expect_seek(fd, 0, SEEK_SET, 0, "lseek(fd, 0, SEEK_SET)");
  read_expect(fd, 1, 0, RECORD, "read after lseek to 0");
  for (int r = RECORDS - 1; r >= 0; r -= 3) {
    expect_seek(fd, r * RECORD, SEEK_SET, r * RECORD, "lseek to a record");
    read_expect(fd, 1, r * RECORD, RECORD, "read of a record");
  }
  remove_scratch(fd);
}

/*
 * SEEK_CUR moves from the offset, either way. Reading backwards as iozone
 * does: the last record, then back two records at a time from the offset
 * each read leaves.
 */
static void
test_seek_cur(void)
{
  int fd = pattern_file(2, RECORD * RECORDS);
  expect_seek(fd, 0, SEEK_CUR, RECORD * RECORDS, "lseek(fd, 0, SEEK_CUR) after writing");
  expect_seek(fd, 100, SEEK_SET, 100, "lseek(fd, 100, SEEK_SET)");
  expect_seek(fd, 300, SEEK_CUR, 400, "lseek(fd, 300, SEEK_CUR) at 100");
  read_expect(fd, 2, 400, 50, "read at 400");
  expect_seek(fd, -250, SEEK_CUR, 200, "lseek(fd, -250, SEEK_CUR) at 450");
  read_expect(fd, 2, 200, 50, "read at 200");

  expect_seek(fd, -RECORD, SEEK_END, (RECORDS - 1) * RECORD, "lseek(fd, -RECORD, SEEK_END)");
  for (int r = RECORDS - 1; r >= 0; r--) {
    read_expect(fd, 2, r * RECORD, RECORD, "reading backwards");
    if (r > 0)
      expect_seek(fd, -2 * RECORD, SEEK_CUR, (r - 1) * RECORD,
                  "lseek(fd, -2 * RECORD, SEEK_CUR) after reading a record");
  }
  remove_scratch(fd);
}

/* SEEK_END counts from the size: 0 lands at the end, where reads find nothing. */
static void
test_seek_end(void)
{
  int size = RECORD * RECORDS + 17;
  int fd = pattern_file(3, size);
  expect_seek(fd, 0, SEEK_SET, 0, "lseek(fd, 0, SEEK_SET)");
  expect_seek(fd, 0, SEEK_END, size, "lseek(fd, 0, SEEK_END)");
  CHECK(read(fd, back, 10) == 0, "read at the end of the file did not return 0");
  expect_seek(fd, -10, SEEK_END, size - 10, "lseek(fd, -10, SEEK_END)");
  read_expect(fd, 3, size - 10, 10, "read of the last 10 bytes");
  CHECK(read(fd, back, 10) == 0, "read after the last byte did not return 0");
  expect_seek(fd, -size, SEEK_END, 0, "lseek(fd, -size, SEEK_END)");
  remove_scratch(fd);
}

/* A position below 0 fails with -1 and leaves the offset where it was. */
static void
test_seek_negative(void)
{
  int size = RECORD * 2;
  int fd = pattern_file(4, size);
  expect_seek(fd, 123, SEEK_SET, 123, "lseek(fd, 123, SEEK_SET)");
  expect_seek(fd, -124, SEEK_CUR, -1, "lseek(fd, -124, SEEK_CUR) at 123");
  expect_offset(fd, 123, "a failed lseek(fd, -124, SEEK_CUR)");
  expect_seek(fd, -1, SEEK_SET, -1, "lseek(fd, -1, SEEK_SET)");
  expect_offset(fd, 123, "a failed lseek(fd, -1, SEEK_SET)");
  expect_seek(fd, -size - 1, SEEK_END, -1, "lseek(fd, -(size + 1), SEEK_END)");
  expect_offset(fd, 123, "a failed lseek(fd, -(size + 1), SEEK_END)");
  read_expect(fd, 4, 123, 10, "read after the failed lseeks");
  expect_seek(fd, -133, SEEK_CUR, 0, "lseek(fd, -133, SEEK_CUR) at 133");
  remove_scratch(fd);
}

/* Past the end is allowed; a write there leaves a hole that reads as zeros. */
static void
test_seek_hole(void)
{
  int fd = create_scratch();
  write_pattern(fd, 5, 0, 100);
  expect_seek(fd, 5 * BLOCK + 50, SEEK_SET, 5 * BLOCK + 50, "lseek past the end");
  CHECK(read(fd, back, 10) == 0, "read past the end did not return 0");
  CHECK(file_size(fd) == 100, "lseek past the end changed the size to %d", file_size(fd));
  write_pattern(fd, 5, 5 * BLOCK + 50, 100);
  CHECK(file_size(fd) == 5 * BLOCK + 150,
        "after writing 100 bytes at %d the size is %d, not %d",
        5 * BLOCK + 50, file_size(fd), 5 * BLOCK + 150);
  expect_seek(fd, 0, SEEK_SET, 0, "lseek(fd, 0, SEEK_SET)");
  int got = read(fd, back, 5 * BLOCK + 150);
  CHECK(got == 5 * BLOCK + 150, "reading the whole file returned %d", got);
  expect_pattern(back, 5, 0, 100, "the bytes before the hole");
  expect_zeros(back + 100, 100, 5 * BLOCK - 50, "the hole");
  expect_pattern(back + 5 * BLOCK + 50, 5, 5 * BLOCK + 50, 100, "the bytes after the hole");
  remove_scratch(fd);
}

/* Pipes and devices have no offset; whence must be one of the three; the fd must be open. */
static void
test_seek_pipe(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe failed");
  CHECK(lseek(fds[0], 0, SEEK_CUR) == -1, "lseek on a pipe's read end did not fail");
  CHECK(lseek(fds[1], 0, SEEK_SET) == -1, "lseek on a pipe's write end did not fail");
  close(fds[0]);
  close(fds[1]);
  CHECK(lseek(1, 0, SEEK_CUR) == -1, "lseek on the console did not fail");

  int fd = pattern_file(6, 100);
  expect_seek(fd, 10, SEEK_SET, 10, "lseek(fd, 10, SEEK_SET)");
  CHECK(lseek(fd, 0, 3) == -1, "lseek with whence 3 did not fail");
  CHECK(lseek(fd, 5, -1) == -1, "lseek with whence -1 did not fail");
  expect_offset(fd, 10, "lseeks with a bad whence");
  CHECK(lseek(-1, 0, SEEK_SET) == -1, "lseek(-1, ...) did not fail");
  CHECK(lseek(99, 0, SEEK_SET) == -1, "lseek(99, ...) did not fail");
  remove_scratch(fd);
  CHECK(lseek(fd, 0, SEEK_SET) == -1, "lseek on a closed descriptor did not fail");
}

/* ---- positioned transfers ---- */

/* pread and pwrite work at their offset and leave the file's offset alone. */
static void
test_pread(void)
{
  int size = 8 * BLOCK;
  int fd = pattern_file(7, size);
  expect_seek(fd, 100, SEEK_SET, 100, "lseek(fd, 100, SEEK_SET)");
  int got = pread(fd, back, 500, 3000);
  CHECK(got == 500, "pread of 500 bytes at 3000 returned %d", got);
  expect_pattern(back, 7, 3000, 500, "pread at 3000");
  expect_offset(fd, 100, "pread");

  fill(data, 8, 6000, 300);
  got = pwrite(fd, data, 300, 6000);
  CHECK(got == 300, "pwrite of 300 bytes at 6000 returned %d", got);
  expect_offset(fd, 100, "pwrite");
  got = pread(fd, back, 300, 6000);
  CHECK(got == 300, "pread of what pwrite wrote returned %d", got);
  expect_pattern(back, 8, 6000, 300, "pread after pwrite");
  read_expect(fd, 7, 100, 100, "read at the offset after pread and pwrite");

  CHECK(pread(fd, back, 100, size - 40) == 40, "pread across the end did not return 40");
  CHECK(pread(fd, back, 100, size) == 0, "pread at the end did not return 0");
  CHECK(pread(fd, back, 10, -1) == -1, "pread at offset -1 did not fail");
  CHECK(pwrite(fd, data, 10, -1) == -1, "pwrite at offset -1 did not fail");
  CHECK(file_size(fd) == size, "failed calls changed the size");
  remove_scratch(fd);

  fd = open(scratch, O_CREATE | O_WRONLY);
  CHECK(fd >= 0, "cannot create %s", scratch);
  CHECK(pread(fd, back, 10, 0) == -1, "pread on a write-only descriptor did not fail");
  close(fd);
  fd = open(scratch, O_RDONLY);
  CHECK(pwrite(fd, data, 10, 0) == -1, "pwrite on a read-only descriptor did not fail");
  remove_scratch(fd);

  int fds[2];
  CHECK(pipe(fds) == 0, "pipe failed");
  CHECK(pwrite(fds[1], data, 10, 0) == -1, "pwrite on a pipe did not fail");
  CHECK(pread(fds[0], back, 10, 0) == -1, "pread on a pipe did not fail");
  close(fds[0]);
  close(fds[1]);
}

/* ---- vectored transfers ---- */

/* writev gathers, readv scatters, both from the file's offset, which moves. */
static void
test_readv(void)
{
  int fd = create_scratch();
  fill(data, 9, 0, 1000);
  struct iovec out[3] = {
    { data, 100 }, { data + 100, 0 }, { data + 100, 900 },
  };
  int got = writev(fd, out, 3);
  CHECK(got == 1000, "writev of 100 + 0 + 900 bytes returned %d", got);
  expect_offset(fd, 1000, "writev");
  write_pattern(fd, 9, 1000, 24);

  expect_seek(fd, 0, SEEK_SET, 0, "lseek(fd, 0, SEEK_SET)");
  memset(back, 0, 2000);
  struct iovec in[3] = {
    { back + 1500, 300 }, { back, 500 }, { back + 600, 400 },
  };
  got = readv(fd, in, 3);
  CHECK(got == 1024, "readv of 300 + 500 + 400 bytes from a 1024-byte file returned %d", got);
  expect_pattern(back + 1500, 9, 0, 300, "readv's first buffer");
  expect_pattern(back, 9, 300, 500, "readv's second buffer");
  expect_pattern(back + 600, 9, 800, 224, "readv's third buffer");
  expect_offset(fd, 1024, "readv to the end");
  CHECK(readv(fd, in, 3) == 0, "readv at the end did not return 0");
  CHECK(readv(fd, in, 0) == 0, "readv of no buffers did not return 0");
  remove_scratch(fd);

  int fds[2];
  fill(data, 9, 0, 100);
  CHECK(pipe(fds) == 0, "pipe failed");
  CHECK(writev(fds[1], out, 2) == 100, "writev of 100 + 0 bytes into a pipe did not return 100");
  struct iovec one = { back, 100 };
  CHECK(readv(fds[0], &one, 1) == 100, "readv of 100 bytes from a pipe did not return 100");
  expect_pattern(back, 9, 0, 100, "readv from a pipe");
  close(fds[0]);
  close(fds[1]);
}

/* pwritev and preadv work at their offset and leave the file's offset alone. */
static void
test_preadv(void)
{
  int fd = pattern_file(10, 4 * BLOCK);
  expect_seek(fd, 10, SEEK_SET, 10, "lseek(fd, 10, SEEK_SET)");
  fill(data, 11, 2000, 3000);
  struct iovec out[2] = { { data, 1000 }, { data + 1000, 2000 } };
  int got = pwritev(fd, out, 2, 2000);
  CHECK(got == 3000, "pwritev of 1000 + 2000 bytes at 2000 returned %d", got);
  expect_offset(fd, 10, "pwritev");
  CHECK(file_size(fd) == 5000, "pwritev to 5000 left the size %d", file_size(fd));

  struct iovec in[3] = { { back, 10 }, { back + 10, 2990 }, { back + 3000, 1000 } };
  got = preadv(fd, in, 3, 1990);
  CHECK(got == 3010, "preadv of 4000 bytes at 1990 from a 5000-byte file returned %d", got);
  expect_pattern(back, 10, 1990, 10, "preadv's first buffer");
  expect_pattern(back + 10, 11, 2000, 2990, "preadv's second buffer");
  expect_pattern(back + 3000, 11, 4990, 10, "preadv's third buffer");
  expect_offset(fd, 10, "preadv");
  CHECK(preadv(fd, in, 3, -1) == -1, "preadv at offset -1 did not fail");
  CHECK(pwritev(fd, out, 2, -1) == -1, "pwritev at offset -1 did not fail");
  remove_scratch(fd);
}

/* Counts, lengths and every buffer's pointer are checked before anything moves; nothing leaks. */
static void
test_iovec_checks(void)
{
  int fd = create_scratch();
  int pages = stat_value("freepages");
  struct iovec v[3] = { { data, 10 }, { data + 10, 10 }, { data + 20, 10 } };
  for (int round = 0; round < 50; round++) {
    CHECK(writev(fd, v, -1) == -1, "writev with iovcnt -1 did not fail");
    CHECK(writev(fd, v, IOV_MAX + 1) == -1, "writev with iovcnt IOV_MAX + 1 did not fail");
    CHECK(writev(fd, KERNEL_ADDR, 1) == -1, "writev of an iovec array at a kernel address "
          "did not fail");
    CHECK(readv(fd, (struct iovec *)(MAXVA + PGSIZE), 2) == -1,
          "readv of an iovec array past the end of the address space did not fail");
    CHECK(pwritev(fd, v, 3, round * 30) == 30, "pwritev of 3 buffers of 10 bytes failed");
  }
  CHECK(stat_value("freepages") == pages, "50 rounds of vectored calls lost %d pages",
        pages - stat_value("freepages"));
  CHECK(ftruncate(fd, 0) == 0, "ftruncate(fd, 0) failed");
  expect_seek(fd, 0, SEEK_SET, 0, "lseek(fd, 0, SEEK_SET)");

  v[1].iov_base = KERNEL_ADDR;
  CHECK(writev(fd, v, 3) == -1, "writev whose second buffer is at a kernel address did not fail");
  CHECK(file_size(fd) == 0, "writev with a bad second buffer wrote its first one");
  CHECK(readv(fd, v, 3) == -1, "readv whose second buffer is at a kernel address did not fail");
  v[1].iov_base = (void *)(MAXUVA - 5);
  CHECK(writev(fd, v, 3) == -1, "writev whose second buffer runs past the user address "
        "space did not fail");
  v[1].iov_base = data + 10;
  v[1].iov_len = 0x80000000UL;
  CHECK(writev(fd, v, 3) == -1, "writev of a buffer of 2^31 bytes did not fail");
  v[0].iov_len = v[1].iov_len = v[2].iov_len = 0x30000000;
  CHECK(readv(fd, v, 3) == -1, "readv of 3 * 0x30000000 bytes (more than an int) did not fail");
  CHECK(file_size(fd) == 0, "failed vectored calls changed the file");

  /* A buffer in user space but not in memory: what comes before it may move. */
  v[0].iov_len = v[1].iov_len = v[2].iov_len = 10;
  v[1].iov_base = sbrk(0) + 64 * PGSIZE;
  int got = writev(fd, v, 3);
  CHECK(got == -1 || got == 10, "writev whose second buffer is unmapped returned %d", got);
  remove_scratch(fd);
}

/* ---- blocks ---- */

#define STRIDE 17            /* records, as iozone's stride read */
#define STRIDE_RECORD 300    /* bytes: records share blocks */
#define STRIDE_RECORDS 64

/*
 * A write into part of a block keeps the rest of the block. iozone's
 * stride read finds out: records smaller than a block, written in order,
 * then read 17 records apart.
 */
static void
test_partial(void)
{
  int fd = pattern_file(12, 4 * BLOCK);
  fill(data, 13, 1000, 100);
  CHECK(pwrite(fd, data, 100, 1000) == 100, "pwrite of 100 bytes at 1000 failed");
  expect_seek(fd, 2500, SEEK_SET, 2500, "lseek(fd, 2500, SEEK_SET)");
  write_pattern(fd, 13, 2500, 10);
  expect_seek(fd, 0, SEEK_SET, 0, "lseek(fd, 0, SEEK_SET)");
  CHECK(read(fd, back, 4 * BLOCK) == 4 * BLOCK, "cannot read the file back");
  expect_pattern(back, 12, 0, 1000, "before the first partial write");
  expect_pattern(back + 1000, 13, 1000, 100, "the first partial write");
  expect_pattern(back + 1100, 12, 1100, 1400, "between the partial writes");
  expect_pattern(back + 2500, 13, 2500, 10, "the second partial write");
  expect_pattern(back + 2510, 12, 2510, 4 * BLOCK - 2510, "after the partial writes");
  remove_scratch(fd);

  fd = create_scratch();
  for (int r = 0; r < STRIDE_RECORDS; r++)
    write_pattern(fd, 14, r * STRIDE_RECORD, STRIDE_RECORD);
  int r = 0;
  for (int done = 0; done < STRIDE_RECORDS; done++) {
    expect_seek(fd, r * STRIDE_RECORD, SEEK_SET, r * STRIDE_RECORD, "lseek to a record");
    read_expect(fd, 14, r * STRIDE_RECORD, STRIDE_RECORD, "a stride read after partial writes");
    r = (r + STRIDE) % STRIDE_RECORDS;
  }
  remove_scratch(fd);
}

/* fsync flushes a file; pipes and bad descriptors fail. */
static void
test_fsync(void)
{
  int fd = pattern_file(15, 3 * BLOCK);
  CHECK(fsync(fd) == 0, "fsync of a file just written failed");
  CHECK(pread(fd, back, 3 * BLOCK, 0) == 3 * BLOCK, "cannot read the file after fsync");
  expect_pattern(back, 15, 0, 3 * BLOCK, "the file after fsync");
  close(fd);
  fd = open(scratch, O_RDONLY);
  CHECK(fsync(fd) == 0, "fsync of a file open read-only failed");
  remove_scratch(fd);
  CHECK(fsync(fd) == -1, "fsync of a closed descriptor did not fail");
  CHECK(fsync(-1) == -1, "fsync(-1) did not fail");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe failed");
  CHECK(fsync(fds[1]) == -1, "fsync of a pipe did not fail");
  close(fds[0]);
  close(fds[1]);
}

/*
 * ftruncate shrinks a file, freeing its blocks past the end and zeroing
 * the rest of the last one, or grows it with a hole; the offset stays.
 */
static void
test_ftruncate(void)
{
  int before = freeblocks();
  int fd = pattern_file(16, 10 * BLOCK);
  int full = freeblocks();
  expect_seek(fd, 100, SEEK_SET, 100, "lseek(fd, 100, SEEK_SET)");
  CHECK(ftruncate(fd, 3000) == 0, "ftruncate(fd, 3000) failed");
  CHECK(file_size(fd) == 3000, "after ftruncate(fd, 3000) the size is %d", file_size(fd));
  expect_offset(fd, 100, "ftruncate");
  expect_freeblocks(full + 7, "after ftruncate from 10 blocks to 3000 bytes (3 blocks)");

  CHECK(ftruncate(fd, 6000) == 0, "ftruncate(fd, 6000) failed");
  CHECK(file_size(fd) == 6000, "after ftruncate(fd, 6000) the size is %d", file_size(fd));
  CHECK(pread(fd, back, 7000, 0) == 6000, "reading the grown file did not return 6000 bytes");
  expect_pattern(back, 16, 0, 3000, "what ftruncate kept");
  expect_zeros(back + 3000, 3000, 3000, "what ftruncate added after shrinking");

  CHECK(ftruncate(fd, 40 * BLOCK) == 0, "ftruncate(fd, 40 blocks) failed");
  CHECK(pwrite(fd, data, 100, 39 * BLOCK) == 100, "pwrite at the end of the grown file failed");
  CHECK(ftruncate(fd, 5000) == 0, "ftruncate(fd, 5000) failed");
  CHECK(ftruncate(fd, -1) == -1, "ftruncate(fd, -1) did not fail");
  CHECK(file_size(fd) == 5000, "after a failed ftruncate the size is %d", file_size(fd));
  CHECK(ftruncate(fd, 0) == 0, "ftruncate(fd, 0) failed");
  CHECK(file_size(fd) == 0, "after ftruncate(fd, 0) the size is %d", file_size(fd));
  expect_freeblocks(before, "after ftruncate(fd, 0)");
  close(fd);

  fd = open(scratch, O_RDONLY);
  CHECK(ftruncate(fd, 10) == -1, "ftruncate of a file open read-only did not fail");
  remove_scratch(fd);
  fd = open(".", O_RDONLY);
  CHECK(ftruncate(fd, 0) == -1, "ftruncate of a directory did not fail");
  close(fd);
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe failed");
  CHECK(ftruncate(fds[1], 0) == -1, "ftruncate of a pipe did not fail");
  close(fds[0]);
  close(fds[1]);
  expect_freeblocks(before, "at the end");
}

/* ---- time ---- */

#define USECS_PER_SEC 1000000L
#define USECS_PER_TICK 10000L

static long
usecs_now(void)
{
  struct timeval tv;
  CHECK(gettimeofday(&tv, 0) == 0, "gettimeofday failed");
  CHECK(tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < USECS_PER_SEC,
        "gettimeofday gave %ld s %ld us", tv.tv_sec, tv.tv_usec);
  return tv.tv_sec * USECS_PER_SEC + tv.tv_usec;
}

/* Microseconds since boot: they never go back, they see less than a tick, they follow sleep. */
static void
test_clock(void)
{
  long last = usecs_now();
  int finer_than_ticks = 0;
  for (int i = 0; i < 2000; i++) {
    long now = usecs_now();
    CHECK(now >= last, "gettimeofday went back from %ld us to %ld us", last, now);
    if (now % USECS_PER_TICK != 0)
      finer_than_ticks = 1;
    last = now;
  }
  CHECK(finer_than_ticks, "2000 readings of gettimeofday were all whole ticks: it must "
        "read the time CSR, which counts microseconds");
  long start = usecs_now();
  sleep(5);
  long slept = usecs_now() - start;
  CHECK(slept >= 4 * USECS_PER_TICK, "sleep(5) took only %ld us by gettimeofday", slept);
  CHECK(gettimeofday(KERNEL_ADDR, 0) == -1, "gettimeofday into kernel memory did not fail");
  CHECK(gettimeofday((struct timeval *)(MAXVA + PGSIZE), 0) == -1,
        "gettimeofday past the end of the address space did not fail");
}

static int
select_for(long sec, long usec)
{
  struct timeval tv = { sec, usec };
  return select(0, 0, 0, 0, &tv);
}

/* select(0, 0, 0, 0, &tv) sleeps at least tv, to the microsecond; bad forms fail; kill ends it. */
static void
test_select(void)
{
  CHECK(select_for(0, 0) == 0, "select with a zero timeout did not return 0");
  long waits[] = { 1, 300, 2500, 20000, 120000 };
  for (int i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
    long start = usecs_now();
    CHECK(select_for(0, waits[i]) == 0, "select for %ld us did not return 0", waits[i]);
    long took = usecs_now() - start;
    CHECK(took >= waits[i], "select for %ld us returned after %ld us", waits[i], took);
  }
  CHECK(select_for(0, USECS_PER_SEC) == -1, "select with tv_usec 1000000 did not fail");
  CHECK(select_for(0, -1) == -1, "select with tv_usec -1 did not fail");
  CHECK(select_for(-1, 0) == -1, "select with tv_sec -1 did not fail");
  CHECK(select(0, 0, 0, 0, 0) == -1, "select with no timeout and no descriptors did not fail");
  CHECK(select(0, 0, 0, 0, KERNEL_ADDR) == -1, "select with a timeout in kernel memory "
        "did not fail");
  struct timeval tv = { 0, 10 };
  CHECK(select(1, data, 0, 0, &tv) == -1, "select with a descriptor set did not fail");
  CHECK(select(-1, 0, 0, 0, &tv) == -1, "select with nfds -1 did not fail");

  int pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    select_for(100, 0);
    exit(0);
  }
  sleep(2);
  kill(pid);
  CHECK(wait(0) == pid, "wait for the killed child failed");
}

/* ---- space ---- */

#define BIG (100 * BLOCK)    /* bytes: past the direct blocks */

/* An unlinked file lives while it is open; the last close frees every block. */
static void
test_unlink_open(void)
{
  int before = freeblocks();
  int fd = pattern_file(17, BIG);
  int written = freeblocks();
  CHECK(written <= before - BIG / BLOCK, "a %d-block file took only %d blocks",
        BIG / BLOCK, before - written);
  int second = dup(fd);
  CHECK(unlink(scratch) == 0, "cannot unlink %s while it is open", scratch);
  CHECK(open(scratch, O_RDONLY) < 0, "%s can be opened after unlink", scratch);
  expect_freeblocks(written, "after unlink of a file that is still open");
  for (int off = 0; off < BIG; off += BLOCK) {
    CHECK(pread(fd, back, BLOCK, off) == BLOCK, "cannot read the unlinked file at %d", off);
    expect_pattern(back, 17, off, BLOCK, "the unlinked file");
  }
  write_pattern(fd, 17, BIG, 20 * BLOCK);
  close(fd);
  CHECK(pread(second, back, 10, BIG + 10) == 10, "cannot read the unlinked file through dup");
  expect_pattern(back, 17, BIG + 10, 10, "the unlinked file through dup");
  CHECK(freeblocks() < written, "writing to the unlinked file took no blocks");
  close(second);
  expect_freeblocks(before, "after the last close of an unlinked file");
}

#define ROUNDS 12

/* Rounds of create, write, remove leave the free-block count where it started. */
static void
test_space_rounds(void)
{
  int before = freeblocks();
  for (int round = 0; round < ROUNDS; round++) {
    int fd = pattern_file(round, BIG + round * 3 * BLOCK + round);
    if (round % 3 == 0) {
      remove_scratch(fd);
      continue;
    }
    if (round % 3 == 1) {
      CHECK(unlink(scratch) == 0, "cannot unlink %s", scratch);
      close(fd);
      continue;
    }
    close(fd);
    fd = open(scratch, O_RDWR | O_TRUNC);
    CHECK(fd >= 0 && file_size(fd) == 0, "open with O_TRUNC did not empty %s", scratch);
    write_pattern(fd, round, 0, 10 * BLOCK);
    remove_scratch(fd);
  }
  expect_freeblocks(before, "after rounds of create, write and remove");
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "seek_set", test_seek_set },
  { "seek_cur", test_seek_cur },
  { "seek_end", test_seek_end },
  { "seek_negative", test_seek_negative },
  { "seek_hole", test_seek_hole },
  { "seek_pipe", test_seek_pipe },
  { "pread", test_pread },
  { "readv", test_readv },
  { "preadv", test_preadv },
  { "iovec_checks", test_iovec_checks },
  { "partial", test_partial },
  { "fsync", test_fsync },
  { "ftruncate", test_ftruncate },
  { "clock", test_clock },
  { "select", test_select },
  { "unlink_open", test_unlink_open },
  { "space_rounds", test_space_rounds },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Run one test in a child, under a watchdog; return whether it passed. */
static int
run_test(const struct test *t, const char *token)
{
  int pid = fork();
  if (pid < 0) {
    printf("iozonecalls: %s: FAILED: fork failed\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_name = t->name;
    strcpy(scratch, "ioc.");
    strcpy(scratch + 4, t->name);
    t->run();
    exit(0);
  }
  int watchdog = fork();
  if (watchdog == 0) {
    sleep(TEST_LIMIT);
    exit(0);
  }
  int status = -1;
  int first = wait(&status);
  if (first == watchdog) {
    kill(pid);
    wait(0);
    printf("iozonecalls: %s: FAILED: still running after %d ticks\n", t->name, TEST_LIMIT);
    return 0;
  }
  if (watchdog > 0) {
    kill(watchdog);
    wait(0);
  }
  if (status != 0) {
    /* exit(1) came with an explanation; anything else is a crash. */
    if (status != 1)
      printf("iozonecalls: %s: FAILED: the test process died (exit status %d)\n",
             t->name, status);
    return 0;
  }
  printf("iozonecalls: %s OK%s%s\n", t->name, *token ? " " : "", token);
  return 1;
}

static const struct test *
find_test(const char *name)
{
  for (int i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

int
main(int argc, char *argv[])
{
  char token[64];
  int failed = 0;

  for (int i = 1; i < argc; i++) {
    if (find_test(argv[i]) == 0) {
      fprintf(2, "iozonecalls: no test called %s; the tests are:", argv[i]);
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
    printf("iozonecalls: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
