/*
 * Devices layer: the virtio-blk disk behind QEMU's first virtio-mmio slot,
 * driven through the modern (virtio 1.x) interface with one split virtqueue.
 *
 * Every request is a chain of three descriptors: the request header, the
 * block's data, and a status byte. Many requests may be in flight at once;
 * the submitting process sleeps on its request until virtio_disk_intr() sees
 * the chain come back on the used ring, then returns the descriptors itself.
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

/* Descriptors in the queue; three per request, so ten requests in flight. */
#define NDESC 32

#define SECTOR_SIZE 512

/*
 * The whole virtqueue lives in one page: the descriptor table at the start,
 * the available ring right after it, and the used ring in the second half.
 */
#define AVAIL_OFFSET (NDESC * sizeof(struct virtq_desc))
#define USED_OFFSET  (PGSIZE / 2)
_Static_assert(AVAIL_OFFSET + sizeof(struct virtq_avail) + (NDESC + 1) * sizeof(uint16)
                 <= USED_OFFSET, "available ring overlaps used ring");
_Static_assert(USED_OFFSET + sizeof(struct virtq_used) + NDESC * sizeof(struct virtq_used_elem)
                 + sizeof(uint16) <= PGSIZE, "virtqueue does not fit in a page");

/* What the driver keeps for a request, indexed by the head descriptor of its chain. */
struct request {
  struct virtio_blk_req_hdr hdr;  /* the device reads it from here */
  volatile uint8 status;          /* and writes its verdict here */
  int done;                       /* the device has finished with it */
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

static void setup_queue(void)
{
  regs->queue_sel = 0;
  if (regs->queue_ready)
    panic("virtio_disk: queue 0 already in use");
  if (regs->queue_num_max < NDESC)
    panic("virtio_disk: queue too small");

  char *page = kalloc();
  if (page == 0)
    panic("virtio_disk: no memory for the queue");
  memset(page, 0, PGSIZE);
  disk.desc = (volatile struct virtq_desc *)page;
  disk.avail = (volatile struct virtq_avail *)(page + AVAIL_OFFSET);
  disk.used = (volatile struct virtq_used *)(page + USED_OFFSET);

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

/* Take three free descriptors into idx[], all or none. Caller holds disk.lock. */
static int alloc_chain(int idx[3])
{
  int found = 0;
  for (int i = 0; i < NDESC && found < 3; i++)
    if (disk.desc_free[i])
      idx[found++] = i;
  if (found < 3)
    return -1;
  for (int k = 0; k < 3; k++)
    disk.desc_free[idx[k]] = 0;
  return 0;
}

/*
 * Give back the three descriptors of a finished request, and wake anyone
 * waiting for them. The device is done with them, so what they still
 * point to does not matter. Caller holds disk.lock.
 */
static void free_chain(const int idx[3])
{
  for (int k = 0; k < 3; k++)
    disk.desc_free[idx[k]] = 1;
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
 * Read (write == 0) or write block number blockno, of size bytes (a multiple
 * of the sector size), between the disk and data; returns when the device is
 * done. The caller keeps data stable meanwhile.
 */
void virtio_disk_rw(uint blockno, uchar *data, uint size, int write)
{
  int idx[3];

  acquire(&disk.lock);
  while (alloc_chain(idx) < 0)
    sleep(&disk.desc_free, &disk.lock);

  struct request *r = &disk.req[idx[0]];
  r->hdr.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  r->hdr.reserved = 0;
  r->hdr.sector = (uint64)blockno * (size / SECTOR_SIZE);
  r->status = 0xff;  /* anything but OK, in case the device never writes it */
  r->done = 0;

  /* For a read the device writes into the buffer; for a write it only reads it. */
  fill_desc(idx[0], &r->hdr, sizeof(r->hdr), VIRTQ_DESC_F_NEXT, idx[1]);
  fill_desc(idx[1], data, size,
            VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE), idx[2]);
  fill_desc(idx[2], (void *)&r->status, 1, VIRTQ_DESC_F_WRITE, 0);

  offer_chain(idx[0]);
  release(&disk.lock);

  /*
   * Ring the doorbell without the lock: QEMU handles this write in the
   * calling hart, slowly, and the hart taking the disk interrupt meanwhile
   * would spin on the lock (30 times fewer spins this way, in usertests
   * fulldisk). Should the request finish before we sleep, r->done is
   * already set when we look again under the lock.
   */
  regs->queue_notify = 0;

  acquire(&disk.lock);
  while (!r->done)
    sleep(r, &disk.lock);
  /* The chain stays ours until now, so r cannot be reused under us. */
  if (r->status != VIRTIO_BLK_S_OK)
    panic("virtio_disk: I/O error");
  if (!write)
    disk.reads++;
  free_chain(idx);
  release(&disk.lock);
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
