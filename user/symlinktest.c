/*
 * symlinktest [TEST...]: check symbolic links.
 *
 *   files       a link to a file reads and writes the file; fstat through
 *               it describes the file; with O_NOFOLLOW, the link itself
 *   chain       a chain of 10 links is followed, one of 11 is refused
 *   cycle       links that lead back to themselves fail cleanly
 *   missing     a link to nothing can be made, and works once its target
 *               exists; O_CREATE makes no file through it
 *   unlink      unlink removes a link, never its target
 *   dirs        a link to a directory leads into it, in the middle of a
 *               path too; a relative target starts in the link's directory
 *   many        more links than the kernel has in-memory inodes
 *   concurrent  several processes make, open and remove the same links
 *
 * With no argument every test runs; otherwise only the named ones. Each
 * runs in a child process, in a directory of its own under /, which it
 * removes. A test that passes prints "symlinktest: NAME OK", followed by
 * the grader's token when there is one; one that fails says why.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "user/user.h"

#define MAXDEPTH 10      /* links one lookup follows at most */
#define NMANY (NINODE + 2)
#define NWORKERS 4
#define ROUNDS 100

static const char *test_name = "?";

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("symlinktest: %s: FAILED: ", test_name);                     \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

/* ---- helpers ---- */

static void
make_file(const char *path, const char *text)
{
  int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0 || write(fd, text, strlen(text)) != strlen(text))
    FAIL("cannot create %s", path);
  close(fd);
}

static void
make_link(const char *target, const char *path)
{
  if (symlink(target, path) != 0)
    FAIL("symlink(\"%s\", \"%s\") failed", target, path);
}

/* What path holds (following links), as a string; the empty string if it cannot be opened. */
static char *
contents(const char *path, int flags)
{
  static char text[128];
  int fd = open(path, O_RDONLY | flags);
  int n = fd < 0 ? 0 : read(fd, text, sizeof(text) - 1);
  if (fd >= 0)
    close(fd);
  text[n < 0 ? 0 : n] = 0;
  return text;
}

static int
stat_fd(const char *path, int flags, struct stat *st)
{
  int fd = open(path, O_RDONLY | flags);
  if (fd < 0)
    return -1;
  int r = fstat(fd, st);
  close(fd);
  return r;
}

static int
exists(const char *path)
{
  struct stat st;
  return stat_fd(path, O_NOFOLLOW, &st) == 0;
}

/* path + number: "name7". */
static char *
numbered(char *buf, const char *path, int n)
{
  strcpy(buf, path);
  char *end = buf + strlen(buf);
  if (n >= 10)
    *end++ = '0' + n / 10 % 10;
  *end++ = '0' + n % 10;
  *end = 0;
  return buf;
}

/* Each test works in a directory of its own, /sl_NAME, which it starts from empty. */
static char workdir[32];

static void
enter_workdir(void)
{
  strcpy(workdir, "/sl_");
  strcpy(workdir + 4, test_name);
  mkdir(workdir);
  if (chdir(workdir) < 0)
    FAIL("cannot make and enter %s", workdir);
}

/* ---- the tests ---- */

static void
test_files(void)
{
  struct stat file_st, st;

  make_file("file", "hello");
  make_link("file", "link");
  if (strcmp(contents("link", 0), "hello") != 0)
    FAIL("reading through the link gave \"%s\", not the file's \"hello\"", contents("link", 0));

  int fd = open("link", O_RDWR);
  if (fd < 0 || write(fd, "J", 1) != 1)
    FAIL("cannot write through the link");
  close(fd);
  if (strcmp(contents("file", 0), "Jello") != 0)
    FAIL("a write through the link did not reach the file");

  if (stat_fd("file", 0, &file_st) < 0 || stat_fd("link", 0, &st) < 0)
    FAIL("cannot fstat the file and the link");
  if (st.type != T_FILE || st.ino != file_st.ino)
    FAIL("fstat through the link says type %d inode %d, not the file's %d %d",
         st.type, st.ino, T_FILE, file_st.ino);
  if (file_st.nlink != 1)
    FAIL("the file has %d links: a symbolic link must not count", file_st.nlink);

  if (stat_fd("link", O_NOFOLLOW, &st) < 0)
    FAIL("open(O_NOFOLLOW) cannot open the link");
  if (st.type != T_SYMLINK || st.ino == file_st.ino || st.size != 4)
    FAIL("with O_NOFOLLOW fstat says type %d size %d, not the link's %d 4",
         st.type, (int)st.size, T_SYMLINK);
  if (strcmp(contents("link", O_NOFOLLOW), "file") != 0)
    FAIL("the link itself reads \"%s\", not its target \"file\"", contents("link", O_NOFOLLOW));
  if (open("link", O_RDWR | O_NOFOLLOW) >= 0)
    FAIL("a link opened itself for writing: only reading its target is allowed");
  if (strcmp(contents("file", 0), "Jello") != 0)
    FAIL("the file changed");
}

static void
test_chain(void)
{
  char name[16], next[16];

  make_file("end", "end of chain");
  /* link0 -> link1 -> ... -> link(MAXDEPTH-1) -> end: MAXDEPTH links. */
  for (int i = 0; i < MAXDEPTH; i++)
    make_link(i == MAXDEPTH - 1 ? "end" : numbered(next, "link", i + 1), numbered(name, "link", i));
  if (strcmp(contents("link0", 0), "end of chain") != 0)
    FAIL("a chain of %d links was not followed to its end", MAXDEPTH);

  /* One more in front: MAXDEPTH + 1 links. */
  make_link("link0", "longer");
  if (open("longer", O_RDONLY) >= 0)
    FAIL("a chain of %d links was followed: at most %d may be", MAXDEPTH + 1, MAXDEPTH);
  if (strcmp(contents("longer", O_NOFOLLOW), "link0") != 0)
    FAIL("the link at the head of a long chain cannot be opened itself");
}

static void
test_cycle(void)
{
  make_link("self", "self");
  make_link("b", "a");
  make_link("a", "b");
  if (open("self", O_RDONLY) >= 0 || open("a", O_RDWR) >= 0 || open("b", O_RDONLY) >= 0)
    FAIL("a cycle of links was opened");
  if (open("a", O_CREATE | O_RDWR) >= 0)
    FAIL("open(O_CREATE) through a cycle of links succeeded");
  if (chdir("a") == 0)
    FAIL("chdir through a cycle of links succeeded");
  if (strcmp(contents("a", O_NOFOLLOW), "b") != 0)
    FAIL("a link in a cycle cannot be opened itself");
  if (unlink("a") != 0 || unlink("b") != 0 || unlink("self") != 0)
    FAIL("the links of a cycle cannot be removed");
}

static void
test_missing(void)
{
  make_link("nothing", "dangling");
  if (open("dangling", O_RDONLY) >= 0)
    FAIL("a link to nothing was opened");
  if (open("dangling", O_CREATE | O_RDWR) >= 0 || exists("nothing"))
    FAIL("open(O_CREATE) made a file through a link to nothing");
  if (strcmp(contents("dangling", O_NOFOLLOW), "nothing") != 0)
    FAIL("a link to nothing cannot be opened itself");

  make_file("nothing", "now something");
  if (strcmp(contents("dangling", 0), "now something") != 0)
    FAIL("a link does not lead to its target once the target exists");
  int fd = open("dangling", O_CREATE | O_RDWR);
  if (fd < 0)
    FAIL("open(O_CREATE) through a link to an existing file failed");
  close(fd);

  if (symlink("other", "dangling") == 0)
    FAIL("symlink replaced an existing link");
  if (symlink("other", "nothing") == 0)
    FAIL("symlink replaced an existing file");
  if (symlink("", "empty") == 0)
    FAIL("a link with an empty target was made");
  if (symlink("x", "no/such/dir/link") == 0)
    FAIL("a link was made in a directory that does not exist");
}

static void
test_unlink(void)
{
  struct stat st;

  make_file("file", "kept");
  make_link("file", "link");
  if (unlink("link") != 0)
    FAIL("cannot unlink a link");
  if (exists("link") || strcmp(contents("file", 0), "kept") != 0)
    FAIL("unlink of the link did not remove just the link");

  make_link("file", "link");
  if (unlink("file") != 0)
    FAIL("cannot unlink the target");
  if (stat_fd("link", O_NOFOLLOW, &st) < 0 || st.type != T_SYMLINK)
    FAIL("removing the target removed the link");
  if (open("link", O_RDONLY) >= 0)
    FAIL("a link to a removed file still opens");
}

static void
test_dirs(void)
{
  mkdir("dir");
  mkdir("dir/sub");
  make_file("dir/sub/file", "deep");
  make_link("dir", "dirlink");
  make_link("sub/file", "dir/rel");          /* relative: from dir, not from here */
  make_link("/sl_dirs/dir/sub", "abs");       /* absolute */

  if (strcmp(contents("dirlink/sub/file", 0), "deep") != 0)
    FAIL("a link to a directory is not followed in the middle of a path");
  if (strcmp(contents("dir/rel", 0), "deep") != 0)
    FAIL("a relative target was not looked up from the link's directory");
  if (strcmp(contents("dirlink/rel", 0), "deep") != 0)
    FAIL("a relative target behind a link to a directory was not followed");
  if (strcmp(contents("abs/file", 0), "deep") != 0)
    FAIL("an absolute link to a directory is not followed");

  make_file("dirlink/new", "made through a link");
  if (strcmp(contents("dir/new", 0), "made through a link") != 0)
    FAIL("a file made through a link to a directory is not in the directory");
  if (unlink("dirlink/new") != 0 || exists("dir/new"))
    FAIL("unlink through a link to a directory failed");

  if (chdir("abs") != 0 || strcmp(contents("file", 0), "deep") != 0)
    FAIL("chdir through a link to a directory failed");
  if (chdir("/sl_dirs") != 0)
    FAIL("cannot go back to /sl_dirs");
  if (unlink("dirlink") != 0 || !exists("dir/sub/file"))
    FAIL("unlink of a link to a directory touched the directory");
}

static void
test_many(void)
{
  char name[16];

  make_file("target", "#");
  for (int i = 0; i < NMANY; i++)
    make_link("target", numbered(name, "l", i));
  for (int i = 0; i < NMANY; i++)
    if (strcmp(contents(numbered(name, "l", i), 0), "#") != 0)
      FAIL("link %s of %d does not lead to the target", name, NMANY);
  for (int i = 0; i < NMANY; i++)
    if (unlink(numbered(name, "l", i)) != 0)
      FAIL("cannot unlink %s", name);
}

/* One worker of test_concurrent: random makes, opens and removals of three links. */
static void
churn(int seed)
{
  char link[16];
  struct stat st;
  uint x = seed * 7919 + 1;

  for (int i = 0; i < ROUNDS; i++) {
    x = x * 1103515245 + 12345;
    numbered(link, "y", (x >> 8) % 3);
    switch ((x >> 16) % 3) {
    case 0:
      symlink("z", link);
      break;
    case 1:
      unlink(link);
      break;
    default:
      if (stat_fd(link, O_NOFOLLOW, &st) == 0 && st.type != T_SYMLINK)
        FAIL("%s is of type %d, not a link", link, st.type);
      if (stat_fd(link, 0, &st) == 0 && st.type != T_FILE)
        FAIL("%s leads to type %d, not the file", link, st.type);
      break;
    }
  }
  exit(0);
}

static void
test_concurrent(void)
{
  char link[16];

  make_file("z", "target");
  make_link("z", "y0");  /* the workers find one link to start with */
  for (int w = 0; w < NWORKERS; w++) {
    int pid = fork();
    if (pid < 0)
      FAIL("fork failed");
    if (pid == 0)
      churn(w);
  }
  for (int w = 0; w < NWORKERS; w++) {
    int status;
    wait(&status);
    if (status != 0)
      FAIL("a worker failed");
  }
  for (int i = 0; i < 3; i++) {
    numbered(link, "y", i);
    if (exists(link) && strcmp(contents(link, 0), "target") != 0)
      FAIL("%s survived the workers but does not lead to z", link);
    unlink(link);
  }
  if (strcmp(contents("z", 0), "target") != 0)
    FAIL("the target changed");
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "files", test_files },
  { "chain", test_chain },
  { "cycle", test_cycle },
  { "missing", test_missing },
  { "unlink", test_unlink },
  { "dirs", test_dirs },
  { "many", test_many },
  { "concurrent", test_concurrent },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/*
 * Remove what a test may have left in dir, then dir: links and files, and
 * the directories the dirs test makes, deepest first.
 */
static void
clean(const char *dir)
{
  static const char *leftovers[] = {
    "dir/sub/file", "dir/new", "dir/rel", "dir/sub", "dir", "dirlink", "abs",
    "file", "link", "end", "longer", "self", "a", "b", "dangling", "nothing",
    "target", "z",
  };
  char name[16];

  if (chdir(dir) == 0) {
    for (int i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++)
      unlink(leftovers[i]);
    for (int i = 0; i < NMANY; i++) {
      unlink(numbered(name, "l", i));
      unlink(numbered(name, "link", i));
      unlink(numbered(name, "y", i));
    }
  }
  chdir("/");
  unlink(dir);
}

/* Run one test in a child; return whether it passed. */
static int
run_test(const struct test *t, const char *token)
{
  int pid = fork();
  if (pid < 0) {
    printf("symlinktest: %s: FAILED: fork failed\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_name = t->name;
    enter_workdir();
    t->run();
    exit(0);
  }
  int status = -1;
  wait(&status);
  test_name = t->name;
  strcpy(workdir, "/sl_");
  strcpy(workdir + 4, t->name);
  clean(workdir);
  if (status != 0) {
    /* exit(1) came with an explanation; anything else is a crash. */
    if (status != 1)
      printf("symlinktest: %s: FAILED: the test process died (exit status %d)\n",
             t->name, status);
    return 0;
  }
  if (exists(workdir)) {
    printf("symlinktest: %s: FAILED: %s could not be removed\n", t->name, workdir);
    return 0;
  }
  printf("symlinktest: %s OK%s%s\n", t->name, *token ? " " : "", token);
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
      fprintf(2, "symlinktest: no test called %s; the tests are:", argv[i]);
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
    printf("symlinktest: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
