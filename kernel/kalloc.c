/*
 * Physical pages. Every page of RAM from the end of the kernel image up to
 * PHYSTOP belongs to one pool, handed out a page at a time. Free pages are
 * kept on stacks threaded through the pages themselves (each holds the
 * address of the one below it), so the pool costs no memory of its own.
 *
 * kalloc() and kfree() check and prepare pages; the pool_ functions below
 * decide which stack a page goes on and which lock guards it.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#if LAB_LOCKS >= 2
#include "cpu.h"
#endif
#include "lib.h"
#include "spinlock.h"
#include "memory.h"

extern char end[];  /* first address after the kernel image; see kernel.ld */

/* What a free page holds: the free page below it on its stack. */
struct free_page {
  struct free_page *below;
};

/* The lowest page of the pool: the first whole page after the kernel. */
static uint64 pool_bottom(void)
{
  return PGROUNDUP((uint64)end);
}

#if LAB_LAZY
/* lazy lab: pages kalloc() has handed out since boot; atomic, so no lock. */
static uint64 handed_out;
#endif

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

#if LAB_LOCKS >= 2
/*
 * One stack of free pages per hart, each under its own lock. kfree() puts
 * a page on the stack of the hart it runs on and kalloc() takes from there,
 * so harts that allocate and free at the same time touch different locks.
 * A hart whose stack is empty steals a batch of pages from another's.
 *
 * A hart never holds two of these locks: a thief lets go of its own stack
 * before it visits another one, and of that one before it comes back. Two
 * harts stealing from each other therefore cannot wait for each other.
 *
 * The free-page count is kept per hart, as pages freed minus pages handed
 * out by that hart, so a page that moves to a thief's stack changes no
 * count and the sum is exact. A hart changes only its own count, under its
 * own lock; kfreepages() adds them up without taking any lock, which keeps
 * sbrk (which asks for the count) off the locks too.
 */

/* Pages a thief takes at once: enough that stealing is rare. */
#define STEAL_BATCH 64

struct free_list {
  struct spinlock lock;
  struct free_page *top;    /* the page kalloc() hands out next on this hart */
  uint64 balance;           /* pages this hart freed minus pages it handed out,
                               modulo 2^64: only the sum over harts means anything */
} __attribute__((aligned(64)));  /* a cache line each: harts do not slow each other */

static struct free_list lists[NCPU];
/* Lock names must outlive the locks: "kmem.0" ... one per hart. */
static char list_names[NCPU][8];

/* The list of the hart we are on; interrupts must be off, so that we stay there. */
static struct free_list *my_list(void)
{
  return &lists[cpuid()];
}

/* Put a chain of pages, from first down to last, on top of l; l->lock is held. */
static void push_chain(struct free_list *l, struct free_page *first, struct free_page *last)
{
  last->below = l->top;
  l->top = first;
}

/* Count pages freed (n > 0) or handed out (n < 0) by this hart; l->lock is held. */
static void count(struct free_list *l, int n)
{
  /* Atomic, since kfreepages() reads balances without their locks. */
  __atomic_fetch_add(&l->balance, (uint64)(long)n, __ATOMIC_RELAXED);
}

/*
 * Detach up to STEAL_BATCH pages from the top of victim's stack; returns
 * the first of them (0 if the stack is empty) and the last in *last.
 */
static struct free_page *take_batch(struct free_list *victim, struct free_page **last)
{
  acquire(&victim->lock);
  struct free_page *first = victim->top;
  if (first != 0) {
    struct free_page *page = first;
    for (int n = 1; n < STEAL_BATCH && page->below != 0; n++)
      page = page->below;
    victim->top = page->below;
    *last = page;
  }
  release(&victim->lock);
  return first;
}

/*
 * Steal a batch for the hart whose list is thief (interrupts off, no list
 * lock held): return one page of it and keep the rest on the thief's
 * stack. 0 if every other stack is empty.
 */
static struct free_page *steal(struct free_list *thief)
{
  int me = thief - lists;
  for (int i = 1; i < NCPU; i++) {
    struct free_page *last;
    struct free_page *first = take_batch(&lists[(me + i) % NCPU], &last);
    if (first == 0)
      continue;
    acquire(&thief->lock);
    if (first != last)
      push_chain(thief, first->below, last);
    count(thief, -1);
    release(&thief->lock);
    return first;
  }
  return 0;
}

/* All pages start on the stack of the hart that boots, counted as freed by it. */
static void pool_init(void)
{
  for (int i = 0; i < NCPU; i++) {
    snprintf(list_names[i], sizeof(list_names[i]), "kmem.%d", i);
    initlock(&lists[i].lock, list_names[i]);
  }
  push_off();
  struct free_list *l = my_list();
  acquire(&l->lock);
  for (uint64 pa = pool_bottom(); pa + PGSIZE <= PHYSTOP; pa += PGSIZE) {
    struct free_page *page = (struct free_page *)pa;
    push_chain(l, page, page);
    count(l, 1);
  }
  release(&l->lock);
  pop_off();
}

static void pool_put(struct free_page *page)
{
  push_off();
  struct free_list *l = my_list();
  acquire(&l->lock);
  push_chain(l, page, page);
  count(l, 1);
  release(&l->lock);
  pop_off();
}

static struct free_page *pool_take(void)
{
  push_off();
  struct free_list *l = my_list();
  acquire(&l->lock);
  struct free_page *page = l->top;
  if (page != 0) {
    l->top = page->below;
    count(l, -1);
  }
  release(&l->lock);
  if (page == 0)
    page = steal(l);
  pop_off();
  return page;
}

static uint64 pool_count(void)
{
  uint64 n = 0;
  for (int i = 0; i < NCPU; i++)
    n += __atomic_load_n(&lists[i].balance, __ATOMIC_RELAXED);
  return n;
}
#else
/* One stack for all harts, under one spin lock. */
static struct {
  struct spinlock lock;
  struct free_page *top;  /* the page kalloc() hands out next */
  uint64 nfree;           /* the stack's height */
} pool;

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

/* Fill the pool, in one go under the lock. */
static void pool_init(void)
{
  initlock(&pool.lock, "kmem");
  acquire(&pool.lock);
  for (uint64 pa = pool_bottom(); pa + PGSIZE <= PHYSTOP; pa += PGSIZE)
    push((struct free_page *)pa);
  release(&pool.lock);
}

static void pool_put(struct free_page *page)
{
  acquire(&pool.lock);
  push(page);
  release(&pool.lock);
}

static struct free_page *pool_take(void)
{
  acquire(&pool.lock);
  struct free_page *page = pop();
  release(&pool.lock);
  return page;
}

static uint64 pool_count(void)
{
  acquire(&pool.lock);
  uint64 n = pool.nfree;
  release(&pool.lock);
  return n;
}
#endif

/*
 * Pushed from the bottom up, the pages go out from the top of RAM down. A
 * page that was never handed out holds nothing stale, so unlike kfree()
 * filling the pool skips the junk fill, which keeps boot quick.
 */
void kinit(void)
{
  pool_init();
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

  pool_put(page);
}

void *kalloc(void)
{
  struct free_page *page = pool_take();
#if LAB_LAZY
  if (page)
    __atomic_fetch_add(&handed_out, 1, __ATOMIC_RELAXED);
#endif
#if LAB_COW >= 2
  if (page)
    first_reference(page);
#endif
  return page;
}

uint64 kfreepages(void)
{
  return pool_count();
}

#if LAB_LAZY
/* lazy lab, for the statistics device: pages kalloc() has handed out since boot. */
uint64 kallocpages(void)
{
  return __atomic_load_n(&handed_out, __ATOMIC_RELAXED);
}
#endif
