/*
 * Physical pages. Every page of RAM from the end of the kernel image up to
 * PHYSTOP belongs to one pool, handed out a page at a time. The free pages
 * form a stack threaded through the pages themselves (each holds the
 * address of the one below it), so the pool costs no memory of its own.
 * One spin lock guards it.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "memory.h"

extern char end[];  /* first address after the kernel image; see kernel.ld */

/* What a free page holds: the free page below it on the stack. */
struct free_page {
  struct free_page *below;
};

static struct {
  struct spinlock lock;
  struct free_page *top;  /* the page kalloc() hands out next */
  uint64 nfree;           /* the stack's height */
#if LAB_LAZY
  uint64 handed_out;      /* pages kalloc() has handed out since boot */
#endif
} pool;

#if LAB_COW >= 2
/*
 * cow lab: how many page-table leaves map each page of RAM, indexed by
 * page number from KERNBASE. A count changes only by atomic add, so harts
 * never lose an update, and no lock is needed: a page whose count a hart
 * raises is one it maps already (fork shares the parent's pages), so its
 * count cannot reach zero meanwhile; and the one hart that takes a count
 * from one to zero holds the last mapping, so no hart can raise it again.
 */
static int references[(PHYSTOP - KERNBASE) / PGSIZE];

static int *references_of(uint64 pa)
{
  return &references[(pa - KERNBASE) / PGSIZE];
}

/* cow lab: a page kalloc() hands out has one reference, its new owner's. */
static void first_reference(void *page)
{
  __atomic_store_n(references_of((uint64)page), 1, __ATOMIC_RELAXED);
}

/* cow lab: drop a reference to pa; whether it was the last one. */
static int last_reference(uint64 pa)
{
  int left = __atomic_sub_fetch(references_of(pa), 1, __ATOMIC_ACQ_REL);
  if (left < 0)
    panic("kfree: a page freed more often than it was shared");
  return left == 0;
}

void kshare(void *page)
{
  __atomic_add_fetch(references_of((uint64)page), 1, __ATOMIC_RELAXED);
}

int kreferences(void *page)
{
  return __atomic_load_n(references_of((uint64)page), __ATOMIC_ACQUIRE);
}
#endif

/* The lowest page of the pool: the first whole page after the kernel. */
static uint64 pool_bottom(void)
{
  return PGROUNDUP((uint64)end);
}

/* Put page on the stack; pool.lock is held. */
static void push(struct free_page *page)
{
  page->below = pool.top;
  pool.top = page;
  pool.nfree++;
}

/* Take the top page off the stack, or 0 if it is empty; pool.lock is held. */
static struct free_page *pop(void)
{
  struct free_page *page = pool.top;
  if (page) {
    pool.top = page->below;
    pool.nfree--;
  }
  return page;
}

/*
 * Fill the pool, in one go under the lock. Pushed from the bottom up, the
 * pages go out from the top of RAM down. A page that was never handed out
 * holds nothing stale, so unlike kfree() this skips the junk fill, which
 * keeps boot quick.
 */
void kinit(void)
{
  initlock(&pool.lock, "kmem");
  acquire(&pool.lock);
  for (uint64 pa = pool_bottom(); pa + PGSIZE <= PHYSTOP; pa += PGSIZE)
    push((struct free_page *)pa);
  release(&pool.lock);
}

void kfree(void *page)
{
  uint64 pa = (uint64)page;
  if (pa % PGSIZE != 0 || pa < pool_bottom() || pa >= PHYSTOP)
    panic("kfree: not a page of the pool");
#if LAB_COW >= 2
  if (!last_reference(pa))
    return;  /* someone else still maps it */
#endif

  /* Junk, so that a use after free reads garbage instead of stale data. */
  memset(page, 0x5a, PGSIZE);

  acquire(&pool.lock);
  push(page);
  release(&pool.lock);
}

void *kalloc(void)
{
  acquire(&pool.lock);
  struct free_page *page = pop();
#if LAB_LAZY
  pool.handed_out += page != 0;
#endif
  release(&pool.lock);
#if LAB_COW >= 2
  if (page)
    first_reference(page);
#endif
  return page;
}

uint64 kfreepages(void)
{
  acquire(&pool.lock);
  uint64 n = pool.nfree;
  release(&pool.lock);
  return n;
}

#if LAB_LAZY
/* lazy lab, for the statistics device: pages kalloc() has handed out since boot. */
uint64 kallocpages(void)
{
  acquire(&pool.lock);
  uint64 n = pool.handed_out;
  release(&pool.lock);
  return n;
}
#endif
