/*
 * Directories: listing them with read(), the rules for ".", "..", unlink,
 * mkdir and link, relative and absolute paths, deep nesting, long names,
 * and several processes changing one directory at once.
 */
#include "user/usertests/usertests.h"

struct entry {
  char name[DIRSIZ + 1];
  uint inum;
};

#define MAXENT 128
static struct entry entries[MAXENT];

/* Read the live entries of directory path into entries[]; returns their number. */
static int list_dir(char *name, char *path)
{
  struct dirent de;
  int n = 0;
  int fd = open(path, O_RDONLY);
  CHECK(name, fd >= 0, "cannot open directory %s", path);
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    CHECK(name, n < MAXENT, "%s has more than %d entries", path, MAXENT);
    memmove(entries[n].name, de.name, DIRSIZ);
    entries[n].name[DIRSIZ] = 0;
    entries[n].inum = de.inum;
    n++;
  }
  close(fd);
  return n;
}

static int is_dot(char *s)
{
  return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

/* path = dir "/" leaf */
static char *join(char *buf, char *dir, char *leaf)
{
  strcpy(buf, dir);
  strcpy(buf + strlen(buf), "/");
  strcpy(buf + strlen(buf), leaf);
  return buf;
}

static ushort ino_of(char *name, char *path)
{
  struct stat st;
  CHECK(name, stat(path, &st) == 0, "stat(%s) failed", path);
  return st.ino;
}

static short type_of(char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? st.type : -1;
}

/* ---- many files in one directory ---- */

#define MANYDIR "ut_many"
#define NMANY 100

static void remove_many(void)
{
  char leaf[8], path[32];
  for (int i = 0; i < NMANY; i++)
    unlink(join(path, MANYDIR, numbered(leaf, "f", i)));
  unlink(MANYDIR);
}

void test_manyfiles(char *name)
{
  char leaf[8], path[32], seen[NMANY];

  on_failure(remove_many);
  remove_many();
  CHECK(name, mkdir(MANYDIR) == 0, "mkdir failed");
  for (int i = 0; i < NMANY; i++) {
    int fd = open(join(path, MANYDIR, numbered(leaf, "f", i)), O_CREATE | O_WRONLY);
    CHECK(name, fd >= 0, "cannot create %s", path);
    close(fd);
  }

  memset(seen, 0, sizeof(seen));
  int n = list_dir(name, MANYDIR), dots = 0;
  for (int e = 0; e < n; e++) {
    if (is_dot(entries[e].name)) {
      dots++;
      continue;
    }
    int k = atoi(entries[e].name + 1);
    CHECK(name, entries[e].name[0] == 'f' && k >= 0 && k < NMANY &&
          strcmp(entries[e].name, numbered(leaf, "f", k)) == 0,
          "unexpected entry \"%s\"", entries[e].name);
    CHECK(name, !seen[k], "entry %s listed twice", entries[e].name);
    seen[k] = 1;
  }
  CHECK(name, dots == 2 && n == NMANY + 2, "listed %d entries (%d dots), expected %d",
        n, dots, NMANY + 2);

  for (int i = 0; i < NMANY; i++)
    CHECK(name, unlink(join(path, MANYDIR, numbered(leaf, "f", i))) == 0, "unlink %s failed",
          path);
  n = list_dir(name, MANYDIR);
  CHECK(name, n == 2, "%d entries left after unlinking all files", n);
  CHECK(name, unlink(MANYDIR) == 0, "unlink of the emptied directory failed");
}

/* ---- concurrent create / link / unlink ---- */

#define RACEDIR "ut_race"
#define RACENAMES 8

static char *race_path(char *buf, int i)
{
  char leaf[8];
  return join(buf, RACEDIR, numbered(leaf, "r", i));
}

static void remove_race(void)
{
  char path[32];
  for (int i = 0; i < RACENAMES; i++)
    unlink(race_path(path, i));
  unlink(RACEDIR);
}

/* One worker's random mix of operations; any may fail except create. */
static void race_worker(int w)
{
  char a[32], b[32];
  uint seed = 1000 + w;
  for (int op = 0; op < 60; op++) {
    race_path(a, rnd(&seed) % RACENAMES);
    race_path(b, rnd(&seed) % RACENAMES);
    switch (rnd(&seed) % 3) {
    case 0: {
      int fd = open(a, O_CREATE | O_RDWR);
      if (fd < 0)
        exit(1);
      close(fd);
      break;
    }
    case 1:
      link(a, b);
      break;
    default:
      unlink(a);
      break;
    }
  }
  exit(0);
}

/* Every name opens, points at the inode the entry says, and link counts add up. */
static void check_race_dir(char *name)
{
  char path[32];
  int n = list_dir(name, RACEDIR);
  for (int e = 0; e < n; e++) {
    if (is_dot(entries[e].name))
      continue;
    int same = 0;
    for (int f = 0; f < n; f++) {
      CHECK(name, f == e || strcmp(entries[e].name, entries[f].name) != 0,
            "name %s appears twice", entries[e].name);
      same += entries[f].inum == entries[e].inum;
    }
    struct stat st;
    CHECK(name, stat(join(path, RACEDIR, entries[e].name), &st) == 0, "stat(%s) failed", path);
    CHECK(name, st.ino == entries[e].inum && st.type == T_FILE,
          "%s: inode %d type %d, but the entry says inode %d", path, st.ino, st.type,
          entries[e].inum);
    CHECK(name, st.nlink == same, "%s has nlink %d but %d names", path, st.nlink, same);
  }
}

void test_concdir(char *name)
{
  enum { WORKERS = 4 };

  on_failure(remove_race);
  remove_race();
  CHECK(name, mkdir(RACEDIR) == 0, "mkdir failed");
  for (int w = 0; w < WORKERS; w++)
    if (fork_or_fail(name) == 0)
      race_worker(w);
  for (int w = 0; w < WORKERS; w++) {
    int status;
    CHECK(name, wait(&status) > 0 && status == 0, "a worker failed (create did not work)");
  }
  check_race_dir(name);
  remove_race();
  expect_missing(name, RACEDIR);
}

/* ---- rules ---- */

#define D1 "ut_dir1"
#define D2 "ut_dir2"
#define DF "ut_dirfile"

static void remove_rule_files(void)
{
  unlink(D1 "/" DF);
  unlink(D1 "/sub");
  unlink(D1);
  unlink(D2);
  unlink(DF);
}

void test_unlinknonempty(char *name)
{
  on_failure(remove_rule_files);
  CHECK(name, mkdir(D1) == 0, "mkdir failed");
  write_file(name, D1 "/" DF, "x", 1);
  CHECK(name, unlink(D1) == -1, "unlink of a directory holding a file worked");
  CHECK(name, type_of(D1 "/" DF) == T_FILE, "the file inside is gone");
  CHECK(name, unlink(D1 "/" DF) == 0, "unlink of the file failed");
  CHECK(name, mkdir(D1 "/sub") == 0, "mkdir of a subdirectory failed");
  CHECK(name, unlink(D1) == -1, "unlink of a directory holding a directory worked");
  CHECK(name, unlink(D1 "/sub") == 0, "unlink of the empty subdirectory failed");
  CHECK(name, unlink(D1) == 0, "unlink of the emptied directory failed");
}

void test_unlinkdots(char *name)
{
  on_failure(remove_rule_files);
  CHECK(name, mkdir(D1) == 0, "mkdir failed");
  CHECK(name, unlink(D1 "/.") == -1, "unlink of dir/. worked");
  CHECK(name, unlink(D1 "/..") == -1, "unlink of dir/.. worked");
  CHECK(name, chdir(D1) == 0, "chdir failed");
  CHECK(name, unlink(".") == -1, "unlink(\".\") worked");
  CHECK(name, unlink("..") == -1, "unlink(\"..\") worked");
  CHECK(name, chdir("..") == 0, "chdir(\"..\") failed");
  CHECK(name, type_of(D1) == T_DIR && type_of(D1 "/.") == T_DIR && type_of(D1 "/..") == T_DIR,
        "the directory or its dot entries were damaged");
  CHECK(name, unlink(D1) == 0, "unlink of the directory failed");
}

void test_rootdotdot(char *name)
{
  CHECK(name, ino_of(name, "/") == ROOTINO, "/ is not inode %d", ROOTINO);
  CHECK(name, ino_of(name, "/..") == ROOTINO, "/.. is not /");
  CHECK(name, ino_of(name, "/../../.") == ROOTINO, "/../../. is not /");
  CHECK(name, chdir("/") == 0 && chdir("..") == 0, "chdir to / then .. failed");
  CHECK(name, ino_of(name, ".") == ROOTINO, "the parent of / is not /");
}

void test_chdirfile(char *name)
{
  on_failure(remove_rule_files);
  write_file(name, DF, "x", 1);
  ushort cwd = ino_of(name, ".");
  CHECK(name, chdir(DF) == -1, "chdir into a file worked");
  CHECK(name, chdir(DF "/..") == -1, "chdir through a file worked");
  CHECK(name, ino_of(name, ".") == cwd, "a failed chdir moved the working directory");
  remove_rule_files();
}

void test_fileasdir(char *name)
{
  on_failure(remove_rule_files);
  write_file(name, DF, "file", 4);
  CHECK(name, open(DF "/x", O_CREATE | O_RDWR) == -1, "open(file/x, O_CREATE) worked");
  CHECK(name, mkdir(DF "/x") == -1, "mkdir(file/x) worked");
  CHECK(name, mknod(DF "/x", 1, 0) == -1, "mknod(file/x) worked");
  CHECK(name, link(DF, DF "/x") == -1, "link(file, file/x) worked");
  CHECK(name, unlink(DF "/x") == -1, "unlink(file/x) worked");
  CHECK(name, chdir(DF "/x") == -1, "chdir(file/x) worked");
  CHECK(name, open(DF "/.", O_RDONLY) == -1, "open(file/.) worked");
  int n = read_file(name, DF, scratch2, SCRATCH);
  CHECK(name, n == 4 && memcmp(scratch2, "file", 4) == 0, "the file was changed");
  remove_rule_files();
}

void test_mkdirexists(char *name)
{
  on_failure(remove_rule_files);
  CHECK(name, mkdir(D1) == 0, "mkdir failed");
  CHECK(name, mkdir(D1) == -1, "mkdir of an existing directory worked");
  write_file(name, DF, "file", 4);
  CHECK(name, mkdir(DF) == -1, "mkdir over an existing file worked");
  CHECK(name, open(D1, O_CREATE | O_RDWR) == -1, "open(dir, O_CREATE|O_RDWR) worked");
  CHECK(name, mknod(D1, 1, 0) == -1, "mknod over a directory worked");
  CHECK(name, mkdir("/") == -1 && mkdir(".") == -1 && mkdir("..") == -1,
        "mkdir of /, . or .. worked");
  CHECK(name, type_of(D1) == T_DIR && type_of(DF) == T_FILE, "types changed");
  int n = read_file(name, DF, scratch2, SCRATCH);
  CHECK(name, n == 4, "the file was changed");
  remove_rule_files();
}

void test_linkdir(char *name)
{
  on_failure(remove_rule_files);
  CHECK(name, mkdir(D1) == 0, "mkdir failed");
  CHECK(name, link(D1, D2) == -1, "link to a directory worked");
  expect_missing(name, D2);
  CHECK(name, link("/", D2) == -1 && link(".", D2) == -1, "link to / or . worked");
  expect_missing(name, D2);
  write_file(name, DF, "x", 1);
  CHECK(name, link(DF, D1) == -1, "link onto an existing directory name worked");
  CHECK(name, link(DF, D1 "/" DF) == 0, "link into a subdirectory failed");
  CHECK(name, ino_of(name, DF) == ino_of(name, D1 "/" DF), "the two links differ");
  remove_rule_files();
}

void test_opendirwrite(char *name)
{
  on_failure(remove_rule_files);
  CHECK(name, mkdir(D1) == 0, "mkdir failed");
  CHECK(name, open(D1, O_WRONLY) == -1, "open(dir, O_WRONLY) worked");
  CHECK(name, open(D1, O_RDWR) == -1, "open(dir, O_RDWR) worked");
  CHECK(name, open(D1, O_WRONLY | O_TRUNC) == -1, "open(dir, O_WRONLY|O_TRUNC) worked");
  CHECK(name, open("/", O_RDWR) == -1, "open(/, O_RDWR) worked");
  int fd = open(D1, O_RDONLY);
  CHECK(name, fd >= 0, "open(dir, O_RDONLY) failed");
  CHECK(name, write(fd, "x", 1) == -1, "write to a directory worked");
  close(fd);
  CHECK(name, list_dir(name, D1) == 2, "the directory is no longer just . and ..");
  remove_rule_files();
}

static void remove_path_files(void)
{
  chdir("/");
  unlink("ut_paths/sub/f");
  unlink("ut_paths/sub");
  unlink("ut_paths");
}

void test_paths(char *name)
{
  char *ways[] = {
    "ut_paths/sub/f", "/ut_paths/sub/f", "./ut_paths/./sub/./f", "ut_paths/sub/../sub/f",
    "ut_paths//sub///f", "/../ut_paths/sub/f",
  };
  char *from_sub[] = {"f", "./f", "../sub/f", "../../ut_paths/sub/f", "/ut_paths/sub/f"};

  on_failure(remove_path_files);
  CHECK(name, chdir("/") == 0, "chdir(/) failed");
  CHECK(name, mkdir("ut_paths") == 0 && mkdir("/ut_paths/sub") == 0, "mkdir failed");
  write_file(name, "ut_paths/sub/f", "abc", 3);
  ushort ino = ino_of(name, "ut_paths/sub/f");
  for (int i = 0; i < sizeof(ways) / sizeof(ways[0]); i++)
    CHECK(name, ino_of(name, ways[i]) == ino, "%s is not the file", ways[i]);
  CHECK(name, chdir("ut_paths/sub") == 0, "relative chdir failed");
  for (int i = 0; i < sizeof(from_sub) / sizeof(from_sub[0]); i++)
    CHECK(name, ino_of(name, from_sub[i]) == ino, "%s (from sub) is not the file", from_sub[i]);
  CHECK(name, chdir("..") == 0 && ino_of(name, "sub/f") == ino, "chdir(..) went wrong");
  CHECK(name, open("nosuch/f", O_RDONLY) == -1 && open("sub/nosuch", O_RDONLY) == -1,
        "missing paths opened");
  remove_path_files();
  expect_missing(name, "/ut_paths");
}

#define DEEP 30

static void remove_deep(void)
{
  char path[MAXPATH];
  chdir("/");
  strcpy(path, "ut_deep");
  for (int i = 0; i < DEEP; i++)
    strcpy(path + strlen(path), "/d");
  unlink(join(scratch2, path, "leaf"));
  for (int i = DEEP; i >= 0; i--) {
    unlink(path);
    path[strlen(path) - 2] = 0;
  }
}

void test_deepdir(char *name)
{
  char path[MAXPATH];

  on_failure(remove_deep);
  CHECK(name, chdir("/") == 0 && mkdir("ut_deep") == 0 && chdir("ut_deep") == 0,
        "cannot make ut_deep");
  for (int i = 0; i < DEEP; i++)
    CHECK(name, mkdir("d") == 0 && chdir("d") == 0, "mkdir/chdir at depth %d failed", i);
  write_file(name, "leaf", "deep", 4);

  CHECK(name, chdir("/") == 0, "chdir(/) failed");
  strcpy(path, "/ut_deep");
  for (int i = 0; i < DEEP; i++)
    strcpy(path + strlen(path), "/d");
  strcpy(path + strlen(path), "/leaf");
  int n = read_file(name, path, scratch2, SCRATCH);
  CHECK(name, n == 4 && memcmp(scratch2, "deep", 4) == 0, "the deep file reads wrong");

  /* The same file through a path longer than MAXPATH must be refused. */
  scratch[0] = 0;
  while (strlen(scratch) < MAXPATH)
    strcpy(scratch + strlen(scratch), "./");
  strcpy(scratch + strlen(scratch), path + 1);
  CHECK(name, open(scratch, O_RDONLY) == -1, "a path of %d bytes opened", strlen(scratch));

  /* Climb back up with "..", removing each level. */
  path[strlen(path) - 5] = 0;
  CHECK(name, chdir(path) == 0 && unlink("leaf") == 0, "cannot reach the bottom");
  for (int i = 0; i < DEEP; i++)
    CHECK(name, chdir("..") == 0 && unlink("d") == 0, "removing level %d failed", DEEP - i);
  CHECK(name, ino_of(name, "..") == ROOTINO, "climbing back did not end below /");
  CHECK(name, chdir("..") == 0 && unlink("ut_deep") == 0, "removing ut_deep failed");
}

#define NAME14 "ut_abcdefghijk"        /* exactly DIRSIZ bytes */
#define NAME20 "ut_abcdefghijkLONGER"  /* the same first DIRSIZ bytes */
#define LONG19 "ut_zyxwvutsrqponmlk"
#define LONG19_PREFIX "ut_zyxwvutsrqp"

static void remove_long(void)
{
  unlink(NAME14);
  unlink(LONG19);
  unlink(LONG19_PREFIX);
}

void test_longname(char *name)
{
  on_failure(remove_long);
  remove_long();
  write_file(name, NAME14, "14", 2);
  ushort ino = ino_of(name, NAME14);
  int n = list_dir(name, "."), found = 0;
  for (int e = 0; e < n; e++)
    found += strcmp(entries[e].name, NAME14) == 0;
  CHECK(name, found == 1, "a %d-byte name is listed %d times", DIRSIZ, found);

  /* A longer name is either refused or cut to DIRSIZ: never another file. */
  int fd = open(NAME20, O_RDONLY);
  if (fd >= 0) {
    struct stat st;
    CHECK(name, fstat(fd, &st) == 0 && st.ino == ino, "a long name opened some other file");
    close(fd);
  }
  fd = open(LONG19, O_CREATE | O_RDWR);
  if (fd < 0) {
    expect_missing(name, LONG19_PREFIX);
  } else {
    close(fd);
    CHECK(name, ino_of(name, LONG19) == ino_of(name, LONG19_PREFIX),
          "a long name was stored neither whole nor cut to DIRSIZ");
  }
  remove_long();
  expect_missing(name, NAME14);
}

void test_emptyname(char *name)
{
  on_failure(remove_rule_files);
  CHECK(name, mkdir("") == -1, "mkdir(\"\") worked");
  CHECK(name, open("", O_CREATE | O_RDWR) == -1, "open(\"\", O_CREATE) worked");
  CHECK(name, unlink("") == -1, "unlink(\"\") worked");
  CHECK(name, mknod("", 1, 0) == -1, "mknod(\"\") worked");
  write_file(name, DF, "x", 1);
  CHECK(name, link(DF, "") == -1, "link(file, \"\") worked");
  CHECK(name, link("", D2) == -1, "link(\"\", name) worked");
  expect_missing(name, D2);
  remove_rule_files();
}

void test_unlinkmissing(char *name)
{
  on_failure(remove_rule_files);
  CHECK(name, unlink("ut_never_was") == -1, "unlink of a missing file worked");
  CHECK(name, unlink("ut_no_dir/x") == -1, "unlink through a missing directory worked");
  CHECK(name, link("ut_never_was", D2) == -1, "link of a missing file worked");
  expect_missing(name, D2);
  write_file(name, DF, "x", 1);
  CHECK(name, unlink(DF) == 0 && unlink(DF) == -1, "a second unlink worked");
}
