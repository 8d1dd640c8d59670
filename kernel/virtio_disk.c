/*
 * Devices layer: the virtio-blk disk behind QEMU's first virtio-mmio slot,
 * driven through the modern (virtio 1.x) interface with one split virtqueue.
 *
 * A request moves a run of consecutive disk blocks, each to or from a
 * memory buffer of its own: a chain of descriptors holding the request
 * header, one descriptor per block, and a status byte. A long run becomes
 * several requests, all in flight at once. Many processes may have
 * requests in flight; each sleeps on its own until virtio_disk_intr() sees
 * them come back on the used ring, then returns their descriptors itself.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "memory.h"
#include "sched.h"
#include "dev.h"
#include "virtio.h"

/*
 * Descriptors in the queue: a page of them. A request uses two besides
 * those of its blocks, and takes at most MAX_SEGMENTS blocks, so that
 * several long requests fit in the queue at once.
 */
#define NDESC 256
#define MAX_SEGMENTS 64
#define MAX_CHAIN (MAX_SEGMENTS + 2)
/* A caller's requests in flight at once: each takes three descriptors or more. */
#define MAX_INFLIGHT (NDESC / 3)

#define SECTOR_SIZE 512

/*
 * The descriptor table fills one page; the available ring starts a second
 * page, and the used ring follows it a quarter page in.
 */
#define USED_OFFSET  (PGSIZE / 4)
_Static_assert(NDESC * sizeof(struct virtq_desc) == PGSIZE, "descriptor table is not a page");
_Static_assert(sizeof(struct virtq_avail) + (NDESC + 1) * sizeof(uint16) <= USED_OFFSET,
               "available ring overlaps used ring");
_Static_assert(USED_OFFSET + sizeof(struct virtq_used) + NDESC * sizeof(struct virtq_used_elem)
                 + sizeof(uint16) <= PGSIZE, "used ring does not fit in its page");

/* What the driver keeps for a request, indexed by the head descriptor of its chain. */
struct request {
  struct virtio_blk_req_hdr hdr;  /* the device reads it from here */
  volatile uint8 status;          /* and writes its verdict here */
  int done;                       /* the device has finished with it */
  int reads;                      /* blocks it reads, for the statistics */
};

static struct {
  struct spinlock lock;
  volatile struct virtq_desc *desc;
  volatile struct virtq_avail *avail;
  volatile struct virtq_used *used;
  char desc_free[NDESC];      /* 1 if the descriptor is not part of a request */
  uint16 used_seen;           /* used-ring entries already handled */
  struct request req[NDESC];
  uint64 reads;               /* blocks read since boot, for the statistics device */
} disk;

static volatile struct virtio_mmio *const regs = (volatile struct virtio_mmio *)VIRTIO0_VA;

static void set_status_bit(uint32 bit)
{
  regs->status |= bit;
}

/*
 * Accept what the device offers in the low 32 feature bits except what Kiln
 * does not handle, and of the high ones VERSION_1 alone: a modern device
 * requires it.
 */
static void negotiate_features(void)
{
  uint64 refused = (1UL << VIRTIO_BLK_F_RO) | (1UL << VIRTIO_BLK_F_SCSI) |
                   (1UL << VIRTIO_BLK_F_CONFIG_WCE) | (1UL << VIRTIO_BLK_F_MQ) |
                   (1UL << VIRTIO_F_ANY_LAYOUT) | (1UL << VIRTIO_RING_F_INDIRECT_DESC) |
                   (1UL << VIRTIO_RING_F_EVENT_IDX);
  uint64 wanted = (0xffffffffUL & ~refused) | (1UL << VIRTIO_F_VERSION_1);

  /* The feature registers show 32 bits at a time: word 0, then word 1. */
  for (uint32 word = 0; word < 2; word++) {
    regs->device_features_sel = word;
    uint32 offered = regs->device_features;
    regs->driver_features_sel = word;
    regs->driver_features = offered & (uint32)(wanted >> (32 * word));
  }

  set_status_bit(VIRTIO_STATUS_FEATURES_OK);
  if (!(regs->status & VIRTIO_STATUS_FEATURES_OK))
    panic("virtio_disk: device refused the features");
}

/* A queue address register pair: the low word, then the high one. */
static void set_address(volatile uint32 *pair, void *addr)
{
  pair[0] = (uint32)(uint64)addr;
  pair[1] = (uint32)((uint64)addr >> 32);
}

/* A zeroed page for the queue. */
static char *queue_page(void)
{
  char *page = kalloc();
  if (page == 0)
    panic("virtio_disk: no memory for the queue");
  memset(page, 0, PGSIZE);
  return page;
}

static void setup_queue(void)
{
  regs->queue_sel = 0;
  if (regs->queue_ready)
    panic("virtio_disk: queue 0 already in use");
  if (regs->queue_num_max < NDESC)
    panic("virtio_disk: queue too small");

  disk.desc = (volatile struct virtq_desc *)queue_page();
  char *rings = queue_page();
  disk.avail = (volatile struct virtq_avail *)rings;
  disk.used = (volatile struct virtq_used *)(rings + USED_OFFSET);

  regs->queue_num = NDESC;
  set_address(regs->queue_desc, (void *)disk.desc);
  set_address(regs->queue_driver, (void *)disk.avail);
  set_address(regs->queue_device, (void *)disk.used);
  __sync_synchronize();
  regs->queue_ready = 1;

  for (int i = 0; i < NDESC; i++)
    disk.desc_free[i] = 1;
}

void virtio_disk_init(void)
{
  initlock(&disk.lock, "virtio_disk");

  /* A missing or legacy disk means QEMU was started with the wrong options. */
  if (regs->magic != VIRTIO_MAGIC || regs->version != 2 || regs->device_id != VIRTIO_ID_BLOCK)
    panic("virtio_disk: no modern virtio-blk device at VIRTIO0");

  regs->status = 0;  /* reset */
  set_status_bit(VIRTIO_STATUS_ACKNOWLEDGE);
  set_status_bit(VIRTIO_STATUS_DRIVER);
  negotiate_features();
  setup_queue();
  set_status_bit(VIRTIO_STATUS_DRIVER_OK);
}

/* Take n free descriptors into idx[], all or none. Caller holds disk.lock. */
static int alloc_chain(int *idx, int n)
{
  int found = 0;
  for (int i = 0; i < NDESC && found < n; i++)
    if (disk.desc_free[i])
      idx[found++] = i;
  if (found < n)
    return -1;
  for (int k = 0; k < n; k++)
    disk.desc_free[idx[k]] = 0;
  return 0;
}

/*
 * Give back the descriptors of the finished chain starting at head, and
 * wake anyone waiting for them. The device is done with them, so what they
 * point to no longer matters; their links still say which they are.
 * Caller holds disk.lock.
 */
static void free_chain(int head)
{
  int i = head;
  for (;;) {
    disk.desc_free[i] = 1;
    if (!(disk.desc[i].flags & VIRTQ_DESC_F_NEXT))
      break;
    i = disk.desc[i].next;
  }
  wakeup(&disk.desc_free);
}

static void fill_desc(int i, void *addr, uint32 len, uint16 flags, int next)
{
  disk.desc[i].addr = (uint64)addr;
  disk.desc[i].len = len;
  disk.desc[i].flags = flags;
  disk.desc[i].next = next;
}

/* Put the chain starting at head on the available ring. Caller holds disk.lock. */
static void offer_chain(int head)
{
  uint16 next_slot = disk.avail->idx;
  disk.avail->ring[next_slot % NDESC] = head;
  /* The device must see the chain and the ring entry before the new index. */
  __sync_synchronize();
  disk.avail->idx = next_slot + 1;
  __sync_synchronize();
}

/*
 * Offer the device a request for count blocks of size bytes each, from
 * disk block blockno on, to or from blocks[0..count-1], on the n = count +
 * 2 descriptors in idx[]. Returns its head. Caller holds disk.lock.
 */
static int submit(int *idx, uint blockno, uchar **blocks, int count, uint size, int write)
{
  int n = count + 2;
  struct request *r = &disk.req[idx[0]];
  r->hdr.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  r->hdr.reserved = 0;
  r->hdr.sector = (uint64)blockno * (size / SECTOR_SIZE);
  r->status = 0xff;  /* anything but OK, in case the device never writes it */
  r->done = 0;
  r->reads = write ? 0 : count;

  /* For a read the device writes into the blocks; for a write it only reads them. */
  fill_desc(idx[0], &r->hdr, sizeof(r->hdr), VIRTQ_DESC_F_NEXT, idx[1]);
  for (int k = 0; k < count; k++)
    fill_desc(idx[k + 1], blocks[k], size,
              VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE), idx[k + 2]);
  fill_desc(idx[n - 1], (void *)&r->status, 1, VIRTQ_DESC_F_WRITE, 0);
  offer_chain(idx[0]);
  return idx[0];
}

/*
 * Ring the doorbell, without the lock: QEMU handles this write in the
 * calling hart, slowly, and the hart taking the disk interrupt meanwhile
 * would spin on the lock (30 times fewer spins this way, in usertests
 * fulldisk). A request that finishes before its submitter sleeps has done
 * set when the submitter looks under the lock. Caller holds disk.lock.
 */
static void ring_doorbell(void)
{
  release(&disk.lock);
  regs->queue_notify = 0;
  acquire(&disk.lock);
}

/* Wait for the request whose chain starts at head, then free it. Caller holds disk.lock. */
static void finish(int head)
{
  struct request *r = &disk.req[head];
  while (!r->done)
    sleep(r, &disk.lock);
  /* The chain stays ours until now, so r cannot be reused under us. */
  if (r->status != VIRTIO_BLK_S_OK)
    panic("virtio_disk: I/O error");
  disk.reads += r->reads;
  free_chain(head);
}

/*
 * Read (write == 0) or write count disk blocks of size bytes (a multiple of
 * the sector size) each, from block number blockno on, to or from the
 * buffers blocks[0..count-1]; returns when the device is done with all of
 * them. The caller keeps the buffers stable meanwhile.
 *
 * The run goes out as requests of up to MAX_SEGMENTS blocks, as many in
 * flight at once as the queue has descriptors for. When it has none free,
 * the caller finishes its own oldest request first, or, with none in
 * flight, waits for someone else to finish one: it never waits for
 * descriptors while holding some that only it can give back.
 */
void virtio_disk_rwv(uint blockno, uchar **blocks, uint count, uint size, int write)
{
  int inflight[MAX_INFLIGHT], oldest = 0, newest = 0;
  int idx[MAX_CHAIN];
  uint done = 0;

  acquire(&disk.lock);
  while (done < count) {
    int n = count - done < MAX_SEGMENTS ? count - done : MAX_SEGMENTS;
    while (newest - oldest == MAX_INFLIGHT || alloc_chain(idx, n + 2) < 0) {
      if (newest > oldest)
        finish(inflight[oldest++ % MAX_INFLIGHT]);
      else
        sleep(&disk.desc_free, &disk.lock);
    }
    inflight[newest++ % MAX_INFLIGHT] = submit(idx, blockno + done, blocks + done, n, size, write);
    done += n;
    ring_doorbell();
  }
  while (newest > oldest)
    finish(inflight[oldest++ % MAX_INFLIGHT]);
  release(&disk.lock);
}

/* One block: virtio_disk_rwv for a run of one. */
void virtio_disk_rw(uint blockno, uchar *data, uint size, int write)
{
  virtio_disk_rwv(blockno, &data, 1, size, write);
}

void virtio_disk_intr(void)
{
  acquire(&disk.lock);

  /*
   * Acknowledge first: a completion that arrives while the loop below runs
   * raises a fresh interrupt instead of being lost.
   */
  regs->interrupt_ack = regs->interrupt_status & 0x3;
  __sync_synchronize();

  while (disk.used_seen != disk.used->idx) {
    /* Read the entry only after the index that published it. */
    __sync_synchronize();
    int head = disk.used->ring[disk.used_seen % NDESC].id;
    struct request *r = &disk.req[head];
    r->done = 1;
    wakeup(r);
    disk.used_seen++;
  }

  release(&disk.lock);
}

uint64 virtio_disk_reads(void)
{
  acquire(&disk.lock);
  uint64 n = disk.reads;
  release(&disk.lock);
  return n;
}
