#if LAB_KPGTBL >= 2
/*
 * Page tables: the kernel's own (a global one, and one per process that
 * also mirrors the process's user memory), the primitives for Sv39
 * three-level tables, user address spaces, and copying across the
 * user/kernel boundary: in through the mirror, out by walking the user
 * table in software.
 */
#else
/*
 * Page tables: the kernel's own (one for the whole system), the primitives
 * for Sv39 three-level tables, user address spaces, and copying across the
 * user/kernel boundary by walking the user table in software.
 */
#endif
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"

pagetable_t kernel_pagetable;

extern char etext[];       /* end of kernel text; see kernel.ld */
extern char trampoline[];  /* trampoline.S */

/* Map a range into the kernel table at boot; failure here is fatal. */
static void kvmmap(pagetable_t kpt, uint64 va, uint64 pa, uint64 size, int perm)
{
  if (mappages(kpt, va, size, pa, perm) != 0)
    panic("kvmmap: out of memory at boot");
}

static pagetable_t kvmmake(void)
{
  pagetable_t kpt = kalloc();
  if (kpt == 0)
    panic("kvmmake: out of memory at boot");
  memset(kpt, 0, PGSIZE);

  /* Devices, identity-mapped. */
  kvmmap(kpt, UART0, UART0, PGSIZE, PTE_R | PTE_W);
  kvmmap(kpt, VIRTIO0, VIRTIO0, PGSIZE, PTE_R | PTE_W);
  kvmmap(kpt, PLIC, PLIC, 0x400000, PTE_R | PTE_W);

  /* Kernel text is executable and read-only; the rest of RAM is data. */
  kvmmap(kpt, KERNBASE, KERNBASE, (uint64)etext - KERNBASE, PTE_R | PTE_X);
  kvmmap(kpt, (uint64)etext, (uint64)etext, PHYSTOP - (uint64)etext, PTE_R | PTE_W);

  /* The trampoline at the top, where user page tables have it too. */
  kvmmap(kpt, TRAMPOLINE, (uint64)trampoline, PGSIZE, PTE_R | PTE_X);
  return kpt;
}

void kvminit(void)
{
  kernel_pagetable = kvmmake();
}

/* Turn on paging with the kernel page table on this hart. */
void kvminithart(void)
{
  sfence_vma();  /* earlier writes to page tables must be visible */
  w_satp(MAKE_SATP(kernel_pagetable));
  sfence_vma();  /* drop stale translations */
}

#if LAB_KPGTBL >= 2
/*
 * A process's kernel page table: everything the global one maps, plus a
 * mirror of the process's user memory without PTE_U, so that copyin() can
 * read user memory directly. It shares the global table's lower levels
 * instead of copying them: every root entry but the first is the global
 * one's, which brings kernel text and data, all of physical memory, every
 * kernel stack (procinit() maps them) and the trampoline. Root entry 0
 * covers the first GB, where user memory (below MAXUVA) meets the devices
 * (from MAXUVA up), so it gets a private second-level table: its upper
 * slots share the global device tables, its lower slots hold the mirror.
 * The global table gains nothing after boot, so sharing it stays correct.
 */
#define USER_SLOTS PX(1, MAXUVA)  /* second-level slots of user memory */
_Static_assert(MAXUVA % (1L << PXSHIFT(1)) == 0 && MAXUVA <= (1L << PXSHIFT(2)),
               "user memory must fill whole second-level slots of root entry 0");

pagetable_t kvmcreate(void)
{
  pagetable_t root = kalloc();
  if (root == 0)
    return 0;
  pagetable_t low = kalloc();
  if (low == 0) {
    kfree(root);
    return 0;
  }
  pagetable_t kernel_low = (pagetable_t)PTE2PA(kernel_pagetable[0]);
  memset(low, 0, USER_SLOTS * sizeof(pte_t));
  memmove(low + USER_SLOTS, kernel_low + USER_SLOTS, (512 - USER_SLOTS) * sizeof(pte_t));
  memmove(root, kernel_pagetable, PGSIZE);
  root[0] = PA2PTE(low) | PTE_V;
  return root;
}

/*
 * Free kpt's own pages: the root, its first second-level table and the
 * mirror's last-level tables. The kernel's tables are shared, and the
 * pages the mirror shows belong to the user page table: both stay.
 */
void kvmfree(pagetable_t kpt)
{
  pagetable_t low = (pagetable_t)PTE2PA(kpt[0]);
  for (int i = 0; i < USER_SLOTS; i++)
    if (low[i] & PTE_V)
      kfree((void *)PTE2PA(low[i]));
  kfree(low);
  kfree(kpt);
}

/* Run on kpt from now on; this hart's cached translations are stale. */
void kvmswitch(pagetable_t kpt)
{
  w_satp(MAKE_SATP(kpt));
  sfence_vma();
}

/*
 * Mirror upt's user pages in [oldsz, newsz) into kpt, readable by the
 * kernel only. Pages without PTE_U (the stack guard) stay out: what the
 * user may not read, the kernel must not read on its behalf either.
 * Returns -1, with the mirror as it was, if a table page cannot be had.
 */
int kvmmirror(pagetable_t kpt, pagetable_t upt, uint64 oldsz, uint64 newsz)
{
  for (uint64 va = PGROUNDUP(oldsz); va < newsz; va += PGSIZE) {
    pte_t *from = walk(upt, va, 0);
    if (from == 0 || (*from & PTE_V) == 0)
      panic("kvmmirror: user page not mapped");
    if ((*from & PTE_U) == 0)
      continue;
    pte_t *to = walk(kpt, va, 1);
    if (to == 0) {
      kvmunmirror(kpt, va, oldsz);
      return -1;
    }
    if (*to & PTE_V)
      panic("kvmmirror: page already mirrored");
    /* Read-only: copyout() writes through the user table, which knows
       which pages the user may write. */
    *to = PA2PTE(PTE2PA(*from)) | PTE_R | PTE_V;
  }
  sfence_vma();  /* kpt may be this hart's table */
  return 0;
}

/*
 * Drop kpt's mirror of [newsz, oldsz). Call it before the user pages go
 * back to the allocator. The table pages stay, for the next growth.
 */
void kvmunmirror(pagetable_t kpt, uint64 oldsz, uint64 newsz)
{
  for (uint64 va = PGROUNDUP(newsz); va < oldsz; va += PGSIZE) {
    pte_t *pte = walk(kpt, va, 0);
    if (pte)
      *pte = 0;
  }
  sfence_vma();  /* kpt may be this hart's table */
}
#endif

/*
 * The address of the level-0 PTE for va, creating the intermediate tables on
 * the way down when alloc is set. Returns 0 if a table is missing (or cannot
 * be allocated).
 */
pte_t *walk(pagetable_t pt, uint64 va, int alloc)
{
  if (va >= MAXVA)
    panic("walk: address beyond MAXVA");

  for (int level = 2; level > 0; level--) {
    pte_t *pte = &pt[PX(level, va)];
    if (*pte & PTE_V) {
      pt = (pagetable_t)PTE2PA(*pte);
      continue;
    }
    if (!alloc || (pt = kalloc()) == 0)
      return 0;
    memset(pt, 0, PGSIZE);
    *pte = PA2PTE(pt) | PTE_V;
  }
  return &pt[PX(0, va)];
}

uint64 walkaddr(pagetable_t pt, uint64 va)
{
  if (va >= MAXVA)
    return 0;
  pte_t *pte = walk(pt, va, 0);
  if (pte == 0 || (*pte & PTE_V) == 0 || (*pte & PTE_U) == 0)
    return 0;
  return PTE2PA(*pte);
}

/*
 * Map the page-aligned range [va, va+size) to physical memory starting at pa.
 * Returns -1 if a page-table page cannot be allocated; the pages mapped so far
 * stay mapped, for the caller to undo.
 */
int mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  if (va % PGSIZE != 0 || size % PGSIZE != 0 || size == 0)
    panic("mappages: range not page-aligned");

  for (uint64 off = 0; off < size; off += PGSIZE) {
    pte_t *pte = walk(pt, va + off, 1);
    if (pte == 0)
      return -1;
    if (*pte & PTE_V)
      panic("mappages: page already mapped");
    *pte = PA2PTE(pa + off) | perm | PTE_V;
  }
  return 0;
}

/* Remove npages of mappings from page-aligned va; they must exist. */
void uvmunmap(pagetable_t pt, uint64 va, uint64 npages, int do_free)
{
  if (va % PGSIZE != 0)
    panic("uvmunmap: address not page-aligned");

  for (uint64 a = va; a < va + npages * PGSIZE; a += PGSIZE) {
    pte_t *pte = walk(pt, a, 0);
    if (pte == 0 || (*pte & PTE_V) == 0)
      panic("uvmunmap: page not mapped");
    if (PTE_FLAGS(*pte) == PTE_V)
      panic("uvmunmap: not a leaf");
    if (do_free)
      kfree((void *)PTE2PA(*pte));
    *pte = 0;
  }
}

pagetable_t uvmcreate(void)
{
  pagetable_t pt = kalloc();
  if (pt)
    memset(pt, 0, PGSIZE);
  return pt;
}

/*
 * Grow a user address space from oldsz to newsz bytes with zeroed pages.
 * Returns the new size, or 0 (with nothing changed) when memory runs out or
 * newsz would reach the devices that sit above user space.
 */
uint64 uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm)
{
  if (newsz <= oldsz)
    return oldsz;
  if (newsz > MAXUVA)
    return 0;

  for (uint64 a = PGROUNDUP(oldsz); a < newsz; a += PGSIZE) {
    char *mem = kalloc();
    if (mem == 0) {
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
    memset(mem, 0, PGSIZE);
    if (mappages(pt, a, PGSIZE, (uint64)mem, PTE_R | PTE_U | xperm) != 0) {
      kfree(mem);
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
  }
  return newsz;
}

/* Shrink a user address space from oldsz to newsz bytes; returns newsz. */
uint64 uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
  if (newsz >= oldsz)
    return oldsz;
  uint64 first = PGROUNDUP(newsz), last = PGROUNDUP(oldsz);
  if (first < last)
    uvmunmap(pt, first, (last - first) / PGSIZE, 1);
  return newsz;
}

/* Free the page-table pages themselves; every leaf must be gone already. */
static void freewalk(pagetable_t pt)
{
  for (int i = 0; i < 512; i++) {
    pte_t pte = pt[i];
    if ((pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X)) == 0) {
      freewalk((pagetable_t)PTE2PA(pte));
      pt[i] = 0;
    } else if (pte & PTE_V) {
      panic("freewalk: leaf still mapped");
    }
  }
  kfree(pt);
}

void uvmfree(pagetable_t pt, uint64 sz)
{
  if (sz > 0)
    uvmunmap(pt, 0, PGROUNDUP(sz) / PGSIZE, 1);
  freewalk(pt);
}

/*
 * Give new a private copy of old's first sz bytes of user memory.
 * Returns -1 (leaving new empty again) when memory runs out.
 */
int uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
  for (uint64 va = 0; va < sz; va += PGSIZE) {
    pte_t *pte = walk(old, va, 0);
    if (pte == 0 || (*pte & PTE_V) == 0)
      panic("uvmcopy: page not mapped");
    char *mem = kalloc();
    if (mem == 0) {
      uvmunmap(new, 0, va / PGSIZE, 1);
      return -1;
    }
    memmove(mem, (char *)PTE2PA(*pte), PGSIZE);
    if (mappages(new, va, PGSIZE, (uint64)mem, PTE_FLAGS(*pte)) != 0) {
      kfree(mem);
      uvmunmap(new, 0, va / PGSIZE, 1);
      return -1;
    }
  }
  return 0;
}

void uvmclear(pagetable_t pt, uint64 va)
{
  pte_t *pte = walk(pt, va, 0);
  if (pte == 0)
    panic("uvmclear: page not mapped");
  *pte &= ~PTE_U;
}

#if LAB_KPGTBL >= 2
/* Print pt's valid entries, depth levels below the root, and what they point to. */
static void vmprint_table(pagetable_t pt, int depth)
{
  for (int i = 0; i < 512; i++) {
    pte_t pte = pt[i];
    if ((pte & PTE_V) == 0)
      continue;
    for (int d = 0; d < depth; d++)
      printf(" ..");
    printf("%d: pte %p pa %p\n", i, (void *)pte, (void *)PTE2PA(pte));
    /* Kiln maps only 4096-byte pages, so a leaf shows up at depth 3 only. */
    if ((pte & (PTE_R | PTE_W | PTE_X)) == 0)
      vmprint_table((pagetable_t)PTE2PA(pte), depth + 1);
  }
}

void vmprint(pagetable_t pt)
{
  printf("page table %p\n", pt);
  vmprint_table(pt, 1);
}
#elif LAB_KPGTBL == 1
void vmprint(pagetable_t pt)
{
  /* Task 1: print pt as a tree (see handouts/kpgtbl.md). */
}
#endif

/* The user-accessible PTE for va, or 0. Writing needs PTE_W too. */
static pte_t *user_pte(pagetable_t pt, uint64 va, int for_write)
{
  if (va >= MAXVA)
    return 0;
  pte_t *pte = walk(pt, va, 0);
  if (pte == 0 || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U))
    return 0;
  if (for_write && (*pte & PTE_W) == 0)
    return 0;
  return pte;
}

/*
 * Copy len bytes between kernel memory at kbuf and user memory at va, page by
 * page through the user page table, in the direction to_user says. Fails
 * without copying the rest at the first page the user may not access so.
 */
static int copy_user(pagetable_t pt, uint64 va, char *kbuf, uint64 len, int to_user)
{
  while (len > 0) {
    uint64 va0 = PGROUNDDOWN(va);
    pte_t *pte = user_pte(pt, va0, to_user);
    if (pte == 0)
      return -1;
    uint64 n = PGSIZE - (va - va0);
    if (n > len)
      n = len;
    char *user = (char *)PTE2PA(*pte) + (va - va0);
    if (to_user)
      memmove(user, kbuf, n);
    else
      memmove(kbuf, user, n);
    len -= n;
    kbuf += n;
    va = va0 + PGSIZE;
  }
  return 0;
}

int copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len)
{
  return copy_user(pt, dstva, (char *)src, len, 1);
}

#if LAB_KPGTBL
/* How many copies from user memory took each path, for the statistics device. */
static struct {
  uint64 copyin_direct, copyin_walk, copyinstr_direct, copyinstr_walk;
} copies;

static void count(uint64 *counter)
{
  __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

int copy_stats(char *buf, int n)
{
  return snprintf(buf, n, "copyin_direct %lu\ncopyin_walk %lu\n"
                  "copyinstr_direct %lu\ncopyinstr_walk %lu\n",
                  copies.copyin_direct, copies.copyin_walk,
                  copies.copyinstr_direct, copies.copyinstr_walk);
}
#endif

#if LAB_KPGTBL >= 2
/* ucopy.S: copies through the mirror that fail (-1) on a fault. */
extern char ucopy_start[], ucopy_end[], ucopy_fault[];
int ucopy_in(void *dst, uint64 src, uint64 len);
int ucopy_str(char *dst, uint64 src, uint64 max);

/* scause of a load from a page that the page table does not allow. */
#define LOAD_PAGE_FAULT 13

/*
 * Called by kerneltrap() for a trap it cannot handle: a load page fault in
 * ucopy.S on a user address is a bad user pointer, so the copy fails with
 * -1 (*sepc is where to resume). Returns 0 for every other trap.
 */
int usercopy_fault(uint64 scause, uint64 stval, uint64 *sepc)
{
  if (scause != LOAD_PAGE_FAULT || stval >= MAXUVA)
    return 0;
  if (*sepc < (uint64)ucopy_start || *sepc >= (uint64)ucopy_end)
    return 0;
  *sepc = (uint64)ucopy_fault;
  return 1;
}

/*
 * pt is the current process's page table, and the kernel page table that
 * the scheduler loaded for the process mirrors it. Below MAXUVA that table
 * maps nothing but the mirror, so keeping the source there keeps the
 * kernel's own memory and the devices out of reach; within it, a page the
 * user may not read is not mirrored, and reading it fails the copy.
 */
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  if (srcva > MAXUVA || len > MAXUVA - srcva)
    return -1;
  count(&copies.copyin_direct);
  return ucopy_in(dst, srcva, len);
}

/* Copy a NUL-terminated string of at most max bytes (NUL included). */
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  if (srcva > MAXUVA)
    return -1;
  if (max > MAXUVA - srcva)
    max = MAXUVA - srcva;
  count(&copies.copyinstr_direct);
  return ucopy_str(dst, srcva, max);
}
#else
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
#if LAB_KPGTBL
  count(&copies.copyin_walk);
#endif
  return copy_user(pt, srcva, dst, len, 0);
}

/* Copy a NUL-terminated string of at most max bytes (NUL included). */
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
#if LAB_KPGTBL
  count(&copies.copyinstr_walk);
#endif
  while (max > 0) {
    uint64 va0 = PGROUNDDOWN(srcva);
    pte_t *pte = user_pte(pt, va0, 0);
    if (pte == 0)
      return -1;
    const char *p = (const char *)PTE2PA(*pte) + (srcva - va0);
    uint64 n = PGSIZE - (srcva - va0);
    for (; n > 0 && max > 0; n--, max--, p++, dst++, srcva++) {
      *dst = *p;
      if (*p == '\0')
        return 0;
    }
  }
  return -1;
}
#endif
