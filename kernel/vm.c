/*
 * Page tables. Kiln uses RISC-V Sv39: a tree of three levels of 512-entry
 * tables, level 2 at the root, 4096-byte pages as leaves at level 0 only.
 *
 * The file builds up in this order: the primitives every mapping goes
 * through (walk() to find a leaf slot, mappages() and uvmunmap() to fill
 * and clear slots, free_tables() to tear a tree down); the kernel's own
 * page table; user address spaces; and moving bytes between kernel and
 * user memory.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"

pagetable_t kernel_pagetable;

extern char etext[];       /* end of kernel text; see kernel.ld */
extern char trampoline[];  /* trampoline.S */

/* The bits of a leaf that say who may do what with its page. */
#define PTE_PERMS (PTE_R | PTE_W | PTE_X | PTE_U)

/* ---- primitives ---- */

/* A valid entry with no permission bits points to the next level's table. */
static int pte_is_table(pte_t pte)
{
  return (pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X)) == 0;
}

/* A fresh page of zeros (page tables must start empty), or 0. */
static void *zeroed_page(void)
{
  void *page = kalloc();
  if (page)
    memset(page, 0, PGSIZE);
  return page;
}

/*
 * The table that *entry leads to. An empty entry leads nowhere (0) unless
 * create is set: then it gets a new empty table, if memory allows. Kiln
 * never maps large pages, so a leaf above level 0 is a corrupt tree.
 */
static pagetable_t next_table(pte_t *entry, int create)
{
  if (*entry & PTE_V) {
    if (!pte_is_table(*entry))
      panic("walk: a leaf above level 0");
    return (pagetable_t)PTE2PA(*entry);
  }
  if (!create)
    return 0;
  pagetable_t table = zeroed_page();
  if (table)
    *entry = PA2PTE(table) | PTE_V;
  return table;
}

/*
 * The level-0 slot for va in pt: the one place every mapping function
 * finds its leaves. With alloc set, the tables on the way are created as
 * needed; returns 0 if one is missing (or memory for it ran out). The slot
 * itself may be empty: callers look at PTE_V.
 */
pte_t *walk(pagetable_t pt, uint64 va, int alloc)
{
  if (va >= MAXVA)
    panic("walk: address beyond MAXVA");

  pagetable_t table = pt;
  for (int level = 2; level > 0 && table; level--)
    table = next_table(&table[PX(level, va)], alloc);
  return table ? &table[PX(0, va)] : 0;
}

/* The valid leaf that maps va in pt, or 0 if va is not mapped. */
static pte_t *mapped_leaf(pagetable_t pt, uint64 va)
{
  pte_t *pte = walk(pt, va, 0);
  return pte && (*pte & PTE_V) ? pte : 0;
}

/*
 * The leaf of a user page at va that user mode may access with every
 * permission in need (PTE_R, PTE_W), or 0. Any va is accepted: the user
 * chose it.
 */
static pte_t *user_leaf(pagetable_t pt, uint64 va, int need)
{
  if (va >= MAXVA)
    return 0;
  pte_t *pte = mapped_leaf(pt, va);
  uint64 want = PTE_U | need;
  return pte && (*pte & want) == want ? pte : 0;
}

#if LAB_LAZY >= 2
/*
 * lazy lab: va is not mapped in pt; where the unmapped stretch that starts
 * there ends, as far as the tables show. A missing level-0 table stands
 * for 512 pages that are all missing, so the loops that step over the
 * holes of a sparse heap of hundreds of gigabytes skip 2 MB at a time.
 */
static uint64 hole_end(pagetable_t pt, uint64 va)
{
  uint64 table_span = 1L << PXSHIFT(1);
  if (walk(pt, va, 0) == 0)
    return (va & ~(table_span - 1)) + table_span;
  return PGROUNDDOWN(va) + PGSIZE;
}
#endif

uint64 walkaddr(pagetable_t pt, uint64 va)
{
  pte_t *pte = user_leaf(pt, va, 0);
  return pte ? PTE2PA(*pte) : 0;
}

/*
 * Map the page-aligned range [va, va+size) to the physical pages from pa
 * on, with permissions perm. All or nothing: when a page-table page cannot
 * be had, the leaves set so far are cleared again and the result is -1.
 * (Tables created on the way stay; they are empty, and freed with pt.)
 */
int mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  if (va % PGSIZE != 0 || size % PGSIZE != 0 || size == 0)
    panic("mappages: range not page-aligned");

  for (uint64 done = 0; done < size; done += PGSIZE) {
    pte_t *slot = walk(pt, va + done, 1);
    if (slot == 0) {
      uvmunmap(pt, va, done / PGSIZE, 0);
      return -1;
    }
    if (*slot & PTE_V)
      panic("mappages: page already mapped");
    *slot = PA2PTE(pa + done) | perm | PTE_V;
  }
  return 0;
}

/*
 * Clear the leaves of npages pages from page-aligned va, in any page table.
 * With do_free the pages go back to the allocator too.
 */
void uvmunmap(pagetable_t pt, uint64 va, uint64 npages, int do_free)
{
  if (va % PGSIZE != 0)
    panic("uvmunmap: address not page-aligned");

  uint64 end = va + npages * PGSIZE;
  while (va < end) {
    pte_t *leaf = mapped_leaf(pt, va);
    if (leaf == 0) {
#if LAB_LAZY >= 2
      va = hole_end(pt, va);  /* heap pages never touched: nothing to clear or free */
      continue;
#else
      panic("uvmunmap: page not mapped");
#endif
    }
#if LAB_SHM >= 2
    /* shm lab: a segment's page is the segment's to free, when it dies. */
    if (do_free && (*leaf & PTE_SHARED) == 0)
#else
    if (do_free)
#endif
      kfree((void *)PTE2PA(*leaf));
    *leaf = 0;
    va += PGSIZE;
  }
}

/*
 * Free table, which sits at the given level (2: a root), and every table
 * under it. Only tables may be left: a leaf here is a page that nobody
 * unmapped, and freeing the tables would lose track of it.
 */
static void free_tables(pagetable_t table, int level)
{
  for (int i = 0; i < 512; i++) {
    if ((table[i] & PTE_V) == 0)
      continue;
    if (level == 0 || !pte_is_table(table[i]))
      panic("free_tables: a page is still mapped");
    free_tables((pagetable_t)PTE2PA(table[i]), level - 1);
  }
  kfree(table);
}

#if LAB_KPGTBL >= 2
/*
 * Print the valid entries of table, a table at the given level, one line
 * each with one " .." per level from the root down to it, and under every
 * entry that leads to a table, that table's entries.
 */
static void print_table(pagetable_t table, int level)
{
  for (int i = 0; i < 512; i++) {
    pte_t pte = table[i];
    if ((pte & PTE_V) == 0)
      continue;
    for (int l = 2; l >= level; l--)
      printf(" ..");
    printf("%d: pte %p pa %p\n", i, (void *)pte, (void *)PTE2PA(pte));
    if (level > 0 && pte_is_table(pte))
      print_table((pagetable_t)PTE2PA(pte), level - 1);
  }
}

void vmprint(pagetable_t pt)
{
  printf("page table %p\n", pt);
  print_table(pt, 2);
}
#elif LAB_KPGTBL == 1
void vmprint(pagetable_t pt)
{
  /* Task 1: print pt as a tree (see handouts/kpgtbl.md). */
}
#endif

/* ---- the kernel page table ---- */

/* One range of the kernel's address space. */
struct kernel_region {
  uint64 va, pa, size;
  int perm;
};

/*
 * The kernel's address space (see memlayout.h): the devices in their
 * window; all of RAM at its physical addresses, kernel text read-only and
 * executable, everything else data; and the trampoline at the top, where
 * user page tables have it too. procinit() adds the kernel stacks later.
 */
static pagetable_t kvmmake(void)
{
  const struct kernel_region regions[] = {
    { UART0_VA, UART0, PGSIZE, PTE_R | PTE_W },
    { VIRTIO0_VA, VIRTIO0, PGSIZE, PTE_R | PTE_W },
    { PLIC_VA, PLIC, 0x400000, PTE_R | PTE_W },
    { KERNBASE, KERNBASE, (uint64)etext - KERNBASE, PTE_R | PTE_X },
    { (uint64)etext, (uint64)etext, PHYSTOP - (uint64)etext, PTE_R | PTE_W },
    { TRAMPOLINE, (uint64)trampoline, PGSIZE, PTE_R | PTE_X },
  };

  pagetable_t kpt = zeroed_page();
  if (kpt == 0)
    panic("kvmmake: out of memory at boot");
  for (const struct kernel_region *r = regions; r < regions + NELEM(regions); r++)
    if (mappages(kpt, r->va, r->size, r->pa, r->perm) != 0)
      panic("kvmmake: out of memory at boot");
  return kpt;
}

void kvminit(void)
{
  kernel_pagetable = kvmmake();
}

/* Turn on paging with the kernel page table on this hart. */
void kvminithart(void)
{
  sfence_vma();  /* the tables' contents must be in memory before use */
  w_satp(MAKE_SATP(kernel_pagetable));
  sfence_vma();  /* forget translations cached before paging was on */
}

#if LAB_KPGTBL >= 2
/*
 * A process's kernel page table: everything the global one maps, plus a
 * mirror without PTE_U of the process's user memory below MIRROR_TOP, so
 * that copyin() can read it directly. The mirror fills the first
 * MIRROR_ROOT_SLOTS root entries, where the global table maps nothing.
 * Those entries are the process's own; every other root entry is the
 * global table's, which shares its whole subtree: kernel text and data,
 * all of RAM, the devices, every kernel stack (procinit() maps them) and
 * the trampoline. The global table gains nothing after boot, so sharing it
 * stays correct. User memory above MIRROR_TOP would land on those shared
 * entries, so it is never mirrored: copyin() walks the user page table
 * for it.
 */
#define MIRROR_ROOT_SLOTS PX(2, MIRROR_TOP)
_Static_assert(MIRROR_TOP % (1L << PXSHIFT(2)) == 0, "the mirror must fill whole root entries");
_Static_assert(MIRROR_TOP <= KERNBASE && MIRROR_TOP <= DEVICE_WINDOW,
               "the kernel must map nothing below MIRROR_TOP");

pagetable_t kvmcreate(void)
{
  pagetable_t root = kalloc();
  if (root == 0)
    return 0;
  memmove(root, kernel_pagetable, PGSIZE);
  memset(root, 0, MIRROR_ROOT_SLOTS * sizeof(pte_t));
  return root;
}

/*
 * Free a table of the mirror and the tables under it, not the pages its
 * leaves show: those belong to the user page table.
 */
static void free_mirror(pagetable_t table, int level)
{
  for (int i = 0; i < 512 && level > 0; i++)
    if (pte_is_table(table[i]))
      free_mirror((pagetable_t)PTE2PA(table[i]), level - 1);
  kfree(table);
}

/* Free kpt and the mirror's tables; the global table's subtrees stay. */
void kvmfree(pagetable_t kpt)
{
  for (int i = 0; i < MIRROR_ROOT_SLOTS; i++)
    if (pte_is_table(kpt[i]))
      free_mirror((pagetable_t)PTE2PA(kpt[i]), 1);
  kfree(kpt);
}

/* Run on kpt from now on; this hart's cached translations are stale. */
void kvmswitch(pagetable_t kpt)
{
  w_satp(MAKE_SATP(kpt));
  sfence_vma();
}

/* Where the mirror's part of user memory [0, end) ends. */
static uint64 mirror_end(uint64 end)
{
  return end < MIRROR_TOP ? end : MIRROR_TOP;
}

/*
 * Mirror upt's user pages in [oldsz, newsz) into kpt, readable by the
 * kernel only, as far as MIRROR_TOP. Pages without PTE_U (the stack guard)
 * stay out: what the user may not read, the kernel must not read on its
 * behalf either. Returns -1, with the mirror as it was, if a table page
 * cannot be had.
 */
int kvmmirror(pagetable_t kpt, pagetable_t upt, uint64 oldsz, uint64 newsz)
{
  newsz = mirror_end(newsz);
  for (uint64 va = PGROUNDUP(oldsz); va < newsz; va += PGSIZE) {
    pte_t *from = mapped_leaf(upt, va);
    if (from == 0)
#if LAB_LAZY >= 2
      continue;  /* a heap page not there yet: its page fault mirrors it */
#else
      panic("kvmmirror: user page not mapped");
#endif
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
  oldsz = mirror_end(oldsz);
  for (uint64 va = PGROUNDUP(newsz); va < oldsz; va += PGSIZE) {
    pte_t *pte = walk(kpt, va, 0);
    if (pte)
      *pte = 0;
  }
  sfence_vma();  /* kpt may be this hart's table */
}
#endif

/* ---- user address spaces ---- */

pagetable_t uvmcreate(void)
{
  return zeroed_page();
}

/*
 * Give va in pt a page of its own, a copy of the page at src or zeros if
 * src is 0. Returns -1, having allocated nothing, when memory runs out.
 */
static int map_new_page(pagetable_t pt, uint64 va, const void *src, int perm)
{
  void *page = kalloc();
  if (page == 0)
    return -1;
  if (src)
    memmove(page, src, PGSIZE);
  else
    memset(page, 0, PGSIZE);
  if (mappages(pt, va, PGSIZE, (uint64)page, perm) == 0)
    return 0;
  kfree(page);
  return -1;
}

/* sz never passes MAXUVA, so user memory never reaches the trapframe. */
_Static_assert(MAXUVA <= TRAPFRAME, "user memory must end below the trapframe");

/*
 * Grow a user address space from oldsz to newsz bytes with zeroed pages,
 * readable, and with the extra permissions xperm. Returns the new size,
 * or 0 (with nothing changed) when memory runs out or newsz would pass
 * MAXHEAP.
 */
uint64 uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm)
{
  if (newsz <= oldsz)
    return oldsz;
  if (newsz > MAXHEAP)
    return 0;
  /* Plainly too much: fail now rather than take all memory and give it back. */
  if ((PGROUNDUP(newsz) - PGROUNDUP(oldsz)) / PGSIZE > kfreepages())
    return 0;

  uint64 va;
  for (va = PGROUNDUP(oldsz); va < newsz; va += PGSIZE)
    if (map_new_page(pt, va, 0, PTE_R | PTE_U | xperm) < 0)
      break;
  if (va < newsz) {
    uvmdealloc(pt, va, oldsz);
    return 0;
  }
  return newsz;
}

/* Shrink a user address space from oldsz to newsz bytes; returns the size. */
uint64 uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
  if (newsz >= oldsz)
    return oldsz;
  /* The page that holds byte newsz - 1 stays; every page above it goes. */
  uint64 first_gone = PGROUNDUP(newsz);
  uvmunmap(pt, first_gone, (PGROUNDUP(oldsz) - first_gone) / PGSIZE, 1);
  return newsz;
}

/* Free the user memory [0, sz) of pt and then pt's tables. */
void uvmfree(pagetable_t pt, uint64 sz)
{
  uvmunmap(pt, 0, PGROUNDUP(sz) / PGSIZE, 1);
  free_tables(pt, 2);
}

#if LAB_COW >= 2
/*
 * cow lab: give the child the parent's page at va (whose leaf is leaf),
 * shared. A page the parent may write becomes read-only in both and
 * marked PTE_COW, so that the first store by either makes a copy
 * (uvmunshare()); a page nobody may write, such as text, is shared as it
 * is. The trampoline flushes the TLB on the way back to user mode, so the
 * parent's cached writable translations die with this system call.
 */
static int child_page(pte_t *leaf, pagetable_t child, uint64 va)
{
  if (*leaf & PTE_W)
    *leaf = (*leaf & ~PTE_W) | PTE_COW;
  uint64 pa = PTE2PA(*leaf);
  if (mappages(child, va, PGSIZE, pa, *leaf & (PTE_PERMS | PTE_COW)) < 0)
    return -1;
  kshare((void *)pa);
  return 0;
}
#elif LAB_COW == 1
static int child_page(pte_t *leaf, pagetable_t child, uint64 va)
{
  /* TODO (cow lab): share the page instead (see handouts/cow.md). */
  return map_new_page(child, va, (void *)PTE2PA(*leaf), *leaf & PTE_PERMS);
}
#else
/* A private copy, for the child, of the parent's page at va. */
static int child_page(pte_t *leaf, pagetable_t child, uint64 va)
{
  return map_new_page(child, va, (void *)PTE2PA(*leaf), *leaf & PTE_PERMS);
}
#endif

/*
 * Give new old's user memory [0, sz), page by page with the same
 * permissions. Returns -1 (and new is empty again) when memory runs out.
 */
int uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
  uint64 va = 0;
  while (va < sz) {
    pte_t *leaf = mapped_leaf(old, va);
    if (leaf == 0) {
#if LAB_LAZY >= 2
      va = hole_end(old, va);  /* heap pages never touched: the child faults its own in */
      continue;
#else
      panic("uvmcopy: a page of the parent is not mapped");
#endif
    }
    if (child_page(leaf, new, va) < 0) {
      uvmunmap(new, 0, va / PGSIZE, 1);
      return -1;
    }
    va += PGSIZE;
  }
  return 0;
}

#if LAB_COW >= 2
int uvmis_cow(pagetable_t pt, uint64 va)
{
  pte_t *leaf = user_leaf(pt, va, PTE_R);
  return leaf != 0 && (*leaf & PTE_COW) != 0;
}

/*
 * cow lab: make the COW page at va in pt the process's own and writable: a
 * fresh copy, or, when no one else maps it any more, the page itself.
 * Returns -1, with nothing changed, when memory for the copy runs out.
 */
int uvmunshare(pagetable_t pt, uint64 va)
{
  pte_t *leaf = user_leaf(pt, va, PTE_R);
  if (leaf == 0 || (*leaf & PTE_COW) == 0)
    panic("uvmunshare: not a copy-on-write page");
  uint64 shared = PTE2PA(*leaf);
  uint64 flags = (PTE_FLAGS(*leaf) & ~PTE_COW) | PTE_W;
  if (kreferences((void *)shared) == 1) {
    /* The last mapping: no one else can see a store to it any more. */
    *leaf = PA2PTE(shared) | flags;
  } else {
    char *copy = kalloc();
    if (copy == 0)
      return -1;
    memmove(copy, (char *)shared, PGSIZE);
    *leaf = PA2PTE(copy) | flags;
    kfree((void *)shared);
  }
  sfence_vma();  /* the read-only translation may be cached on this hart */
  return 0;
}
#endif

void uvmclear(pagetable_t pt, uint64 va)
{
  pte_t *leaf = mapped_leaf(pt, va);
  if (leaf == 0)
    panic("uvmclear: page not mapped");
  *leaf &= ~PTE_U;
}

/* ---- moving bytes between kernel and user memory ---- */

/* What copy_walk() moves, and which way. */
enum copy_kind {
  TO_USER,          /* exactly len bytes into user memory */
  FROM_USER,        /* exactly len bytes out of user memory */
  STRING_FROM_USER, /* out of user memory up to the NUL, within len bytes */
};

/* Copy at most n bytes of a string, NUL included; 1 if the NUL was among them. */
static int copy_string_part(char *dst, const char *src, uint64 n)
{
  for (uint64 i = 0; i < n; i++)
    if ((dst[i] = src[i]) == '\0')
      return 1;
  return 0;
}

#if LAB_LAZY
/*
 * lazy lab: who to ask about a user page that a copy cannot use: the page
 * at va in pt is missing or does not allow the access (a store if write is
 * set). The handler returns 1 if it made the page usable. Which pages a
 * process may have is known above this layer; the trap layer registers
 * its page-fault handling here at boot (main.c).
 */
static int (*user_fault_handler)(pagetable_t pt, uint64 va, int write);

void uvm_set_fault_handler(int (*handler)(pagetable_t pt, uint64 va, int write))
{
  user_fault_handler = handler;
}

/* user_leaf() once more, after the fault handler has had its chance. */
static pte_t *user_leaf_after_fault(pagetable_t pt, uint64 va, int need)
{
  if (user_fault_handler == 0 || !user_fault_handler(pt, va, need & PTE_W))
    return 0;
  return user_leaf(pt, va, need);
}
#endif

/*
 * Move bytes between kbuf and user memory at uva as kind says, one page at
 * a time, each page found through the user page table pt in software, and
 * only if the user could do the same access (PTE_W to write it). Fails
 * with -1 at the first page that does not allow it, and when a string has
 * no NUL within len bytes; what was moved until then stays moved.
 */
static int copy_walk(pagetable_t pt, uint64 uva, char *kbuf, uint64 len, enum copy_kind kind)
{
  while (len > 0) {
    int need = kind == TO_USER ? PTE_W : PTE_R;
    pte_t *leaf = user_leaf(pt, uva, need);
#if LAB_LAZY
    if (leaf == 0)
      leaf = user_leaf_after_fault(pt, uva, need);
#endif
    if (leaf == 0)
      return -1;
    uint64 in_page = PGSIZE - uva % PGSIZE;
    uint64 n = len < in_page ? len : in_page;
    char *user = (char *)PTE2PA(*leaf) + uva % PGSIZE;

    if (kind == TO_USER)
      memmove(user, kbuf, n);
    else if (kind == FROM_USER)
      memmove(kbuf, user, n);
    else if (copy_string_part(kbuf, user, n))
      return 0;
    uva += n;
    kbuf += n;
    len -= n;
  }
  return kind == STRING_FROM_USER ? -1 : 0;
}

int copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len)
{
  return copy_walk(pt, dstva, (char *)src, len, TO_USER);
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

/*
 * pt is the current process's page table, and the kernel page table that
 * the scheduler loaded for the process mirrors it below MIRROR_TOP. There
 * that table maps nothing but the mirror, so the part of the source below
 * MIRROR_TOP is read directly: the kernel's own memory and the devices
 * stay out of reach, and a page the user may not read is not mirrored, so
 * reading it fails the copy. The part above MIRROR_TOP, if any, is walked
 * in software as before lab 2, and copy_walk() takes only user pages.
 */
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  if (srcva > MAXUVA || len > MAXUVA - srcva)
    return -1;
  if (srcva < MIRROR_TOP) {
    uint64 direct = mirror_end(srcva + len) - srcva;
    count(&copies.copyin_direct);
    if (ucopy_in(dst, srcva, direct) < 0)
      return -1;
    if (direct == len)
      return 0;
    srcva += direct;
    dst = (char *)dst + direct;
    len -= direct;
  }
  count(&copies.copyin_walk);
  return copy_walk(pt, srcva, dst, len, FROM_USER);
}

/* The same two parts for a string; ucopy_str() says 1 when its part ends without the NUL. */
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  if (srcva > MAXUVA)
    return -1;
  if (max > MAXUVA - srcva)
    max = MAXUVA - srcva;
  if (srcva < MIRROR_TOP) {
    uint64 direct = mirror_end(srcva + max) - srcva;
    count(&copies.copyinstr_direct);
    int found = ucopy_str(dst, srcva, direct);
    if (found != 1 || direct == max)
      return found == 0 ? 0 : -1;
    srcva += direct;
    dst += direct;
    max -= direct;
  }
  count(&copies.copyinstr_walk);
  return copy_walk(pt, srcva, dst, max, STRING_FROM_USER);
}

/*
 * Called by kerneltrap() for a trap it cannot handle: a load page fault in
 * ucopy.S on a user address is a bad user pointer, so the copy fails with
 * -1 (*sepc is where to resume). Returns 0 for every other trap.
 */
int usercopy_fault(uint64 scause, uint64 stval, uint64 *sepc)
{
  if (scause != SCAUSE_LOAD_PAGE_FAULT || stval >= MIRROR_TOP)
    return 0;
  if (*sepc < (uint64)ucopy_start || *sepc >= (uint64)ucopy_end)
    return 0;
  *sepc = (uint64)ucopy_fault;
  return 1;
}
#elif LAB_KPGTBL == 1
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  /* Task 3: read the part below MIRROR_TOP directly through the mirror,
     counted in copies.copyin_direct; walk only what lies above it (see
     handouts/kpgtbl.md). */
  count(&copies.copyin_walk);
  return copy_walk(pt, srcva, dst, len, FROM_USER);
}

int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  /* Task 3: read the part below MIRROR_TOP directly through the mirror,
     counted in copies.copyinstr_direct; walk only what lies above it (see
     handouts/kpgtbl.md). */
  count(&copies.copyinstr_walk);
  return copy_walk(pt, srcva, dst, max, STRING_FROM_USER);
}
#else
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  return copy_walk(pt, srcva, dst, len, FROM_USER);
}

int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  return copy_walk(pt, srcva, dst, max, STRING_FROM_USER);
}
#endif
