/*
 * ls [PATH...]: describe each PATH (by default "."). A directory is
 * described by its entries, anything else by itself, one line each:
 *
 *   NAME           TYPE INODE SIZE
 *
 * NAME is the last element of the path, in a column DIRSIZ wide; TYPE is
 * the T_ number from kernel/stat.h. Each entry is described as itself
 * (see stat_entry).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static int failed;   /* some PATH could not be described: exit status 1 */

static void
complain(const char *what, const char *path)
{
  fprintf(2, "ls: %s %s\n", what, path);
  failed = 1;
}

/* What follows the last '/' of path (all of it if there is none). */
static const char *
last_element(const char *path)
{
  const char *slash = 0;

  for (const char *p = path; *p; p++) {
    if (*p == '/')
      slash = p;
  }
  return slash ? slash + 1 : path;
}

static void
describe(const char *name, const struct stat *st)
{
  printf("%-*s %d %u %lu\n", DIRSIZ, name, st->type, st->ino, st->size);
}

/* stat() for a directory entry, describing the entry itself. */
static int
stat_entry(const char *path, struct stat *st)
{
#if LAB_BIGFILE
  /* O_NOFOLLOW: a symbolic link is described, not what it leads to. */
  int fd = open(path, O_RDONLY | O_NOFOLLOW);

  if (fd < 0)
    return -1;
  int r = fstat(fd, st);
  close(fd);
  return r;
#else
  return stat(path, st);
#endif
}

/*
 * One line per entry of the directory open as fd. The entries are looked
 * up through dir/NAME, which needs room in a path buffer.
 */
static void
describe_entries(int fd, const char *dir)
{
  char path[MAXPATH], name[DIRSIZ + 1];
  int prefix = strlen(dir) + 1;
  struct dirent entry;
  struct stat st;

  if (prefix + DIRSIZ + 1 > sizeof(path)) {
    complain("path too long:", dir);
    return;
  }
  strcpy(path, dir);
  path[prefix - 1] = '/';
  while (read(fd, &entry, sizeof(entry)) == sizeof(entry)) {
    if (entry.inum == 0)
      continue;   /* a free slot */
    /* A name of exactly DIRSIZ bytes has no terminating 0 in the entry. */
    memmove(name, entry.name, DIRSIZ);
    name[DIRSIZ] = 0;
    strcpy(path + prefix, name);
    if (stat_entry(path, &st) < 0)
      complain("cannot stat", path);
    else
      describe(name, &st);
  }
}

static void
ls(const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY);

  if (fd < 0) {
    complain("cannot open", path);
    return;
  }
  if (fstat(fd, &st) < 0)
    complain("cannot stat", path);
  else if (st.type == T_DIR)
    describe_entries(fd, path);
  else
    describe(last_element(path), &st);
  close(fd);
}

int
main(int argc, char *argv[])
{
  if (argc == 1)
    ls(".");
  for (int i = 1; i < argc; i++)
    ls(argv[i]);
  exit(failed);
}
