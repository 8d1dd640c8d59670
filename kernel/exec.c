/*
 * exec: replace the current process's memory with a program loaded from an
 * ELF file. The new image is built completely in a fresh page table, so that
 * any failure (a missing file, a malformed ELF, no memory, too many
 * arguments) leaves the old image untouched and exec simply returns -1.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "proc.h"
#include "fs.h"
#include "fsys.h"
#include "elf.h"

static int segment_perm(uint32 flags)
{
  int perm = 0;
  if (flags & ELF_PROG_FLAG_EXEC)
    perm |= PTE_X;
  if (flags & ELF_PROG_FLAG_WRITE)
    perm |= PTE_W;
  return perm;
}

/* Read sz bytes at offset off of ip into the already-mapped pages at va. */
static int load_segment(pagetable_t pt, uint64 va, struct inode *ip, uint off, uint sz)
{
  for (uint i = 0; i < sz; i += PGSIZE) {
    uint64 pa = walkaddr(pt, va + i);
    if (pa == 0)
      panic("load_segment: page not mapped");
    uint n = sz - i < PGSIZE ? sz - i : PGSIZE;
    if (readi(ip, 0, pa, off + i, n) != n)
      return -1;
  }
  return 0;
}

static int valid_header(struct elfhdr *eh)
{
  return eh->magic == ELF_MAGIC && eh->elf[0] == ELF_CLASS64 &&
         eh->type == ELF_TYPE_EXEC && eh->machine == ELF_MACHINE_RISCV &&
         eh->phentsize == sizeof(struct proghdr);
}

static int valid_segment(struct proghdr *ph)
{
  return ph->memsz >= ph->filesz && ph->vaddr + ph->memsz >= ph->vaddr &&
         ph->vaddr % PGSIZE == 0 && ph->vaddr + ph->memsz <= MAXUVA &&
         ph->off + ph->filesz >= ph->off;
}

/*
 * Map and load every LOADable segment, keeping *sz up to date so that the
 * caller can free a half-built image. Returns 0, or -1 on a bad program.
 */
static int load_program(pagetable_t pt, struct inode *ip, struct elfhdr *eh, uint64 *sz)
{
  for (int i = 0; i < eh->phnum; i++) {
    struct proghdr ph;
    uint off = eh->phoff + i * sizeof(ph);
    if (readi(ip, 0, (uint64)&ph, off, sizeof(ph)) != sizeof(ph))
      return -1;
    if (ph.type != ELF_PROG_LOAD)
      continue;
    if (!valid_segment(&ph) || ph.vaddr < *sz)
      return -1;
    uint64 newsz = uvmalloc(pt, *sz, ph.vaddr + ph.memsz, segment_perm(ph.flags));
    if (newsz == 0)
      return -1;
    *sz = newsz;
    if (load_segment(pt, ph.vaddr, ip, ph.off, ph.filesz) < 0)
      return -1;
  }
  return *sz > 0 ? 0 : -1;
}

/*
 * Copy the argument strings and the argv array onto the new user stack,
 * whose top is *sp. Returns argc, or -1 if they do not fit.
 */
static int push_arguments(pagetable_t pt, uint64 *sp, uint64 stackbase, char **argv)
{
  uint64 ustack[MAXARG + 1];
  int argc;

  for (argc = 0; argv[argc]; argc++) {
    if (argc >= MAXARG)
      return -1;
    uint64 len = strlen(argv[argc]) + 1;
    if (*sp - stackbase < len)
      return -1;
    *sp = (*sp - len) & ~15UL;  /* the RISC-V ABI wants sp 16-byte aligned */
    if (*sp < stackbase || copyout(pt, *sp, argv[argc], len) < 0)
      return -1;
    ustack[argc] = *sp;
  }
  ustack[argc] = 0;

  uint64 bytes = (argc + 1) * sizeof(uint64);
  if (*sp - stackbase < bytes + 16)
    return -1;
  *sp = (*sp - bytes) & ~15UL;
  if (copyout(pt, *sp, ustack, bytes) < 0)
    return -1;
  return argc;
}

#if LAB_KPGTBL >= 2
/*
 * Make p's kernel page table mirror the new image [0, sz) of pt instead of
 * the old one. When a table page for the new mirror cannot be had, the
 * old mirror comes back and exec fails; that cannot fail in turn, since
 * dropping a mirror keeps its table pages.
 */
static int remirror(struct proc *p, pagetable_t pt, uint64 sz)
{
  kvmunmirror(p->kpagetable, p->sz, 0);
  if (kvmmirror(p->kpagetable, pt, 0, sz) == 0)
    return 0;
  if (kvmmirror(p->kpagetable, p->pagetable, 0, p->sz) < 0)
    panic("exec: cannot restore the mirror of the old image");
  return -1;
}
#endif

/* The last path element, for the process name. */
static const char *basename(const char *path)
{
  const char *last = path;
  for (const char *s = path; *s; s++)
    if (*s == '/')
      last = s + 1;
  return last;
}

int exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct elfhdr eh;
  pagetable_t pt = 0;
  uint64 sz = 0;

  begin_op();
  struct inode *ip = namei(myproc()->cwd, path);
  if (ip == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (readi(ip, 0, (uint64)&eh, 0, sizeof(eh)) != sizeof(eh) || !valid_header(&eh))
    goto bad;
  if ((pt = proc_pagetable(p)) == 0)
    goto bad;
  if (load_program(pt, ip, &eh, &sz) < 0)
    goto bad;
  iunlockput(ip);
  end_op();
  ip = 0;

  /* A guard page (no PTE_U), then the stack. */
  sz = PGROUNDUP(sz);
  uint64 stack_top = uvmalloc(pt, sz, sz + (USERSTACK + 1) * PGSIZE, PTE_W);
  if (stack_top == 0)
    goto bad;
  sz = stack_top;
  uvmclear(pt, sz - (USERSTACK + 1) * PGSIZE);

  uint64 sp = sz;
  int argc = push_arguments(pt, &sp, sz - USERSTACK * PGSIZE, argv);
  if (argc < 0)
    goto bad;
#if LAB_KPGTBL >= 2
  if (remirror(p, pt, sz) < 0)
    goto bad;
#endif

  /* Commit: nothing can fail from here on. */
  safestrcpy(p->name, basename(path), sizeof(p->name));
  pagetable_t oldpt = p->pagetable;
  uint64 oldsz = p->sz;
  p->pagetable = pt;
  p->sz = sz;
  fpu_reset(p->trapframe);
  p->trapframe->epc = eh.entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = sp;  /* argv; argc is exec's return value, in a0 */
#if LAB_ALARM >= 2
  /* The handler's address meant something only in the old program. */
  memset(&p->alarm, 0, sizeof(p->alarm));
#endif
  proc_freepagetable(oldpt, oldsz);
#if LAB_KPGTBL
  if (p->pid == 1)
    vmprint(p->pagetable);  /* init's page table, once, on the boot console */
#endif
  return argc;

bad:
  if (pt)
    proc_freepagetable(pt, sz);
  if (ip) {
    iunlockput(ip);
    end_op();
  }
  return -1;
}
