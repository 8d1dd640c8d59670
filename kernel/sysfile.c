/*
 * System-call layer: the file-system calls. They check their arguments,
 * then use the open-files and storage layers. Every call that may modify
 * the disk runs as one log operation, and every error path gives back what
 * it took (inode references and locks, files, descriptors).
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "memory.h"
#include "stat.h"
#include "fcntl.h"
#include "fs.h"
#include "fsys.h"
#include "file.h"
#include "syscall_args.h"

/* Fetch argument n as a descriptor of an open file. */
static int argfd(int n, int *pfd, struct file **pf)
{
  int fd;

  argint(n, &fd);
  if (fd < 0 || fd >= NOFILE || myproc()->ofile[fd] == 0)
    return -1;
  if (pfd)
    *pfd = fd;
  if (pf)
    *pf = myproc()->ofile[fd];
  return 0;
}

/* Give f the lowest free descriptor of the current process; -1 if all are taken. */
static int fdalloc(struct file *f)
{
  struct proc *p = myproc();

  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == 0) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

uint64 sys_dup(void)
{
  struct file *f;

  if (argfd(0, 0, &f) < 0)
    return -1;
  int fd = fdalloc(f);
  if (fd < 0)
    return -1;
  filedup(f);
  return fd;
}

/* The common arguments of read and write: descriptor, buffer, length. */
static int args_fd_buf_len(struct file **f, uint64 *addr, int *n)
{
  if (argfd(0, 0, f) < 0)
    return -1;
  argaddr(1, addr);
  argint(2, n);
  return *n < 0 ? -1 : 0;
}

uint64 sys_read(void)
{
  struct file *f;
  uint64 addr;
  int n;

  if (args_fd_buf_len(&f, &addr, &n) < 0)
    return -1;
  return fileread(f, addr, n);
}

uint64 sys_write(void)
{
  struct file *f;
  uint64 addr;
  int n;

  if (args_fd_buf_len(&f, &addr, &n) < 0)
    return -1;
  return filewrite(f, addr, n);
}

uint64 sys_close(void)
{
  int fd;
  struct file *f;

  if (argfd(0, &fd, &f) < 0)
    return -1;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

uint64 sys_fstat(void)
{
  struct file *f;
  uint64 st;

  if (argfd(0, 0, &f) < 0)
    return -1;
  argaddr(1, &st);
  return filestat(f, st);
}

/* Give the existing file old the additional name new. */
uint64 sys_link(void)
{
  char old[MAXPATH], new[MAXPATH], name[DIRSIZ];
  struct inode *ip, *dp;

  if (argstr(0, old, MAXPATH) < 0 || argstr(1, new, MAXPATH) < 0)
    return -1;

  begin_op();
  if ((ip = namei(myproc()->cwd, old)) == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type == T_DIR) {
    iunlockput(ip);
    end_op();
    return -1;
  }
  /* Count the link first: a crash in between leaves a harmless extra count. */
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  if ((dp = nameiparent(myproc()->cwd, new, name)) != 0) {
    ilock(dp);
    if (dp->dev == ip->dev && dirlink(dp, name, ip->inum) == 0) {
      iunlockput(dp);
      iput(ip);
      end_op();
      return 0;
    }
    iunlockput(dp);
  }

  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return -1;
}

/* Does directory dp hold nothing but "." and ".."? Caller holds dp->lock. */
static int dir_is_empty(struct inode *dp)
{
  struct dirent de;

  for (uint off = 2 * sizeof(de); off < dp->size; off += sizeof(de)) {
    if (readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      panic("dir_is_empty: directory shorter than its size");
    if (de.inum != 0)
      return 0;
  }
  return 1;
}

/* Clear the entry at off in directory dp, which names ip; both locked. */
static int remove_entry(struct inode *dp, struct inode *ip, uint off)
{
  struct dirent de;

  memset(&de, 0, sizeof(de));
  if (writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
    return -1;
  if (ip->type == T_DIR) {
    dp->nlink--;  /* the ".." that ip held */
    iupdate(dp);
  }
  ip->nlink--;
  iupdate(ip);
  return 0;
}

uint64 sys_unlink(void)
{
  char path[MAXPATH], name[DIRSIZ];
  struct inode *dp, *ip;
  uint off;
  int result = -1;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;

  begin_op();
  if ((dp = nameiparent(myproc()->cwd, path, name)) == 0) {
    end_op();
    return -1;
  }
  ilock(dp);
  if (namecmp(name, ".") != 0 && namecmp(name, "..") != 0 &&
      (ip = dirlookup(dp, name, &off)) != 0) {
    /* name is neither "." nor "..", so ip is a child of dp: locking it is in order. */
    ilock(ip);
    if (ip->nlink < 1)
      panic("unlink: inode with no links");
    if (ip->type != T_DIR || dir_is_empty(ip))
      result = remove_entry(dp, ip, off);
    iunlockput(ip);
  }
  iunlockput(dp);
  end_op();
  return result;
}

/*
 * Create path as a new inode of the given type and return it locked;
 * opening an existing file or device with type T_FILE returns it instead.
 * 0 if the parent is missing, the name is taken, or the disk is full.
 */
static struct inode *create(char *path, short type, short major, short minor)
{
  char name[DIRSIZ];
  struct inode *dp, *ip;

  if ((dp = nameiparent(myproc()->cwd, path, name)) == 0)
    return 0;
  ilock(dp);

  if ((ip = dirlookup(dp, name, 0)) != 0) {
    /* ip may be dp itself ("."): unlock dp before locking ip. */
    iunlockput(dp);
    ilock(ip);
    if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    iunlockput(ip);
    return 0;
  }

  if ((ip = ialloc(dp->dev, type)) == 0) {
    iunlockput(dp);
    return 0;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  /* "." does not count in ip's own nlink, so only dp's entry keeps ip alive. */
  int has_dots = type != T_DIR ||
                 (dirlink(ip, ".", ip->inum) == 0 && dirlink(ip, "..", dp->inum) == 0);
  if (!has_dots || dirlink(dp, name, ip->inum) < 0) {
    /* Undo: with no links, the last iput frees the inode and its blocks. */
    ip->nlink = 0;
    iupdate(ip);
    iunlockput(ip);
    iunlockput(dp);
    return 0;
  }
  if (type == T_DIR) {
    dp->nlink++;  /* for ip's ".." */
    iupdate(dp);
  }
  iunlockput(dp);
  return ip;
}

/* The locked inode that open should use, or 0 with nothing held. */
static struct inode *open_inode(char *path, int omode)
{
  struct inode *ip;

  if (omode & O_CREATE)
    return create(path, T_FILE, 0, 0);

  if ((ip = namei(myproc()->cwd, path)) == 0)
    return 0;
  ilock(ip);
  /* A directory may only be read. */
  if (ip->type == T_DIR && omode != O_RDONLY) {
    iunlockput(ip);
    return 0;
  }
  return ip;
}

uint64 sys_open(void)
{
  char path[MAXPATH];
  int omode, fd;
  struct inode *ip;
  struct file *f;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  argint(1, &omode);

  begin_op();
  if ((ip = open_inode(path, omode)) == 0) {
    end_op();
    return -1;
  }
  if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV))
    goto fail;
  if ((f = filealloc()) == 0)
    goto fail;
  if ((fd = fdalloc(f)) < 0) {
    fileclose(f);  /* still FD_NONE: gives back the slot and nothing else */
    goto fail;
  }

  if (ip->type == T_DEVICE) {
    f->type = FD_DEVICE;
    f->major = ip->major;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = !(omode & O_WRONLY);
  f->writable = (omode & O_WRONLY) || (omode & O_RDWR);

  if ((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc(ip);

  iunlock(ip);
  end_op();
  return fd;

fail:
  iunlockput(ip);
  end_op();
  return -1;
}

uint64 sys_mkdir(void)
{
  char path[MAXPATH];
  struct inode *ip;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  if ((ip = create(path, T_DIR, 0, 0)) == 0) {
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

uint64 sys_mknod(void)
{
  char path[MAXPATH];
  int major, minor;
  struct inode *ip;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  argint(1, &major);
  argint(2, &minor);
  begin_op();
  if ((ip = create(path, T_DEVICE, major, minor)) == 0) {
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

uint64 sys_chdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  struct proc *p = myproc();

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  if ((ip = namei(myproc()->cwd, path)) == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    end_op();
    return -1;
  }
  iunlock(ip);
  /* The old directory's last reference may free it: still inside the operation. */
  iput(p->cwd);
  end_op();
  p->cwd = ip;
  return 0;
}

uint64 sys_pipe(void)
{
  uint64 fdarray;
  struct file *rf, *wf;
  struct proc *p = myproc();

  argaddr(0, &fdarray);
  if (pipealloc(&rf, &wf) < 0)
    return -1;

  int fds[2] = { fdalloc(rf), -1 };
  if (fds[0] >= 0)
    fds[1] = fdalloc(wf);
  if (fds[1] < 0 || copyout(p->pagetable, fdarray, fds, sizeof(fds)) < 0) {
    if (fds[0] >= 0)
      p->ofile[fds[0]] = 0;
    if (fds[1] >= 0)
      p->ofile[fds[1]] = 0;
    fileclose(rf);
    fileclose(wf);
    return -1;
  }
  return 0;
}
