/*
 * malloc and free: a first-fit allocator over a free list kept in address
 * order, so that free() can merge a block with its neighbours. Memory comes
 * from sbrk() in chunks of at least GROW_MIN bytes and is never returned.
 */
#include "kernel/types.h"
#include "user/user.h"

/*
 * Every block, free or in use, starts with this header. Sizes count whole
 * headers (16 bytes), which keeps every pointer malloc returns 16-aligned.
 */
struct header {
  struct header *next;   /* next free block at a higher address; free blocks only */
  uint64 units;          /* size of the block, header included, in headers */
};

#define UNIT      sizeof(struct header)
#define GROW_MIN  4096

static struct header *free_list;   /* lowest-addressed free block */

static int
adjacent(struct header *low, struct header *high)
{
  return low + low->units == high;
}

void
free(void *p)
{
  struct header *block, *prev, *next;

  if (p == 0)
    return;
  block = (struct header *)p - 1;

  prev = 0;
  next = free_list;
  while (next != 0 && next < block) {
    prev = next;
    next = next->next;
  }

  block->next = next;
  if (next != 0 && adjacent(block, next)) {
    block->units += next->units;
    block->next = next->next;
  }
  if (prev == 0) {
    free_list = block;
  } else if (adjacent(prev, block)) {
    prev->units += block->units;
    prev->next = block->next;
  } else {
    prev->next = block;
  }
}

/* Adds at least units headers of fresh memory to the free list; 0 on failure. */
static int
grow_heap(uint64 units)
{
  uint64 bytes = units * UNIT;
  char *mem;
  struct header *block;

  if (bytes < GROW_MIN)
    bytes = GROW_MIN;
  if (bytes > 0x7fffffff)   /* sbrk takes an int */
    return 0;
  mem = sbrk(bytes);
  if (mem == (char *)-1)
    return 0;
  block = (struct header *)mem;
  block->units = bytes / UNIT;
  free(block + 1);
  return 1;
}

/* Takes units headers from the first free block big enough, or returns 0. */
static void *
take_first_fit(uint64 units)
{
  struct header **link = &free_list;
  struct header *block;

  for (block = free_list; block != 0; link = &block->next, block = block->next) {
    if (block->units == units) {
      *link = block->next;
      return block + 1;
    }
    if (block->units > units) {
      /* Hand out the tail so the free block keeps its place in the list. */
      block->units -= units;
      block += block->units;
      block->units = units;
      return block + 1;
    }
  }
  return 0;
}

void *
malloc(uint n)
{
  uint64 units = ((uint64)n + UNIT - 1) / UNIT + 1;
  void *p;

  while ((p = take_first_fit(units)) == 0) {
    if (!grow_heap(units))
      return 0;
  }
  return p;
}
