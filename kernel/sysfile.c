/*
 * System-call layer: the file-system calls. Each one checks its arguments,
 * then works through the open-files and storage layers. A call that may
 * change the disk runs as one log operation, and every failure gives back
 * all it took (inode references and locks, open files, descriptors).
 *
 * How the calls that change directories (open with O_CREATE, mkdir, mknod,
 * link, unlink) keep the tree consistent however they interleave:
 *
 * Lock order. Directories are locked parent before child. A call holds two
 * directories at once only when one is the other's parent (unlink), never
 * two siblings; an inode reached through "." or ".." is locked only after
 * the directory it was found in is unlocked (create of an existing name;
 * path lookup in fs.c does the same). A file or device inode is locked
 * after any directory and never while waiting for another inode (link
 * holds the target directory, then the file; unlink the directory, then
 * the file). There are no links to directories and no rename, so the
 * directories form a tree and this order has no cycle: no deadlock.
 *
 * Atomic steps. Adding or removing an entry and adjusting the link counts
 * that go with it happen while the directory (and the inode concerned) are
 * locked, inside one log operation: other processes see all of it or none,
 * and so does a crash.
 *
 * Dead directories. unlink removes a directory only if it is empty, which
 * it checks with the directory locked; in the same step the directory's
 * link count drops to 0, and its parent's drops by the one its ".." held.
 * create and link look at the link count of the directory they add to,
 * with it locked, before they allocate or change anything, and give up on
 * a removed (dead) directory; dirlink (dir.c) refuses one too. So either
 * the add comes first and the unlink finds the directory not empty, or
 * the unlink comes first and the add fails: no entry is ever made where
 * no path leads, and no directory with entries is ever removed.
 *
 * Link counts and freed inodes. The storage layer frees an inode when its
 * last reference goes and its link count is 0. Every entry naming an
 * inode counts in its nlink (and every subdirectory's ".." in its
 * parent's), and an entry is added only for an inode the caller holds a
 * reference to and has locked with nlink > 0, raising nlink in the same
 * step. So no entry can name a freed (or reused) inode, and no inode that
 * a path reaches has a link count that disagrees with its entries. The
 * one entry left that no link count stands for, a dead directory's "..",
 * is never followed (dir.c), so its old parent may go.
 *
 * A process's working directory may be removed, as on Linux. The process's
 * reference keeps the inode alive, holding only "." and "..", but it is
 * dead: creating or linking in it fails (link count 0, checked here and in
 * dirlink), ".." in it leads nowhere (dirlookup), and chdir into it fails.
 * The process leaves by an absolute path, and its last reference frees
 * the inode.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "sched.h"
#include "memory.h"
#include "stat.h"
#include "fcntl.h"
#include "fs.h"
#include "fsys.h"
#include "file.h"
#include "syscall_args.h"

/* The most names one inode can have: the on-disk nlink is a short. */
#define MAX_NLINK 0x7fff

/* ---- descriptors ---- */

/* Fetch argument n as a descriptor; -1 unless it names an open file. */
static int fd_arg(int n, int *fdp, struct file **fp)
{
  int fd;

  argint(n, &fd);
  if (fd < 0 || fd >= NOFILE)
    return -1;
  struct file *f = myproc()->ofile[fd];
  if (f == 0)
    return -1;
  if (fdp)
    *fdp = fd;
  *fp = f;
  return 0;
}

/* The lowest descriptor of the current process at or above from that names nothing; -1 if none. */
static int free_fd(int from)
{
  struct file **ofile = myproc()->ofile;

  for (int fd = from; fd < NOFILE; fd++)
    if (ofile[fd] == 0)
      return fd;
  return -1;
}

/* Make the lowest free descriptor name f; the descriptor, or -1 if all are in use. */
static int install_fd(struct file *f)
{
  int fd = free_fd(0);

  if (fd >= 0)
    myproc()->ofile[fd] = f;
  return fd;
}

uint64 sys_dup(void)
{
  struct file *f;

  if (fd_arg(0, 0, &f) < 0)
    return -1;
  int fd = install_fd(f);
  if (fd >= 0)
    filedup(f);
  return fd;
}

/* The arguments read and write share: descriptor, buffer address, byte count. */
static int transfer_args(struct file **fp, uint64 *addrp, int *np)
{
  if (fd_arg(0, 0, fp) < 0)
    return -1;
  argaddr(1, addrp);
  argint(2, np);
  return *np < 0 ? -1 : 0;
}

uint64 sys_read(void)
{
  struct file *f;
  uint64 addr;
  int n;

  if (transfer_args(&f, &addr, &n) < 0)
    return -1;
  return fileread(f, addr, n);
}

uint64 sys_write(void)
{
  struct file *f;
  uint64 addr;
  int n;

  if (transfer_args(&f, &addr, &n) < 0)
    return -1;
  return filewrite(f, addr, n);
}

uint64 sys_close(void)
{
  struct file *f;
  int fd;

  if (fd_arg(0, &fd, &f) < 0)
    return -1;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

uint64 sys_fstat(void)
{
  struct file *f;
  uint64 addr;

  if (fd_arg(0, 0, &f) < 0)
    return -1;
  argaddr(1, &addr);
  return filestat(f, addr);
}

/*
 * Descriptors for both ends of a new pipe, stored as two ints at the user
 * address in argument 0. The descriptor numbers are chosen and handed to
 * the user first: a process has one thread, so nothing can take them in
 * between, and a bad address then fails the call before anything exists.
 */
uint64 sys_pipe(void)
{
  uint64 addr;
  int fds[2];
  struct file *rf, *wf;
  struct proc *p = myproc();

  argaddr(0, &addr);
  fds[0] = free_fd(0);
  fds[1] = fds[0] < 0 ? -1 : free_fd(fds[0] + 1);
  if (fds[1] < 0)
    return -1;
  if (copyout(p->pagetable, addr, fds, sizeof(fds)) < 0)
    return -1;
  if (pipealloc(&rf, &wf) < 0)
    return -1;
  p->ofile[fds[0]] = rf;
  p->ofile[fds[1]] = wf;
  return 0;
}

/* ---- names ---- */

/* "." and ".." belong to a directory itself: they cannot be removed or made. */
static int is_dot_name(const char *name)
{
  return namecmp(name, ".") == 0 || namecmp(name, "..") == 0;
}

/*
 * The directory that will hold the last element of path (copied into
 * name), locked; 0, holding nothing, if there is none or it has been
 * removed. Creating or linking into a removed directory would make an
 * entry that no path reaches.
 */
static struct inode *lock_live_parent(char *path, char *name)
{
  struct inode *dp = nameiparent(myproc()->cwd, path, name);

  if (dp == 0)
    return 0;
  ilock(dp);
  if (dp->nlink == 0) {
    iunlockput(dp);
    return 0;
  }
  return dp;
}

/*
 * The inode that path already names, for create: returned locked only if
 * open(O_CREATE) may use it (asked for a T_FILE, found a file or device).
 */
static struct inode *reuse_existing(struct inode *ip, short type)
{
  ilock(ip);
  if (type != T_FILE || (ip->type != T_FILE && ip->type != T_DEVICE)) {
    iunlockput(ip);
    return 0;
  }
  return ip;
}

/*
 * Fill in a just-allocated, locked inode ip that will be named in dp. A
 * directory gets its "." and ".."; "." does not count in its own nlink
 * (a directory has nlink 1 plus one per subdirectory), and ".." is
 * counted in dp only once the name is in place. -1 if the disk is full.
 */
static int init_new_inode(struct inode *ip, struct inode *dp, short major, short minor)
{
  /* The name it is about to get, counted first: nothing may be added to a
     directory with no links. */
  ip->nlink = 1;
  if (ip->type == T_DEVICE) {
    ip->major = major;
    ip->minor = minor;
  }
  iupdate(ip);
  if (ip->type != T_DIR)
    return 0;
  if (dirlink(ip, ".", ip->inum) < 0 || dirlink(ip, "..", dp->inum) < 0)
    return -1;
  return 0;
}

/*
 * Make a new inode of the given type named path and return it locked. For
 * open(O_CREATE) (type T_FILE) an existing file or device is returned
 * instead. 0, holding nothing, if the parent is missing or removed, the
 * name is taken, or the disk or inode table is full.
 *
 * Steps: lock the parent; an existing name ends it here; allocate and fill
 * in the inode; enter its name in the parent. If any of the last steps
 * fails, the one way back is to give the new inode a link count of 0 and
 * drop it, which frees it with all its blocks.
 */
static struct inode *create(char *path, short type, short major, short minor)
{
  char name[DIRSIZ];
  struct inode *dp, *ip;

  if ((dp = lock_live_parent(path, name)) == 0)
    return 0;

  if ((ip = dirlookup(dp, name, 0)) != 0) {
    /* ip may be dp itself (".") or its parent (".."): unlock dp first. */
    iunlockput(dp);
    return reuse_existing(ip, type);
  }

  if ((ip = ialloc(dp->dev, type)) != 0) {
    ilock(ip);
    if (init_new_inode(ip, dp, major, minor) < 0 || dirlink(dp, name, ip->inum) < 0) {
      ip->nlink = 0;
      iupdate(ip);
      iunlockput(ip);
      ip = 0;
    } else if (type == T_DIR) {
      dp->nlink++;  /* the new directory's ".." */
      iupdate(dp);
    }
  }
  iunlockput(dp);
  return ip;
}

/* Lock ip long enough to read its type: stable while the caller holds a reference. */
static int is_directory(struct inode *ip)
{
  ilock(ip);
  int dir = ip->type == T_DIR;
  iunlock(ip);
  return dir;
}

/*
 * Give the file old the extra name new. Directories cannot be linked (the
 * tree must stay a tree), nor can a file whose last name was removed after
 * we found it: that would bring a dying inode back.
 */
static int add_link(char *old, char *new)
{
  char name[DIRSIZ];
  struct inode *ip, *dp;
  int result = -1;

  if ((ip = namei(myproc()->cwd, old)) == 0)
    return -1;
  if (!is_directory(ip) && (dp = lock_live_parent(new, name)) != 0) {
    ilock(ip);  /* a file, after its target directory: see the lock order above */
    if (ip->dev == dp->dev && ip->nlink > 0 && ip->nlink < MAX_NLINK &&
        dirlink(dp, name, ip->inum) == 0) {
      ip->nlink++;
      iupdate(ip);
      result = 0;
    }
    iunlock(ip);
    iunlockput(dp);
  }
  iput(ip);
  return result;
}

uint64 sys_link(void)
{
  char old[MAXPATH], new[MAXPATH];

  if (argstr(0, old, MAXPATH) < 0 || argstr(1, new, MAXPATH) < 0)
    return -1;
  begin_op();
  int result = add_link(old, new);
  end_op();
  return result;
}

/* Does directory dp (locked) name anything besides itself and its parent? */
static int dir_is_empty(struct inode *dp)
{
  struct dirent de;

  for (uint off = 0; off < dp->size; off += sizeof(de)) {
    if (readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      panic("dir_is_empty: directory shorter than its size");
    if (de.inum != 0 && !is_dot_name(de.name))
      return 0;
  }
  return 1;
}

/* Blank the entry at off in directory dp (locked). */
static void erase_entry(struct inode *dp, uint off)
{
  struct dirent blank;

  memset(&blank, 0, sizeof(blank));
  /* The entry lies inside dp's blocks: writing it allocates nothing, so cannot fail. */
  if (writei(dp, 0, (uint64)&blank, off, sizeof(blank)) != sizeof(blank))
    panic("erase_entry: cannot write a directory");
}

/*
 * ip (locked) has lost its entry in dp (locked): one link less. A directory
 * (empty, so it had just the one) drops to nlink 0, which makes it dead,
 * and gives back the link its ".." held on dp.
 */
static void drop_links(struct inode *dp, struct inode *ip)
{
  ip->nlink--;
  iupdate(ip);
  if (ip->type == T_DIR) {
    dp->nlink--;
    iupdate(dp);
  }
}

/*
 * Remove the last element of path from its directory. A directory must be
 * empty; "." and ".." cannot be removed. The inode itself lives on while
 * open files or working directories refer to it.
 */
static int remove_name(char *path)
{
  char name[DIRSIZ];
  struct inode *dp, *ip;
  uint off;
  int result = -1;

  if ((dp = nameiparent(myproc()->cwd, path, name)) == 0)
    return -1;
  ilock(dp);
  if (!is_dot_name(name) && (ip = dirlookup(dp, name, &off)) != 0) {
    ilock(ip);  /* neither "." nor "..", so a child of dp: parent first */
    if (ip->nlink < 1)
      panic("unlink: a directory entry names an inode with no links");
    if (ip->type != T_DIR || dir_is_empty(ip)) {
      erase_entry(dp, off);
      drop_links(dp, ip);
      result = 0;
    }
    iunlockput(ip);
  }
  iunlockput(dp);
  return result;
}

uint64 sys_unlink(void)
{
  char path[MAXPATH];

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  int result = remove_name(path);
  end_op();
  return result;
}

/* ---- opening ---- */

/*
 * May open use the locked inode ip with omode? Directories change only
 * through the calls above: read-only.
 */
static int may_open(struct inode *ip, int omode)
{
#if LAB_BIGFILE
  /* O_NOFOLLOW is no access mode. A link opened itself is read-only: its text. */
  omode &= ~O_NOFOLLOW;
  if (ip->type == T_SYMLINK)
    return omode == O_RDONLY;
#endif
  return ip->type != T_DIR || omode == O_RDONLY;
}

#if LAB_BIGFILE
/* The inode path names for open: with O_NOFOLLOW, a symbolic link at its end is the link itself. */
static struct inode *name_for_open(char *path, int omode)
{
  struct inode *cwd = myproc()->cwd;

  return (omode & O_NOFOLLOW) ? namei_nofollow(cwd, path) : namei(cwd, path);
}
#endif

/* The existing inode path names, locked, if open may use it with omode; else 0. */
static struct inode *lookup_for_open(char *path, int omode)
{
#if LAB_BIGFILE
  struct inode *ip = name_for_open(path, omode);
#else
  struct inode *ip = namei(myproc()->cwd, path);
#endif

  if (ip == 0)
    return 0;
  ilock(ip);
  if (!may_open(ip, omode)) {
    iunlockput(ip);
    return 0;
  }
  return ip;
}

/* The access bits of an open file made with open mode omode. */
static int access_of(int omode)
{
  int access = 0;

  if ((omode & O_WRONLY) == 0)
    access |= FILE_CAN_READ;
  if (omode & (O_WRONLY | O_RDWR))
    access |= FILE_CAN_WRITE;
  return access;
}

/*
 * Make an open file for the locked inode ip and give it a descriptor. The
 * file takes over the reference to ip; if anything is missing (a driver for
 * a device, a file slot, a descriptor) the reference is dropped instead.
 * Inside a log operation, since O_TRUNC may free blocks. Descriptor or -1.
 */
static int open_inode(struct inode *ip, int omode)
{
  const struct devsw *driver = 0;
  struct file *f = 0;
  int fd = -1;

  if (ip->type == T_DEVICE)
    driver = devsw_get(ip->major);
  if (ip->type != T_DEVICE || driver != 0)
    f = filealloc();
  if (f != 0 && (fd = install_fd(f)) < 0)
    fileclose(f);  /* still FILE_UNUSED: only the slot goes back */
  if (fd < 0) {
    iunlockput(ip);
    return -1;
  }

  f->kind = driver ? FILE_DEVICE : FILE_INODE;
  f->driver = driver;
  f->ip = ip;
  f->off = 0;
  f->access = access_of(omode);
  if ((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc(ip);
  iunlock(ip);
  return fd;
}

#if LAB_BIGFILE
/*
 * Does open with omode make path (O_CREATE), or look it up? O_CREATE meets
 * a symbolic link by looking it up: it opens what the link leads to, if
 * anything (no file is made through a link that leads nowhere). With
 * O_NOFOLLOW as well it fails, since a link opened itself is read-only
 * (may_open).
 */
static int open_creates(char *path, int omode)
{
#if LAB_BIGFILE >= 2
  if ((omode & O_CREATE) == 0)
    return 0;
  struct inode *ip = namei_nofollow(myproc()->cwd, path);
  if (ip == 0)
    return 1;
  ilock(ip);
  int link = ip->type == T_SYMLINK;
  iunlockput(ip);
  return !link;
#else
  /* TODO (bigfile lab): O_CREATE must not make a file over a symbolic link. */
  return (omode & O_CREATE) != 0;
#endif
}
#endif

uint64 sys_open(void)
{
  char path[MAXPATH];
  int omode;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  argint(1, &omode);

  begin_op();
#if LAB_BIGFILE
  struct inode *ip = open_creates(path, omode) ? create(path, T_FILE, 0, 0)
                                               : lookup_for_open(path, omode);
#else
  struct inode *ip = (omode & O_CREATE) ? create(path, T_FILE, 0, 0)
                                        : lookup_for_open(path, omode);
#endif
  int fd = ip ? open_inode(ip, omode) : -1;
  end_op();
  return fd;
}

/* mkdir and mknod: create path as a new inode and let it go. */
static int make_node(char *path, short type, short major, short minor)
{
  begin_op();
  struct inode *ip = create(path, type, major, minor);
  int made = ip != 0;
  if (made)
    iunlockput(ip);
  end_op();
  return made ? 0 : -1;
}

uint64 sys_mkdir(void)
{
  char path[MAXPATH];

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  return make_node(path, T_DIR, 0, 0);
}

uint64 sys_mknod(void)
{
  char path[MAXPATH];
  int major, minor;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  argint(1, &major);
  argint(2, &minor);
  return make_node(path, T_DEVICE, major, minor);
}

#if LAB_BIGFILE
/* ---- symbolic links ---- */

#if LAB_BIGFILE >= 2
/*
 * Make path a new symbolic link holding target. The link gets its
 * contents before its name, in one log operation: if the disk is full, the
 * new inode is dropped whole (as create does) and nothing is left behind.
 */
static int make_symlink(char *target, char *path)
{
  char name[DIRSIZ];
  struct inode *dp, *ip;
  int len = strlen(target), made = 0;

  if (len == 0 || (dp = lock_live_parent(path, name)) == 0)
    return -1;
  if ((ip = dirlookup(dp, name, 0)) != 0) {
    iput(ip);  /* the name is taken, by whatever: a link never replaces it */
  } else if ((ip = ialloc(dp->dev, T_SYMLINK)) != 0) {
    ilock(ip);
    ip->nlink = 1;  /* counted before the name exists, as in init_new_inode */
    made = writei(ip, 0, (uint64)target, 0, len) == len && dirlink(dp, name, ip->inum) == 0;
    ip->nlink = made;  /* a link left without its name goes when dropped */
    iupdate(ip);
    iunlockput(ip);
  }
  iunlockput(dp);
  return made ? 0 : -1;
}
#endif

/* symlink(target, path): make path a link to target, which need not exist. */
uint64 sys_symlink(void)
{
  char target[MAXPATH], path[MAXPATH];

  if (argstr(0, target, MAXPATH) < 0 || argstr(1, path, MAXPATH) < 0)
    return -1;
#if LAB_BIGFILE >= 2
  begin_op();
  int result = make_symlink(target, path);
  end_op();
  return result;
#else
  /* TODO (bigfile lab): make path a new T_SYMLINK inode that holds target. */
  return -1;
#endif
}
#endif

/* ---- working directory ---- */

/* Can a process make ip its working directory? A directory that has not been removed. */
static int can_enter(struct inode *ip)
{
  ilock(ip);
  int ok = ip->type == T_DIR && ip->nlink > 0;
  iunlock(ip);
  return ok;
}

uint64 sys_chdir(void)
{
  char path[MAXPATH];
  struct proc *p = myproc();
  struct inode *ip;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  if ((ip = namei(p->cwd, path)) != 0 && !can_enter(ip)) {
    iput(ip);
    ip = 0;
  }
  if (ip) {
    /* The old directory's last reference may free it (if it was removed):
       that needs the log operation. */
    iput(p->cwd);
    p->cwd = ip;
  }
  end_op();
  return ip ? 0 : -1;
}
#if LAB_IOZONE >= 2

/* ---- offsets, positioned and vectored transfers: the iozone lab ---- */

/* The most bytes one call moves: it returns the count as an int. */
#define MAX_TRANSFER 0x7fffffff

_Static_assert(IOV_MAX * sizeof(struct iovec) <= PGSIZE, "an iovec array must fit in a page");

/* lseek(fd, offset, whence): the new offset, or -1. */
uint64 sys_lseek(void)
{
  struct file *f;
  int offset, whence;

  if (fd_arg(0, 0, &f) < 0)
    return -1;
  argint(1, &offset);
  argint(2, &whence);
  return fileseek(f, offset, whence);
}

/* The arguments of pread and pwrite: read's, and an offset that is not negative. */
static int positioned_args(struct file **fp, uint64 *addrp, int *np, int *offp)
{
  if (transfer_args(fp, addrp, np) < 0)
    return -1;
  argint(3, offp);
  return *offp < 0 ? -1 : 0;
}

uint64 sys_pread(void)
{
  struct file *f;
  uint64 addr;
  int n, off;

  if (positioned_args(&f, &addr, &n, &off) < 0)
    return -1;
  return fileread_at(f, addr, n, off);
}

uint64 sys_pwrite(void)
{
  struct file *f;
  uint64 addr;
  int n, off;

  if (positioned_args(&f, &addr, &n, &off) < 0)
    return -1;
  return filewrite_at(f, addr, n, off);
}

/*
 * Copy the user's array of count iovecs at uaddr into v (a page) and check
 * it all before anything moves: the count, every buffer lying within user
 * memory, and a total that the call can return. 0 or -1.
 */
static int fetch_iovecs(uint64 uaddr, int count, struct iovec *v)
{
  uint64 total = 0;

  if (count < 0 || count > IOV_MAX)
    return -1;
  if (copyin(myproc()->pagetable, v, uaddr, count * sizeof(*v)) < 0)
    return -1;
  for (int i = 0; i < count; i++) {
    uint64 base = (uint64)v[i].iov_base, len = v[i].iov_len;
    if (len > MAX_TRANSFER || base + len < base || base + len > MAXUVA)
      return -1;
    total += len;
    if (total > MAX_TRANSFER)
      return -1;
  }
  return 0;
}

/* One buffer's transfer: at offset at, or at the file's offset if at is negative. */
static int move_buffer(struct file *f, int writing, uint64 addr, int n, long at)
{
  if (at >= 0)
    return writing ? filewrite_at(f, addr, n, at) : fileread_at(f, addr, n, at);
  return writing ? filewrite(f, addr, n) : fileread(f, addr, n);
}

/*
 * Move each buffer of v in turn, into the file if writing, else out of it,
 * from offset at on (or the file's offset, for a negative at). A short
 * transfer (end of file, a full disk, a pipe with less in it) ends the
 * call. The bytes moved, or -1 if the first buffer failed.
 */
static int move_iovecs(struct file *f, const struct iovec *v, int count, int writing, int at)
{
  int done = 0;

  for (int i = 0; i < count; i++) {
    int len = v[i].iov_len;
    if (len == 0)
      continue;
    int moved = move_buffer(f, writing, (uint64)v[i].iov_base, len,
                            at < 0 ? -1 : (long)at + done);
    if (moved < 0)
      return done > 0 ? done : -1;
    done += moved;
    if (moved < len)
      break;
  }
  return done;
}

/* readv, writev, preadv, pwritev: descriptor, iovec array, count, and an offset if positioned. */
static int vectored(int writing, int positioned)
{
  struct file *f;
  uint64 uiov;
  int count, at = -1;

  if (fd_arg(0, 0, &f) < 0)
    return -1;
  argaddr(1, &uiov);
  argint(2, &count);
  if (positioned) {
    argint(3, &at);
    if (at < 0)
      return -1;
  }
  /* A page, not the kernel stack: IOV_MAX iovecs would not fit there. */
  struct iovec *v = kalloc();
  if (v == 0)
    return -1;
  int result = -1;
  if (fetch_iovecs(uiov, count, v) == 0)
    result = move_iovecs(f, v, count, writing, at);
  kfree(v);
  return result;
}

uint64 sys_readv(void)
{
  return vectored(0, 0);
}

uint64 sys_writev(void)
{
  return vectored(1, 0);
}

uint64 sys_preadv(void)
{
  return vectored(0, 1);
}

uint64 sys_pwritev(void)
{
  return vectored(1, 1);
}

uint64 sys_fsync(void)
{
  struct file *f;

  if (fd_arg(0, 0, &f) < 0)
    return -1;
  return filesync(f);
}

uint64 sys_ftruncate(void)
{
  struct file *f;
  int length;

  if (fd_arg(0, 0, &f) < 0)
    return -1;
  argint(1, &length);
  return filetruncate(f, length);
}
#elif LAB_IOZONE == 1

/*
 * ---- offsets, positioned and vectored transfers: the iozone lab ----
 *
 * TODO (iozone lab): each of these calls only fails so far. Give them
 * their bodies, and the open-files layer (file.c) the functions they
 * need; handouts/iozone.md says what each must do.
 */

/* lseek(fd, offset, whence): the new offset, or -1. */
uint64 sys_lseek(void)
{
  return -1;
}

/* pread(fd, buf, n, offset): read at offset; the file's offset stays. */
uint64 sys_pread(void)
{
  return -1;
}

/* pwrite(fd, buf, n, offset): write at offset; the file's offset stays. */
uint64 sys_pwrite(void)
{
  return -1;
}

/* readv(fd, iov, iovcnt): read into each buffer of the array in turn. */
uint64 sys_readv(void)
{
  return -1;
}

/* writev(fd, iov, iovcnt): write each buffer of the array in turn. */
uint64 sys_writev(void)
{
  return -1;
}

/* preadv(fd, iov, iovcnt, offset): readv at offset. */
uint64 sys_preadv(void)
{
  return -1;
}

/* pwritev(fd, iov, iovcnt, offset): writev at offset. */
uint64 sys_pwritev(void)
{
  return -1;
}

/* fsync(fd): return once what was written to fd is on disk. */
uint64 sys_fsync(void)
{
  return -1;
}

/* ftruncate(fd, length): make the file length bytes long. */
uint64 sys_ftruncate(void)
{
  return -1;
}
#endif
