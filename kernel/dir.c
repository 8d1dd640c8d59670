/*
 * Storage layer: directories and path names, built on the inode layer
 * (fs.c). A directory is an inode of type T_DIR whose contents are an
 * array of struct dirent; an entry with inum 0 is a free slot. This file
 * reads and writes directories only through readi and writei.
 *
 * A directory's nlink counts the entries naming it from other directories:
 * the one in its parent, and the ".." of each subdirectory. Its own "."
 * does not count. So nlink reaches 0 exactly when unlink (sysfile.c, which
 * removes only empty directories) has taken it out of its parent.
 *
 * The dead-directory rule. A directory with nlink 0 has been removed; it
 * lives on only while some process still refers to it (as its cwd, say)
 * and holds nothing but "." and "..". It is dead:
 *   - dirlink refuses to add an entry to it;
 *   - dirlookup refuses to follow its "..".
 * Why both are needed, and why they are enough:
 *   - An entry added to a dead directory vanishes with it at its last
 *     iput, which frees its blocks without looking at what they hold: a
 *     file would keep a link count for an entry that no longer exists,
 *     unreachable and never freed; a subdirectory would also raise the
 *     dead directory's nlink and bring it back to life, nameless.
 *   - When the directory was removed, its parent lost the link that the
 *     ".." held, so nothing keeps the parent alive on the dead
 *     directory's behalf: it may be removed and freed, and its inode
 *     number reused. The ".." entry, still on disk, could then lead to a
 *     free inode or a stranger.
 *   - Adding an entry (create, link, mkdir) and removing a directory
 *     (unlink) both hold the directory's inode lock, and dirlink reads
 *     nlink under it. Either the entry is added first, the directory is
 *     no longer empty and unlink refuses; or unlink goes first and
 *     dirlink sees nlink 0. A dead directory thus stays empty: it has no
 *     subdirectory whose ".." could name it, and no path reaches it but
 *     its own "." (harmless: whoever uses it holds a reference already).
 *   - Its last iput frees it (fs.c). Its "." and ".." go with its blocks;
 *     the link counts they stand for were settled when it was removed.
 * A process whose cwd was removed can still leave it by an absolute path.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "stat.h"
#include "fs.h"
#include "fsys.h"

/* Entries read from a directory per readi while searching it. */
#define DIRBATCH 16

int namecmp(const char *a, const char *b)
{
  return strncmp(a, b, DIRSIZ);
}

/* Removed by unlink: see the dead-directory rule above. Caller holds dp->lock. */
static int is_dead(struct inode *dp)
{
  return dp->nlink == 0;
}

/*
 * Search directory dp for the entry called name. Returns its byte offset,
 * with its inode number in *inum, or -1 if no entry has that name. If
 * free_slot is not 0 it receives where a new entry should go: the first
 * free slot, or else the end of the directory. Caller holds dp->lock.
 */
static int dir_search(struct inode *dp, const char *name, uint *inum, uint *free_slot)
{
  struct dirent batch[DIRBATCH];
  int free_found = 0;

  if (free_slot)
    *free_slot = dp->size;
  for (uint base = 0; base < dp->size; base += sizeof(batch)) {
    int got = readi(dp, 0, (uint64)batch, base, sizeof(batch));
    if (got <= 0 || got % sizeof(struct dirent) != 0)
      panic("dir_search: directory shorter than its size");
    int count = got / sizeof(struct dirent);
    for (int i = 0; i < count; i++) {
      uint off = base + i * sizeof(struct dirent);
      if (batch[i].inum == 0) {
        if (free_slot && !free_found)
          *free_slot = off;
        free_found = 1;
      } else if (namecmp(name, batch[i].name) == 0) {
        *inum = batch[i].inum;
        return off;
      }
    }
  }
  return -1;
}

/*
 * The inode that directory dp names name, referenced and unlocked, with
 * the entry's offset in *poff if poff is not 0; 0 if there is no such
 * entry, or it is the ".." of a dead directory. Caller holds dp->lock.
 */
struct inode *dirlookup(struct inode *dp, char *name, uint *poff)
{
  uint inum;

  if (dp->type != T_DIR)
    panic("dirlookup: not a directory");
  if (is_dead(dp) && namecmp(name, "..") == 0)
    return 0;
  int off = dir_search(dp, name, &inum, 0);
  if (off < 0)
    return 0;
  if (poff)
    *poff = off;
  return iget(dp->dev, inum);
}

/*
 * Add the entry (name, inum) to directory dp. Returns -1 if dp is dead,
 * already has an entry called name, or cannot grow (the disk is full).
 * Since a directory with nlink 0 is dead, a new directory must get its
 * link count before its "." and ".." entries. Caller holds dp->lock,
 * inside an operation.
 */
int dirlink(struct inode *dp, char *name, uint inum)
{
  uint existing, slot;

  if (dp->type != T_DIR)
    panic("dirlink: not a directory");
  if (is_dead(dp) || dir_search(dp, name, &existing, &slot) >= 0)
    return -1;

  struct dirent de;
  memset(&de, 0, sizeof(de));
  de.inum = inum;
  strncpy(de.name, name, DIRSIZ);
  return writei(dp, 0, (uint64)&de, slot, sizeof(de)) == sizeof(de) ? 0 : -1;
}

/* ---- path names ---- */

/* How many elements path has: names between slashes, "." and ".." included. */
static int count_elements(const char *path)
{
  int n = 0;
  for (const char *p = path; *p != '\0'; p++)
    if (*p != '/' && (p == path || p[-1] == '/'))
      n++;
  return n;
}

/*
 * Copy the next element of *path into name and move *path past it. name
 * has DIRSIZ bytes, the size of a directory entry's name: a longer
 * element is cut to its first DIRSIZ bytes, unterminated, as it would be
 * stored. Caller knows that an element is left.
 */
static void take_element(char **path, char *name)
{
  char *start = *path;
  while (*start == '/')
    start++;
  char *end = start;
  while (*end != '/' && *end != '\0')
    end++;

  uint len = end - start;
  memset(name, 0, DIRSIZ);
  memmove(name, start, len < DIRSIZ ? len : DIRSIZ);
  *path = end;
}

#if LAB_BIGFILE >= 2
/*
 * Path lookup with symbolic links. A link met in the middle of a path is
 * always followed; one at the end only if the caller asks (open does,
 * unless O_NOFOLLOW; nameiparent never looks at the last element). To
 * follow a link, the lookup reads the path it holds, splices it in front
 * of what is left of the path, and goes on from the root (an absolute
 * target) or from the directory the link is in (a relative one). At most
 * MAXSYMLINKS links are followed in one lookup, so that a cycle of links
 * fails instead of looping. No inode stays locked from one step to the
 * next: each is locked just long enough to read it.
 */
#define MAXSYMLINKS 10

/* A lookup in progress: the path left to walk, in a buffer it may rewrite. */
struct walk {
  char buf[MAXPATH];
  char *rest;   /* what is still to walk, inside buf */
  int links;    /* links followed so far */
};

/* Is ip, referenced and unlocked, a symbolic link? */
static int is_symlink(struct inode *ip)
{
  ilock(ip);
  int link = ip->type == T_SYMLINK;
  iunlock(ip);
  return link;
}

/*
 * Follow the link ip, using up the caller's reference to it: its target
 * goes in front of w->rest. Returns 1 if the target is absolute, 0 if it
 * is relative, -1 if the link cannot be followed (one link too many, or a
 * path too long).
 */
static int splice_link(struct walk *w, struct inode *ip)
{
  char target[MAXPATH];

  ilock(ip);
  int len = ip->size < MAXPATH ? readi(ip, 0, (uint64)target, 0, ip->size) : -1;
  iunlockput(ip);
  int rest_len = strlen(w->rest);
  if (++w->links > MAXSYMLINKS || len <= 0 || len + 1 + rest_len >= MAXPATH)
    return -1;
  /* rest lies inside buf: move it to its place first. */
  memmove(w->buf + len + 1, w->rest, rest_len + 1);
  memmove(w->buf, target, len);
  w->buf[len] = '/';
  w->rest = w->buf;
  return target[0] == '/';
}

/*
 * Walk w->rest from cwd, leaving the last keep elements unwalked (0 or 1)
 * and following a link at the end only if follow_last. Returns the inode
 * reached, referenced and unlocked, or 0.
 */
static struct inode *walk(struct walk *w, struct inode *cwd, int keep, int follow_last)
{
  char name[DIRSIZ];
  struct inode *dir = *w->rest == '/' ? iget(ROOTDEV, ROOTINO) : idup(cwd);
  int left;

  while (dir != 0 && (left = count_elements(w->rest)) > keep) {
    take_element(&w->rest, name);
    ilock(dir);
    struct inode *next = dir->type == T_DIR ? dirlookup(dir, name, 0) : 0;
    /* Unlocked before next is locked: for "..", next is dir's parent. */
    iunlock(dir);
    if (next != 0 && (left > 1 || follow_last) && is_symlink(next)) {
      int absolute = splice_link(w, next);
      if (absolute == 1) {
        iput(dir);
        dir = iget(ROOTDEV, ROOTINO);
      } else if (absolute < 0) {
        iput(dir);
        dir = 0;
      }
      continue;
    }
    iput(dir);
    dir = next;
  }
  return dir;
}

/* Start a walk of path. */
static void walk_start(struct walk *w, char *path)
{
  safestrcpy(w->buf, path, MAXPATH);
  w->rest = w->buf;
  w->links = 0;
}

/* The inode that path names, referenced and unlocked; 0 if there is none. Links are followed. */
struct inode *namei(struct inode *cwd, char *path)
{
  struct walk w;

  walk_start(&w, path);
  return walk(&w, cwd, 0, 1);
}

/*
 * The directory that should hold path's last element, referenced and
 * unlocked, with the element in name (DIRSIZ bytes); 0 if some directory
 * on the way is missing, or path has no element at all ("/" or "").
 */
struct inode *nameiparent(struct inode *cwd, char *path, char *name)
{
  struct walk w;

  walk_start(&w, path);
  if (count_elements(w.rest) == 0)
    return 0;
  struct inode *dp = walk(&w, cwd, 1, 0);
  if (dp == 0)
    return 0;
  ilock(dp);
  int is_dir = dp->type == T_DIR;
  iunlock(dp);
  if (!is_dir) {
    iput(dp);
    return 0;
  }
  take_element(&w.rest, name);
  return dp;
}
#else
/*
 * Look name up in dir, using up the caller's reference to dir. Returns the
 * inode found, referenced and unlocked, or 0 if dir is not a directory or
 * has no such entry.
 */
static struct inode *step(struct inode *dir, char *name)
{
  ilock(dir);
  struct inode *next = dir->type == T_DIR ? dirlookup(dir, name, 0) : 0;
  /*
   * dir is unlocked before anyone locks next: for ".." next is dir's
   * parent, which must not be locked while its child is.
   */
  iunlockput(dir);
  return next;
}

/*
 * Follow the first count elements of *path from where it starts (the root
 * for an absolute path, else cwd), leaving *path after the last one taken.
 * Returns the inode reached, referenced and unlocked, or 0.
 */
static struct inode *follow(struct inode *cwd, char **path, int count)
{
  char name[DIRSIZ];
  struct inode *ip = **path == '/' ? iget(ROOTDEV, ROOTINO) : idup(cwd);

  for (int i = 0; i < count && ip != 0; i++) {
    take_element(path, name);
    ip = step(ip, name);
  }
  return ip;
}

/* The inode that path names, referenced and unlocked; 0 if there is none. */
struct inode *namei(struct inode *cwd, char *path)
{
  return follow(cwd, &path, count_elements(path));
}

/*
 * The directory that should hold path's last element, referenced and
 * unlocked, with the element in name (DIRSIZ bytes); 0 if some directory
 * on the way is missing, or path has no element at all ("/" or "").
 */
struct inode *nameiparent(struct inode *cwd, char *path, char *name)
{
  int count = count_elements(path);
  if (count == 0)
    return 0;

  struct inode *dp = follow(cwd, &path, count - 1);
  if (dp == 0)
    return 0;
  ilock(dp);
  int is_dir = dp->type == T_DIR;
  iunlock(dp);
  if (!is_dir) {
    iput(dp);
    return 0;
  }
  take_element(&path, name);
  return dp;
}
#endif
#if LAB_BIGFILE

/* namei, except that a symbolic link at the end of path is not followed: the link itself. */
struct inode *namei_nofollow(struct inode *cwd, char *path)
{
#if LAB_BIGFILE >= 2
  struct walk w;

  walk_start(&w, path);
  return walk(&w, cwd, 0, 0);
#else
  /*
   * TODO (bigfile lab): make namei and nameiparent follow symbolic links
   * (see the handout), and this function follow all but a link at the end.
   * Until then no lookup follows links.
   */
  return namei(cwd, path);
#endif
}
#endif
