/*
 * exec: replace the current process's program with one loaded from an ELF
 * file, in four steps:
 *
 *   1. make a fresh user page table for the new image;
 *   2. read the ELF file, check it, and load its segments into that table;
 *   3. add a guard page and the user stack above the program;
 *   4. copy the argument strings and the argv array onto that stack.
 *
 * Then either commit (swap the new image in and free the old one; nothing
 * can fail any more) or unwind (free the new image). Every failure (no such
 * file, a malformed ELF, no memory, too many arguments) leaves the calling
 * program untouched, and exec simply returns -1 to it.
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

/* readi() takes 32-bit file offsets; an ELF offset beyond that is bad. */
#define MAX_FILE_OFFSET 0xffffffffUL

/* A program image under construction. */
struct image {
  pagetable_t pagetable;  /* maps the trampoline and trapframe from the start */
  uint64 sz;              /* bytes of user memory mapped from address 0 */
  uint64 entry;           /* where the program starts */
  uint64 stack_floor;     /* lowest address of the user stack */
  uint64 sp;              /* the stack pointer the program starts with */
  int argc;
};

/* ---- Step 2: the ELF file ---- */

static int header_ok(const struct elfhdr *eh)
{
  return eh->magic == ELF_MAGIC && eh->elf[0] == ELF_CLASS64 &&
         eh->elf[1] == ELF_DATA_LSB && eh->type == ELF_TYPE_EXEC &&
         eh->machine == ELF_MACHINE_RISCV && eh->phentsize == sizeof(struct proghdr) &&
         eh->phoff <= MAX_FILE_OFFSET &&
         eh->phoff + (uint64)eh->phnum * sizeof(struct proghdr) <= MAX_FILE_OFFSET;
}

/*
 * A segment must lie in user space, page-aligned and above the ones before
 * it (img->sz), and its file bytes must fit inside its memory. Each sum is
 * also checked for wrapping round, which a forged header could arrange.
 */
static int segment_ok(const struct image *img, const struct proghdr *ph)
{
  uint64 mem_end = ph->vaddr + ph->memsz;
  uint64 file_end = ph->off + ph->filesz;
  return ph->vaddr % PGSIZE == 0 && ph->vaddr >= img->sz &&
         mem_end >= ph->vaddr && mem_end <= MAXHEAP && ph->filesz <= ph->memsz &&
         file_end >= ph->off && file_end <= MAX_FILE_OFFSET;
}

static int segment_perm(uint32 elf_flags)
{
  int perm = 0;
  if (elf_flags & ELF_PROG_FLAG_WRITE)
    perm |= PTE_W;
  if (elf_flags & ELF_PROG_FLAG_EXEC)
    perm |= PTE_X;
  return perm;
}

/* Fill the mapped pages from va on with n bytes of ip from offset off. */
static int read_into_pages(pagetable_t pt, uint64 va, struct inode *ip, uint64 off, uint64 n)
{
  for (uint64 done = 0; done < n; done += PGSIZE) {
    uint64 pa = walkaddr(pt, va + done);
    if (pa == 0)
      panic("exec: a segment page is not mapped");
    uint chunk = n - done < PGSIZE ? n - done : PGSIZE;
    if (readi(ip, 0, pa, off + done, chunk) != chunk)
      return -1;  /* the file ends early */
  }
  return 0;
}

/* Map one LOAD segment (zeroed) and read its bytes from the file. */
static int load_segment(struct image *img, struct inode *ip, const struct proghdr *ph)
{
  if (!segment_ok(img, ph))
    return -1;
  uint64 end = uvmalloc(img->pagetable, img->sz, ph->vaddr + ph->memsz, segment_perm(ph->flags));
  if (end == 0)
    return -1;
  img->sz = end;
  return read_into_pages(img->pagetable, ph->vaddr, ip, ph->off, ph->filesz);
}

/* Check ip's ELF header and load all its segments into img. ip is locked. */
static int load_segments(struct image *img, struct inode *ip)
{
  struct elfhdr eh;
  if (readi(ip, 0, (uint64)&eh, 0, sizeof(eh)) != sizeof(eh) || !header_ok(&eh))
    return -1;
  img->entry = eh.entry;

  for (uint i = 0; i < eh.phnum; i++) {
    struct proghdr ph;
    uint off = eh.phoff + i * sizeof(ph);
    if (readi(ip, 0, (uint64)&ph, off, sizeof(ph)) != sizeof(ph))
      return -1;
    if (ph.type == ELF_PROG_LOAD && load_segment(img, ip, &ph) < 0)
      return -1;
  }
  /* A program without a single byte to load is no program. */
  return img->sz > 0 ? 0 : -1;
}

/* Find path (relative to cwd) and load it into img. */
static int load_program(struct image *img, struct inode *cwd, char *path)
{
  begin_op();
  struct inode *ip = namei(cwd, path);
  if (ip == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  int result = load_segments(img, ip);
  iunlockput(ip);
  end_op();
  return result;
}

/* ---- Steps 3 and 4: the stack and the arguments ---- */

/*
 * Above the program, one guard page, which user code may not touch (a
 * stack overflow faults there instead of overwriting data), then the stack.
 */
static int add_stack(struct image *img)
{
  uint64 guard = PGROUNDUP(img->sz);
  uint64 top = uvmalloc(img->pagetable, guard, guard + (1 + USERSTACK) * PGSIZE, PTE_W);
  if (top == 0)
    return -1;
  uvmclear(img->pagetable, guard);
  img->sz = top;
  img->stack_floor = guard + PGSIZE;
  img->sp = top;
  return 0;
}

/* Copy len bytes onto the new stack below img->sp, keeping sp 16-byte
   aligned as the RISC-V calling convention requires. */
static int push(struct image *img, const void *data, uint64 len)
{
  if (img->sp - img->stack_floor < len)
    return -1;
  uint64 to = (img->sp - len) & ~15UL;
  if (to < img->stack_floor || copyout(img->pagetable, to, data, len) < 0)
    return -1;
  img->sp = to;
  return 0;
}

/*
 * The argument strings, then the argv array that points to them; the
 * program's main(argc, argv) finds argv at sp. -1 if there are more than
 * MAXARG or they do not fit on the stack.
 */
static int push_arguments(struct image *img, char **argv)
{
  uint64 uargv[MAXARG + 1];
  int argc;

  for (argc = 0; argv[argc] != 0; argc++) {
    if (argc == MAXARG || push(img, argv[argc], strlen(argv[argc]) + 1) < 0)
      return -1;
    uargv[argc] = img->sp;
  }
  uargv[argc] = 0;
  if (push(img, uargv, (argc + 1) * sizeof(uint64)) < 0)
    return -1;
  img->argc = argc;
  return 0;
}

/* ---- Commit or unwind ---- */

#if LAB_KPGTBL >= 2
/*
 * kpgtbl lab: make p's kernel page table mirror img instead of the current
 * image. If a table page for the new mirror cannot be had, the old mirror
 * comes back and exec fails; that cannot fail in turn, since dropping a
 * mirror keeps its table pages.
 */
static int mirror_image(struct proc *p, struct image *img)
{
  kvmunmirror(p->kpagetable, p->sz, 0);
  if (kvmmirror(p->kpagetable, img->pagetable, 0, img->sz) == 0)
    return 0;
  if (kvmmirror(p->kpagetable, p->pagetable, 0, p->sz) < 0)
    panic("exec: cannot restore the mirror of the old image");
  return -1;
}
#endif

/* The last element of path, for the process name. */
static const char *last_element(const char *path)
{
  const char *name = path;
  for (const char *s = path; *s != '\0'; s++)
    if (*s == '/')
      name = s + 1;
  return name;
}

/* Swap img in as p's program and free the old one. Cannot fail. */
static void commit(struct proc *p, struct image *img, const char *path)
{
  pagetable_t old_pagetable = p->pagetable;
  uint64 old_sz = p->sz;

#if LAB_SHM >= 2
  /* shm lab: the old program's attachments end with it. */
  shm_detach_all(p);
#endif
  p->pagetable = img->pagetable;
  p->sz = img->sz;
  safestrcpy(p->name, last_element(path), sizeof(p->name));

  fpu_reset(p->trapframe);  /* the new program starts without FP state */
  p->trapframe->epc = img->entry;
  p->trapframe->sp = img->sp;
  p->trapframe->a1 = img->sp;  /* argv; argc reaches a0 as exec's return value */
#if LAB_ALARM >= 2
  /* The handler's address meant something only in the old program. */
  memset(&p->alarm, 0, sizeof(p->alarm));
#endif

  proc_freepagetable(old_pagetable, old_sz);
#if LAB_KPGTBL
  if (p->pid == 1)
    vmprint(p->pagetable);  /* init's page table, once, on the boot console */
#endif
}

int exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct image img = { 0 };

  img.pagetable = proc_pagetable(p);
  int ok = img.pagetable != 0 && load_program(&img, p->cwd, path) == 0 &&
           add_stack(&img) == 0 && push_arguments(&img, argv) == 0;
#if LAB_KPGTBL >= 2
  ok = ok && mirror_image(p, &img) == 0;
#endif
  /* The commit point: whatever can fail has been done above. */
  if (!ok) {
    if (img.pagetable != 0)
      proc_freepagetable(img.pagetable, img.sz);
    return -1;
  }
  commit(p, &img, path);
  return img.argc;
}
