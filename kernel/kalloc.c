/*
 * Physical page allocator: every page of RAM between the end of the kernel
 * image and PHYSTOP sits on one free list, under one lock.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "memory.h"

extern char end[];  /* first address after the kernel image; see kernel.ld */

/* A free page holds the link to the next free page in its first bytes. */
struct free_page {
  struct free_page *next;
};

static struct {
  struct spinlock lock;
  struct free_page *head;
  uint64 nfree;
} kmem;

void kinit(void)
{
  initlock(&kmem.lock, "kmem");
  for (char *p = (char *)PGROUNDUP((uint64)end); p + PGSIZE <= (char *)PHYSTOP; p += PGSIZE)
    kfree(p);
}

void kfree(void *pa)
{
  if ((uint64)pa % PGSIZE != 0 || (char *)pa < end || (uint64)pa >= PHYSTOP)
    panic("kfree: not a page of free memory");

  /* Junk makes a use after free show up as garbage rather than stale data. */
  memset(pa, 0x5a, PGSIZE);

  struct free_page *page = pa;
  acquire(&kmem.lock);
  page->next = kmem.head;
  kmem.head = page;
  kmem.nfree++;
  release(&kmem.lock);
}

void *kalloc(void)
{
  acquire(&kmem.lock);
  struct free_page *page = kmem.head;
  if (page) {
    kmem.head = page->next;
    kmem.nfree--;
  }
  release(&kmem.lock);
  return page;
}

uint64 kfreepages(void)
{
  acquire(&kmem.lock);
  uint64 n = kmem.nfree;
  release(&kmem.lock);
  return n;
}
