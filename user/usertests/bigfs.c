/*
 * Big files and a full file system: the largest possible file, blocks and
 * inodes coming back after unlink, and clean failure when the disk or the
 * inode table is full.
 */
#include "user/usertests/usertests.h"

#if LAB_BIGFILE
/*
 * With large files, a file of MAXFILE blocks is tens of megabytes, and
 * the disk is sized for one; the bigfile program writes one and fills the
 * disk (so fulldisk is not here). Here a big file is what the
 * singly-indirect block maps (the lab's starter writes that much too),
 * and that unlink gives its blocks back is checked by the count of free
 * blocks.
 */
#define BIGBLOCKS (NDIRECT + NINDIRECT)
#else
#define BIGBLOCKS MAXFILE
#endif
#define MAXBYTES ((int)(BIGBLOCKS * BSIZE))
#define BIGFILE "ut_bigfile"

/* Append up to limit pattern bytes to fd; returns how many writes accepted. */
static int write_pattern(int fd, int seed, int limit)
{
  int done = 0;
  while (done < limit) {
    int n = limit - done < SCRATCH ? limit - done : SCRATCH;
    fill_pattern(scratch, n, seed, done);
    int w = write(fd, scratch, n);
    if (w > 0)
      done += w;
    if (w != n)
      break;
  }
  return done;
}

/* Check that path holds exactly size pattern bytes of seed. */
static void verify_pattern(char *name, char *path, int seed, int size)
{
  int fd = open(path, O_RDONLY);
  CHECK(name, fd >= 0, "cannot open %s", path);
  int done = 0, n;
  while ((n = read(fd, scratch2, SCRATCH)) > 0) {
    for (int i = 0; i < n; i++)
      CHECK(name, scratch2[i] == pattern_byte(seed, done + i), "%s: byte %d is wrong",
            path, done + i);
    done += n;
  }
  close(fd);
  CHECK(name, n == 0 && done == size, "%s: read %d bytes, expected %d", path, done, size);
}

static int file_size(char *name, int fd)
{
  struct stat st;
  CHECK(name, fstat(fd, &st) == 0, "fstat failed");
  return st.size;
}

static void remove_bigfile(void)
{
  unlink(BIGFILE);
}

#if LAB_BIGFILE
/* The number on the "freeblocks N" line of the statistics device. */
static int free_blocks(char *name)
{
  int n = statistics(scratch2, SCRATCH - 1);
  CHECK(name, n > 0, "cannot read /statistics");
  scratch2[n] = 0;
  for (char *line = scratch2; line != 0 && *line != 0; line = strchr(line, '\n')) {
    while (*line == '\n')
      line++;
    if (memcmp(line, "freeblocks ", 11) == 0)
      return atoi(line + 11);
  }
  FAIL(name, "/statistics has no \"freeblocks N\" line");
}
#endif

/*
 * Create BIGFILE of MAXBYTES, the size of a big file (see BIGBLOCKS). When
 * that is the largest file, one byte more must be refused.
 */
static void write_max_file(char *name, int seed)
{
  int fd = open(BIGFILE, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(name, fd >= 0, "cannot create %s", BIGFILE);
  int written = write_pattern(fd, seed, MAXBYTES);
  CHECK(name, written == MAXBYTES, "only %d of %d bytes fit in a file", written, MAXBYTES);
#if LAB_BIGFILE == 0
  int r = write(fd, "x", 1);
  CHECK(name, r == -1, "a write past the largest file size returned %d", r);
#endif
  int size = file_size(name, fd);
  CHECK(name, size == MAXBYTES, "the file's size is %d, expected %d", size, MAXBYTES);
  close(fd);
}

/* Unlink BIGFILE; its blocks must all come back, which with large files is counted. */
static void unlink_max_file(char *name, int round)
{
#if LAB_BIGFILE
  int before = free_blocks(name);
  CHECK(name, unlink(BIGFILE) == 0, "unlink in round %d failed", round);
  int freed = free_blocks(name) - before;
  /* The data blocks and the singly-indirect block. */
  CHECK(name, freed == BIGBLOCKS + 1, "unlink freed %d blocks, not %d", freed, (int)BIGBLOCKS + 1);
#else
  CHECK(name, unlink(BIGFILE) == 0, "unlink in round %d failed", round);
#endif
}

void test_maxfile(char *name)
{
  on_failure(remove_bigfile);
  write_max_file(name, 21);
  verify_pattern(name, BIGFILE, 21, MAXBYTES);
  unlink_max_file(name, 0);
}

/*
 * More big files, one after another, than the disk could hold at once
 * (with large files, eight, each freeing what it took): this only works
 * if unlink really frees the blocks.
 */
void test_bigfilerepeat(char *name)
{
  on_failure(remove_bigfile);
  for (int round = 0; round < 8; round++) {
    write_max_file(name, round);
    unlink_max_file(name, round);
  }
}

#if LAB_BIGFILE == 0
#define NFULL 12  /* more maximum-size files than the disk holds */

static void remove_full_files(void)
{
  char path[16];
  for (int i = 0; i < NFULL; i++)
    unlink(numbered(path, "ut_full", i));
}

/*
 * Write files until the disk is full. Returns the total bytes stored and
 * fills sizes[] (0 for files that could not be created).
 */
static int fill_disk(char *name, int *sizes)
{
  char path[16];
  int total = 0, full = 0;

  for (int i = 0; i < NFULL; i++) {
    sizes[i] = 0;
    if (full)
      continue;
    int fd = open(numbered(path, "ut_full", i), O_CREATE | O_TRUNC | O_WRONLY);
    if (fd < 0) {
      full = 1;
      continue;
    }
    int written = write_pattern(fd, i, MAXBYTES);
    sizes[i] = file_size(name, fd);
    close(fd);
    CHECK(name, sizes[i] >= written, "%s: %d bytes accepted but size is %d", path, written,
          sizes[i]);
    total += sizes[i];
    full = written < MAXBYTES;
  }
  CHECK(name, full, "%d bytes written and the disk never filled", total);
  return total;
}

void test_fulldisk(char *name)
{
  int sizes[NFULL];
  char path[16];

  on_failure(remove_full_files);
  remove_full_files();
  int first = fill_disk(name, sizes);
  for (int i = 0; i < NFULL; i++)
    if (sizes[i] > 0)
      verify_pattern(name, numbered(path, "ut_full", i), i, sizes[i]);
  remove_full_files();

  int second = fill_disk(name, sizes);
  CHECK(name, second >= first, "only %d bytes fit after freeing, %d before", second, first);
  remove_full_files();

  write_file(name, "ut_full0", "ok", 2);
  remove_full_files();
}
#endif

#define INODE_DIR "ut_inodes"
#define MAXTRY 300  /* mkfs makes 200 inodes in all */

static char *inode_path(char *buf, int i)
{
  char leaf[8];
  strcpy(buf, INODE_DIR "/");
  strcpy(buf + strlen(buf), numbered(leaf, "i", i));
  return buf;
}

static void remove_inode_files(void)
{
  char path[32];
  for (int i = 0; i < MAXTRY; i++)
    unlink(inode_path(path, i));
  unlink(INODE_DIR);
}

/* Create empty files until the inodes run out; returns how many were made. */
static int use_all_inodes(char *name)
{
  char path[32];
  int n;
  for (n = 0; n < MAXTRY; n++) {
    int fd = open(inode_path(path, n), O_CREATE | O_RDWR);
    if (fd < 0)
      break;
    close(fd);
  }
  CHECK(name, n < 200, "made %d files, more than there are inodes", n);
  CHECK(name, n >= 20, "ran out of inodes after only %d files", n);
  CHECK(name, mkdir(INODE_DIR "/sub") == -1, "mkdir worked with no inodes left");
  CHECK(name, mknod(INODE_DIR "/dev", 1, 0) == -1, "mknod worked with no inodes left");
  return n;
}

static void free_inodes(char *name, int n)
{
  char path[32];
  for (int i = 0; i < n; i++)
    CHECK(name, unlink(inode_path(path, i)) == 0, "unlink of %s failed", path);
}

void test_inodes(char *name)
{
  on_failure(remove_inode_files);
  remove_inode_files();
  CHECK(name, mkdir(INODE_DIR) == 0, "mkdir %s failed", INODE_DIR);
  int first = use_all_inodes(name);
  free_inodes(name, first);
  int second = use_all_inodes(name);
  CHECK(name, second >= first, "only %d inodes came back of %d", second, first);
  free_inodes(name, second);
  CHECK(name, unlink(INODE_DIR) == 0, "unlink of the emptied directory failed");
}
