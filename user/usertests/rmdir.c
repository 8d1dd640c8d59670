/*
 * Removed directories: a directory that is unlinked while some process
 * still has it as its working directory stays dead. Nothing can be
 * created in it, ".." in it leads nowhere, and when the last process
 * leaves, the file system is as if it had never been there.
 *
 * After each test the whole tree is checked from "/": every entry names a
 * live inode, "." and ".." of every directory are right, a directory's link
 * count is one for its name plus one per subdirectory, the scratch names
 * are gone, and a fresh mkdir and unlink still work.
 */
#include "user/usertests/usertests.h"

#define KEEP      "/ut_rmkeep"   /* a file to link to, outside the doomed directories */
#define FRESH     "/ut_rmfresh"
#define MAX_DEPTH 8

/* ---- checking the tree ---- */

static char walk_path[MAXPATH];   /* the directory being checked */

static int
is_dot_or_dotdot(char *entry)
{
  return strcmp(entry, ".") == 0 || strcmp(entry, "..") == 0;
}

/*
 * Checks the directory at walk_path (inode ino, in directory parent) and
 * everything below it; returns its number of subdirectories. Each level
 * appends its entry's name to walk_path and cuts it off again.
 */
static int
check_directory(char *name, ushort ino, ushort parent, int depth)
{
  char entry[DIRSIZ + 1];
  struct dirent de;
  struct stat st;
  int len = strlen(walk_path), subdirs = 0, fd;

  CHECK(name, depth < MAX_DEPTH, "%s is deeper than any test leaves it", walk_path);
  fd = open(walk_path, O_RDONLY);
  CHECK(name, fd >= 0, "cannot open directory %s", walk_path);
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    memmove(entry, de.name, DIRSIZ);
    entry[DIRSIZ] = 0;
    if (strcmp(entry, ".") == 0)
      CHECK(name, de.inum == ino, "%s/. is inode %d, not %d", walk_path, de.inum, ino);
    if (strcmp(entry, "..") == 0)
      CHECK(name, de.inum == parent, "%s/.. is inode %d, not %d", walk_path, de.inum, parent);
    if (is_dot_or_dotdot(entry))
      continue;
    CHECK(name, len + 1 + DIRSIZ < MAXPATH, "the path %s is too long to check", walk_path);
    strcpy(walk_path + len, len > 1 ? "/" : "");
    strcpy(walk_path + strlen(walk_path), entry);
    CHECK(name, stat(walk_path, &st) == 0, "%s is listed but cannot be opened", walk_path);
    CHECK(name, st.ino == de.inum, "%s opens inode %d, but its entry says %d", walk_path,
          st.ino, de.inum);
    if (st.type == T_DIR) {
      int below = check_directory(name, st.ino, ino, depth + 1);
      CHECK(name, st.nlink == 1 + below, "%s has link count %d, but one name and %d "
            "subdirectories", walk_path, st.nlink, below);
      subdirs++;
    } else {
      CHECK(name, st.type == T_FILE || st.type == T_DEVICE, "%s has type %d", walk_path,
            st.type);
      CHECK(name, st.nlink >= 1, "%s has link count %d", walk_path, st.nlink);
    }
    walk_path[len] = 0;
  }
  close(fd);
  return subdirs;
}

/* The whole tree is sound, none of names is left, and "/" still takes a new directory. */
static void
check_tree(char *name, char **names, int n)
{
  CHECK(name, chdir("/") == 0, "chdir(\"/\") failed");
  strcpy(walk_path, "/");
  check_directory(name, ROOTINO, ROOTINO, 0);
  for (int i = 0; i < n; i++)
    expect_missing(name, names[i]);
  CHECK(name, mkdir(FRESH) == 0, "mkdir(%s) failed after the test", FRESH);
  write_file(name, FRESH "/f", "new", 3);
  CHECK(name, unlink(FRESH "/f") == 0 && unlink(FRESH) == 0,
        "cannot remove %s after the test", FRESH);
}

/* Every way of making a name in the working directory, which has been removed, fails. */
static void
expect_dead_cwd(char *name, char *who)
{
  int fd = open("x", O_CREATE | O_RDWR);

  if (fd >= 0)
    close(fd);
  CHECK(name, fd < 0, "%s: open(\"x\", O_CREATE) in a removed directory worked", who);
  CHECK(name, mkdir("y") < 0, "%s: mkdir(\"y\") in a removed directory worked", who);
  CHECK(name, mknod("z", 1, 0) < 0, "%s: mknod(\"z\") in a removed directory worked", who);
  CHECK(name, link(KEEP, "w") < 0, "%s: link(%s, \"w\") in a removed directory worked", who,
        KEEP);
  CHECK(name, chdir("..") < 0, "%s: chdir(\"..\") out of a removed directory worked", who);
  CHECK(name, chdir("/") == 0, "%s: chdir(\"/\") out of a removed directory failed", who);
}

static void
expect_keep_intact(char *name)
{
  struct stat st;

  CHECK(name, stat(KEEP, &st) == 0 && st.nlink == 1, "%s gained a link (nlink %d)", KEEP,
        st.nlink);
}

/* ---- the working directory removes itself ---- */

#define SELF "/ut_rmself"

static char *self_names[] = { SELF, KEEP };

static void
remove_self_files(void)
{
  chdir("/");
  unlink(SELF);
  unlink(KEEP);
}

void
test_rmdircwd(char *name)
{
  on_failure(remove_self_files);
  remove_self_files();
  write_file(name, KEEP, "keep", 4);
  CHECK(name, mkdir(SELF) == 0 && chdir(SELF) == 0, "cannot make and enter %s", SELF);
  CHECK(name, unlink("../ut_rmself") == 0, "unlink(\"../ut_rmself\") from inside failed");
  expect_dead_cwd(name, "in the directory it removed");
  expect_keep_intact(name);
  remove_self_files();
  check_tree(name, self_names, 2);
}

/* ---- a child removes the parent's working directory ---- */

#define UNDER "/ut_rmunder"

static char *under_names[] = { UNDER, KEEP };

static void
remove_under_files(void)
{
  chdir("/");
  unlink(UNDER);
  unlink(KEEP);
}

void
test_rmdirchild(char *name)
{
  on_failure(remove_under_files);
  remove_under_files();
  write_file(name, KEEP, "keep", 4);
  CHECK(name, mkdir(UNDER) == 0 && chdir(UNDER) == 0, "cannot make and enter %s", UNDER);
  int pid = fork_or_fail(name);
  if (pid == 0) {
    chdir("/");
    exit(unlink(UNDER) == 0 ? 0 : 1);
  }
  CHECK(name, wait_for(name, pid) == 0, "the child could not unlink %s", UNDER);
  expect_dead_cwd(name, "the parent, in the directory its child removed");
  expect_keep_intact(name);
  remove_under_files();
  check_tree(name, under_names, 2);
}

/* ---- two processes remove each other's trees ---- */

#define RACE_ROUNDS 8
#define RACE_PROBES 6
#define NO_DEATH_SEEN 2   /* exit status of a worker whose directory was never removed under it */

#define TREE_NAMES 4

/* Each worker's names, deepest first: each directory is empty when its turn comes. */
static char *tree_names[2 * TREE_NAMES] = {
  "/ut_rmtree0/sub/f", "/ut_rmtree0/sub", "/ut_rmtree0/n", "/ut_rmtree0",
  "/ut_rmtree1/sub/f", "/ut_rmtree1/sub", "/ut_rmtree1/n", "/ut_rmtree1",
};

static void
remove_tree(int owner)
{
  for (int i = 0; i < TREE_NAMES; i++)
    unlink(tree_names[owner * TREE_NAMES + i]);
}

static void
remove_both_trees(void)
{
  chdir("/");
  remove_tree(0);
  remove_tree(1);
}

/*
 * Tries to make a file, then a directory, named "n" in the working
 * directory (open as cwd), taking each away again at once. If the directory was already dead
 * before the attempt, the attempt must fail. Returns 1 if it was dead.
 */
static int
probe_cwd(char *name, int cwd)
{
  struct stat st;
  int dead, fd;

  CHECK(name, fstat(cwd, &st) == 0, "fstat of the working directory failed");
  dead = st.nlink == 0;
  fd = open("n", O_CREATE | O_RDWR);
  CHECK(name, !(dead && fd >= 0), "open(\"n\", O_CREATE) in a removed directory worked");
  if (fd >= 0) {
    close(fd);
    unlink("n");
  }
  if (mkdir("n") == 0) {
    CHECK(name, !dead, "mkdir(\"n\") in a removed directory worked");
    unlink("n");
  }
  return dead;
}

static void
race_worker(char *name, int me)
{
  char *home = tree_names[me * TREE_NAMES + TREE_NAMES - 1];
  int deaths = 0;

  for (int round = 0; round < RACE_ROUNDS; round++) {
    mkdir(home);
    if (chdir(home) < 0)
      continue;   /* the other worker removed it first */
    int cwd = open(".", O_RDONLY);
    CHECK(name, cwd >= 0, "cannot open the working directory just entered");
    if (mkdir("sub") == 0) {
      int fd = open("sub/f", O_CREATE | O_RDWR);
      if (fd >= 0)
        close(fd);
    }
    for (int probe = 0; probe < RACE_PROBES; probe++) {
      remove_tree(1 - me);
      deaths += probe_cwd(name, cwd);
      if (probe % 2 == 0)
        sleep(1);   /* let the other worker in, even on one hart */
    }
    close(cwd);
    CHECK(name, chdir("/") == 0, "chdir(\"/\") failed");
  }
  exit(deaths > 0 ? 0 : NO_DEATH_SEEN);
}

void
test_rmdirrace(char *name)
{
  int pids[2], status[2], removed = 0;

  on_failure(remove_both_trees);
  remove_both_trees();
  for (int me = 0; me < 2; me++) {
    pids[me] = fork_or_fail(name);
    if (pids[me] == 0)
      race_worker(name, me);
  }
  for (int ended = 0; ended < 2; ended++) {
    int st, pid = wait(&st);
    CHECK(name, pid == pids[0] || pid == pids[1], "wait() returned %d, not a worker", pid);
    status[pid == pids[1]] = st;
  }
  for (int me = 0; me < 2; me++) {
    CHECK(name, status[me] == 0 || status[me] == NO_DEATH_SEEN,
          "worker %d failed (exit status %d)", me, status[me]);
    removed += status[me] == 0;
  }
  CHECK(name, removed > 0, "no worker's directory was ever removed under it: the race "
        "did not happen");
  remove_both_trees();
  check_tree(name, tree_names, 2 * TREE_NAMES);
}
