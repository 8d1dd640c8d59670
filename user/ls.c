/*
 * ls [PATH...]: for a directory, one line per entry; for anything else,
 * one line for it. Each line holds the name, type, inode number and size.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "user/user.h"

/* The last element of path, padded with spaces to DIRSIZ so columns line up. */
static const char *
padded_name(const char *path)
{
  static char name[DIRSIZ + 1];
  const char *last = path + strlen(path);
  int len;

  while (last > path && last[-1] != '/')
    last--;
  len = strlen(last);
  if (len >= DIRSIZ)
    return last;
  memmove(name, last, len);
  memset(name + len, ' ', DIRSIZ - len);
  name[DIRSIZ] = 0;
  return name;
}

static void
print_entry(const char *path, struct stat *st)
{
  printf("%s %d %u %lu\n", padded_name(path), st->type, st->ino, st->size);
}

static void
list_directory(int fd, const char *path)
{
  char child[MAXPATH];
  struct dirent de;
  struct stat st;
  int len = strlen(path);

  if (len + 1 + DIRSIZ + 1 > sizeof(child)) {
    fprintf(2, "ls: path too long: %s\n", path);
    return;
  }
  strcpy(child, path);
  child[len++] = '/';
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    /* An entry name fills DIRSIZ bytes and is 0-terminated only when shorter. */
    memmove(child + len, de.name, DIRSIZ);
    child[len + DIRSIZ] = 0;
    if (stat(child, &st) < 0) {
      fprintf(2, "ls: cannot stat %s\n", child);
      continue;
    }
    print_entry(child, &st);
  }
}

static void
list(const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY);

  if (fd < 0) {
    fprintf(2, "ls: cannot open %s\n", path);
    return;
  }
  if (fstat(fd, &st) < 0)
    fprintf(2, "ls: cannot stat %s\n", path);
  else if (st.type == T_DIR)
    list_directory(fd, path);
  else
    print_entry(path, &st);
  close(fd);
}

int
main(int argc, char *argv[])
{
  int i;

  if (argc < 2) {
    list(".");
    exit(0);
  }
  for (i = 1; i < argc; i++)
    list(argv[i]);
  exit(0);
}
