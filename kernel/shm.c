/*
 * System V shared memory: segments of pages that several processes map at
 * once, so that a store by one is seen by the others at once.
 *
 *   shmget(key, size, flags)  find the segment with this key, or make one;
 *                             returns its id
 *   shmat(id, addr, flags)    map it into the caller; returns the address
 *   shmdt(addr)               unmap the attachment at addr
 *   shmctl(id, cmd, buf)      IPC_STAT, IPC_SET, IPC_RMID
 *
 * A segment lives until it is removed (IPC_RMID) *and* its last attachment
 * has gone, by shmdt, exec or exit; fork gives the child every attachment
 * of its parent, mapping the very same pages. Attachments sit in a window
 * at the top of user memory (SHM_BASE..SHM_TOP in memlayout.h), which the
 * process's own memory [0, sz) never reaches: so fork's copy of that
 * memory, sbrk and exit's freeing of it never meet a segment's page.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "memory.h"
#include "sleeplock.h"
#include "proc.h"
#include "shm.h"

#if LAB_SHM >= 2
/*
 * One segment. Its pages are kept the way an address space keeps them: in
 * a page table of its own, page i at offset i * PGSIZE, which no hart
 * ever runs on. vm.c then allocates them zeroed and all or nothing
 * (uvmalloc), finds them (walkaddr) and frees them (uvmfree), and the
 * list costs about one page per 2 MB of segment.
 */
struct shm_segment {
  int in_use;
  int generation;      /* how often the slot was used before: part of the id */
  int key;             /* IPC_PRIVATE: found by id only */
  int removed;         /* IPC_RMID: it dies with its last attachment */
  uint64 size;         /* bytes, as asked for */
  uint64 npages;
  uint mode;           /* permission bits */
  int creator_pid, last_pid;
  uint64 attachments;  /* in all processes together */
  pagetable_t pages;
};

#define MODE_BITS 0777
#define GENERATIONS (0x7fffffff / SHMMNI)  /* ids stay positive ints */

/* "rwx" bits, as in each third of a mode. */
#define MAY_READ  4
#define MAY_WRITE 2

/*
 * The segments sit in a fixed table: the limit on their number is small,
 * and a table makes an id (slot + SHMMNI * generation) quick to check.
 * A sleep lock guards the table and the attachment counts, since it is
 * held while a new segment's pages are allocated and zeroed (up to SHMMAX
 * bytes), too long to keep a hart's interrupts off with a spin lock.
 */
static struct {
  struct sleeplock lock;
  struct shm_segment slots[SHMMNI];
  uint64 pages_used;   /* by all segments together, at most SHMALL */
} shm;

/* An attachment address must leave the kernel room to choose one for any
   segment while a process has SHMSEG - 1 others attached anywhere. */
_Static_assert(SHM_TOP - SHM_BASE >= (2 * SHMSEG - 1) * (uint64)SHMMAX,
               "the shm window is too small for SHMSEG attachments of SHMMAX bytes");

void shminit(void)
{
  initsleeplock(&shm.lock, "shm");
}

/* ---- finding segments (shm.lock held) ---- */

static int id_of(struct shm_segment *s)
{
  return s->generation * SHMMNI + (int)(s - shm.slots);
}

/* The live segment that id names, or 0: an id of a dead one names none. */
static struct shm_segment *segment_by_id(int id)
{
  if (id < 0)
    return 0;
  struct shm_segment *s = &shm.slots[id % SHMMNI];
  return s->in_use && s->generation == id / SHMMNI ? s : 0;
}

/* The segment with this key that is not removed, or 0. */
static struct shm_segment *segment_by_key(int key)
{
  for (struct shm_segment *s = shm.slots; s < shm.slots + SHMMNI; s++)
    if (s->in_use && !s->removed && s->key == key)
      return s;
  return 0;
}

/*
 * Whether s's mode grants every bit of want (MAY_READ, MAY_WRITE). Kiln
 * has no users, so every process is the segment's owner, and as in Unix
 * the owner's third of the mode is the one that counts.
 */
static int permitted(struct shm_segment *s, int want)
{
  int owner = (s->mode >> 6) & 7;
  return (want & ~owner) == 0;
}

/* The rwx bits that shmget's mode bits ask for, folded into one third. */
static int asked_access(int flags)
{
  return (flags | flags >> 3 | flags >> 6) & 7;
}

/* ---- making and ending segments (shm.lock held) ---- */

/* A new segment of size bytes, zero-filled: its id, or -1 at a limit. */
static int create(int key, uint64 size, uint mode)
{
  if (size == 0 || size > SHMMAX)
    return -1;
  uint64 npages = PGROUNDUP(size) / PGSIZE;
  if (shm.pages_used + npages > SHMALL)
    return -1;
  struct shm_segment *s = shm.slots;
  while (s < shm.slots + SHMMNI && s->in_use)
    s++;
  if (s == shm.slots + SHMMNI)
    return -1;

  pagetable_t pages = uvmcreate();
  if (pages == 0)
    return -1;
  if (uvmalloc(pages, 0, npages * PGSIZE, PTE_W) == 0) {
    uvmfree(pages, 0);
    return -1;
  }
  int generation = s->generation;
  memset(s, 0, sizeof(*s));
  s->in_use = 1;
  s->generation = generation;
  s->key = key;
  s->size = size;
  s->npages = npages;
  s->mode = mode;
  s->creator_pid = myproc()->pid;
  s->pages = pages;
  shm.pages_used += npages;
  return id_of(s);
}

/* Free s's pages and its page list, and retire its id. */
static void destroy(struct shm_segment *s)
{
  uvmfree(s->pages, s->npages * PGSIZE);
  shm.pages_used -= s->npages;
  s->in_use = 0;
  s->generation = (s->generation + 1) % GENERATIONS;
}

/* IPC_RMID: no longer found by key; gone now if nobody has it attached. */
static void mark_removed(struct shm_segment *s)
{
  s->removed = 1;
  s->key = IPC_PRIVATE;
  if (s->attachments == 0)
    destroy(s);
}

/* ---- mapping segments into processes ---- */

/* The window lies above the mirror of lab 2: copyin() walks the user page table there. */
_Static_assert(SHM_BASE >= MIRROR_TOP, "segments are never mirrored in kernel page tables");

/*
 * Map s's pages at va in p's user page table, with perm. -1, with nothing
 * mapped, when a page-table page cannot be had.
 */
static int map_segment(struct proc *p, struct shm_segment *s, uint64 va, int perm)
{
  uint64 len = s->npages * PGSIZE;
  uint64 off;
  for (off = 0; off < len; off += PGSIZE)
    if (mappages(p->pagetable, va + off, PGSIZE, walkaddr(s->pages, off), perm) < 0)
      break;
  if (off == len)
    return 0;
  uvmunmap(p->pagetable, va, off / PGSIZE, 0);
  return -1;
}

/* Undo map_segment(); the pages stay the segment's. */
static void unmap_segment(struct proc *p, struct shm_segment *s, uint64 va)
{
  uvmunmap(p->pagetable, va, s->npages, 0);
}

static int attachment_perm(int readonly)
{
  return PTE_R | PTE_U | PTE_SHARED | (readonly ? 0 : PTE_W);
}

/* Record that p has s attached at va in its free slot a. */
static void attach(struct proc *p, struct shm_attachment *a, struct shm_segment *s,
                   uint64 va, int readonly)
{
  a->segment = s;
  a->va = va;
  a->readonly = readonly;
  s->attachments++;
  s->last_pid = p->pid;
}

/* Unmap attachment a of p and free its slot; the segment may die with it. */
static void detach(struct proc *p, struct shm_attachment *a)
{
  struct shm_segment *s = a->segment;
  unmap_segment(p, s, a->va);
  a->segment = 0;
  s->attachments--;
  s->last_pid = p->pid;
  if (s->attachments == 0 && s->removed)
    destroy(s);
}

/* ---- where attachments go ---- */

static uint64 attachment_end(struct shm_attachment *a)
{
  return a->va + a->segment->npages * PGSIZE;
}

/* An attachment of p that overlaps [va, va + len), or 0. */
static struct shm_attachment *overlapping(struct proc *p, uint64 va, uint64 len)
{
  for (struct shm_attachment *a = p->shm; a < p->shm + SHMSEG; a++)
    if (a->segment && a->va < va + len && va < attachment_end(a))
      return a;
  return 0;
}

/* The lowest address in the window where len bytes are free in p, or 0. */
static uint64 choose_address(struct proc *p, uint64 len)
{
  uint64 va = SHM_BASE;
  struct shm_attachment *in_the_way;
  /* Each step moves past an attachment, so this ends. */
  while ((in_the_way = overlapping(p, va, len)) != 0)
    va = attachment_end(in_the_way);
  return va + len <= SHM_TOP ? va : 0;
}

/* An address the user chose must be a page boundary in the window, free. */
static int address_ok(struct proc *p, uint64 va, uint64 len)
{
  return va % PGSIZE == 0 && va >= SHM_BASE && va <= SHM_TOP - len &&
         overlapping(p, va, len) == 0;
}

static struct shm_attachment *free_attachment(struct proc *p)
{
  for (struct shm_attachment *a = p->shm; a < p->shm + SHMSEG; a++)
    if (a->segment == 0)
      return a;
  return 0;
}

static int has_attachments(struct proc *p)
{
  for (struct shm_attachment *a = p->shm; a < p->shm + SHMSEG; a++)
    if (a->segment)
      return 1;
  return 0;
}

/* ---- the system calls ---- */

/* shmget()'s work, shm.lock held. */
static int get_locked(int key, uint64 size, int flags)
{
  struct shm_segment *s = key == IPC_PRIVATE ? 0 : segment_by_key(key);
  if (s == 0)
    return flags & IPC_CREAT ? create(key, size, flags & MODE_BITS) : -1;
  if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
    return -1;  /* the caller wanted a new one */
  if (size > s->size || !permitted(s, asked_access(flags & MODE_BITS)))
    return -1;
  return id_of(s);
}

int shmget(int key, uint64 size, int flags)
{
  if (flags & ~(IPC_CREAT | IPC_EXCL | MODE_BITS))
    return -1;
  acquiresleep(&shm.lock);
  int id = get_locked(key, size, flags);
  releasesleep(&shm.lock);
  return id;
}

/* shmat()'s work, shm.lock held. */
static uint64 attach_locked(struct proc *p, int id, uint64 va, int readonly)
{
  struct shm_segment *s = segment_by_id(id);
  if (s == 0 || !permitted(s, readonly ? MAY_READ : MAY_READ | MAY_WRITE))
    return -1;
  struct shm_attachment *a = free_attachment(p);
  if (a == 0)
    return -1;
  uint64 len = s->npages * PGSIZE;
  if (va == 0)
    va = choose_address(p, len);
  else if (!address_ok(p, va, len))
    return -1;
  if (va == 0 || map_segment(p, s, va, attachment_perm(readonly)) < 0)
    return -1;
  attach(p, a, s, va, readonly);
  return va;
}

uint64 shmat(int id, uint64 va, int flags)
{
  if (flags & ~SHM_RDONLY)
    return -1;
  acquiresleep(&shm.lock);
  uint64 result = attach_locked(myproc(), id, va, (flags & SHM_RDONLY) != 0);
  releasesleep(&shm.lock);
  return result;
}

/* shmdt(va): va must be where an attachment starts, as shmat returned it. */
int shmdt(uint64 va)
{
  struct proc *p = myproc();
  int result = -1;
  acquiresleep(&shm.lock);
  for (struct shm_attachment *a = p->shm; a < p->shm + SHMSEG; a++) {
    if (a->segment && a->va == va) {
      detach(p, a);
      result = 0;
      break;
    }
  }
  releasesleep(&shm.lock);
  return result;
}

static void describe(struct shm_segment *s, struct shmid_ds *ds)
{
  ds->shm_segsz = s->size;
  ds->shm_cpid = s->creator_pid;
  ds->shm_lpid = s->last_pid;
  ds->shm_nattch = s->attachments;
  ds->shm_perm_mode = s->mode;
  ds->shm_key = s->key;
}

/* shmctl()'s work on the live segment s, shm.lock held; ds in kernel memory. */
static int control_locked(struct shm_segment *s, int cmd, struct shmid_ds *ds)
{
  switch (cmd) {
  case IPC_STAT:
    describe(s, ds);
    return 0;
  case IPC_SET:
    s->mode = ds->shm_perm_mode & MODE_BITS;
    return 0;
  case IPC_RMID:
    mark_removed(s);
    return 0;
  default:
    return -1;
  }
}

/*
 * shmctl(id, cmd, buf). The user's buffer is read before and written
 * after the lock is held, so that a bad one fails before anything changes.
 */
int shmctl(int id, int cmd, uint64 buf_addr)
{
  pagetable_t pt = myproc()->pagetable;
  struct shmid_ds ds;
  cmd &= ~IPC_64;
  if (cmd == IPC_SET && copyin(pt, &ds, buf_addr, sizeof(ds)) < 0)
    return -1;

  acquiresleep(&shm.lock);
  struct shm_segment *s = segment_by_id(id);
  int result = s ? control_locked(s, cmd, &ds) : -1;
  releasesleep(&shm.lock);

  if (result == 0 && cmd == IPC_STAT && copyout(pt, buf_addr, &ds, sizeof(ds)) < 0)
    return -1;
  return result;
}

/* ---- fork, exec and exit ---- */

/*
 * Give child every attachment of parent, at the same addresses, over the
 * same pages: shared, never copied. -1 when memory runs out; the child
 * then has none.
 */
int shm_fork(struct proc *child, struct proc *parent)
{
  if (!has_attachments(parent))
    return 0;
  int result = 0;
  acquiresleep(&shm.lock);
  for (int i = 0; i < SHMSEG && result == 0; i++) {
    struct shm_attachment *a = &parent->shm[i];
    if (a->segment == 0)
      continue;
    result = map_segment(child, a->segment, a->va, attachment_perm(a->readonly));
    if (result == 0)
      attach(child, &child->shm[i], a->segment, a->va, a->readonly);
  }
  releasesleep(&shm.lock);
  if (result < 0)
    shm_detach_all(child);
  return result;
}

/* Detach everything p has attached: a new program, or none, follows. */
void shm_detach_all(struct proc *p)
{
  /* Most processes have nothing attached; they need not take the lock. */
  if (!has_attachments(p))
    return;
  acquiresleep(&shm.lock);
  for (struct shm_attachment *a = p->shm; a < p->shm + SHMSEG; a++)
    if (a->segment)
      detach(p, a);
  releasesleep(&shm.lock);
}
#else
void shminit(void)
{
  /* TODO (shm lab): set up the segments' table and its lock. */
}

int shmget(int key, uint64 size, int flags)
{
  /* TODO (shm lab): find the segment with this key, or create one. */
  return -1;
}

uint64 shmat(int id, uint64 va, int flags)
{
  /* TODO (shm lab): map the segment's pages into the calling process. */
  return -1;
}

int shmdt(uint64 va)
{
  /* TODO (shm lab): unmap the attachment that starts at va. */
  return -1;
}

int shmctl(int id, int cmd, uint64 buf_addr)
{
  /* TODO (shm lab): IPC_STAT, IPC_SET and IPC_RMID (cmd may carry IPC_64). */
  return -1;
}
#endif
