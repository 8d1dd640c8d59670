/*
 * Devices layer: the parts of the virtio 1.x specification that the disk
 * driver (virtio_disk.c) uses: the virtio-mmio register block of a modern
 * (version 2) device, the split virtqueue, and the block-request header.
 * The layouts, offsets and numbers are the specification's; the comments
 * name its sections.
 */
#ifndef KILN_VIRTIO_H
#define KILN_VIRTIO_H

/*
 * The virtio-mmio register block (4.2.2), laid over the device's registers:
 * every field is one 32-bit register, at the offset its comment gives. The
 * gaps between registers Kiln uses are padding.
 */
struct virtio_mmio {
  uint32 magic;                /* 0x000: reads VIRTIO_MAGIC */
  uint32 version;              /* 0x004: 2 for a modern device */
  uint32 device_id;            /* 0x008: VIRTIO_ID_BLOCK for a disk */
  uint32 vendor_id;            /* 0x00c */
  uint32 device_features;      /* 0x010: 32 of the device's feature bits... */
  uint32 device_features_sel;  /* 0x014: ...the 32 chosen here */
  uint32 pad0[2];
  uint32 driver_features;      /* 0x020: the features the driver accepts... */
  uint32 driver_features_sel;  /* 0x024: ...32 at a time */
  uint32 pad1[2];
  uint32 queue_sel;            /* 0x030: the queue the queue_* registers describe */
  uint32 queue_num_max;        /* 0x034: its largest size */
  uint32 queue_num;            /* 0x038: the size the driver chose */
  uint32 pad2[2];
  uint32 queue_ready;          /* 0x044 */
  uint32 pad3[2];
  uint32 queue_notify;         /* 0x050: the doorbell; write the queue number */
  uint32 pad4[3];
  uint32 interrupt_status;     /* 0x060 */
  uint32 interrupt_ack;        /* 0x064 */
  uint32 pad5[2];
  uint32 status;               /* 0x070: VIRTIO_STATUS_* bits */
  uint32 pad6[3];
  uint32 queue_desc[2];        /* 0x080: descriptor table address, low word first */
  uint32 pad7[2];
  uint32 queue_driver[2];      /* 0x090: available ring address */
  uint32 pad8[2];
  uint32 queue_device[2];      /* 0x0a0: used ring address */
};
_Static_assert(__builtin_offsetof(struct virtio_mmio, queue_notify) == 0x50 &&
               __builtin_offsetof(struct virtio_mmio, status) == 0x70 &&
               __builtin_offsetof(struct virtio_mmio, queue_device) == 0xa0,
               "struct virtio_mmio does not match the register offsets");

enum {
  VIRTIO_MAGIC = 0x74726976,  /* "virt", little-endian */
  VIRTIO_ID_BLOCK = 2,
};

/* Device status bits (2.1), which the driver sets one by one as it starts the device. */
enum {
  VIRTIO_STATUS_ACKNOWLEDGE = 1,
  VIRTIO_STATUS_DRIVER = 2,
  VIRTIO_STATUS_DRIVER_OK = 4,
  VIRTIO_STATUS_FEATURES_OK = 8,
};

/* Feature bit numbers (5.2.3, 6), counted across the whole 64-bit feature set. */
enum {
  VIRTIO_BLK_F_RO = 5,
  VIRTIO_BLK_F_SCSI = 7,
  VIRTIO_BLK_F_CONFIG_WCE = 11,
  VIRTIO_BLK_F_MQ = 12,
  VIRTIO_F_ANY_LAYOUT = 27,
  VIRTIO_RING_F_INDIRECT_DESC = 28,
  VIRTIO_RING_F_EVENT_IDX = 29,
  VIRTIO_F_VERSION_1 = 32,
};

/* Descriptor flags (2.7.5). */
enum {
  VIRTQ_DESC_F_NEXT = 1,   /* the chain goes on at next */
  VIRTQ_DESC_F_WRITE = 2,  /* the device writes this buffer (else it reads it) */
};

/* One entry of the descriptor table (2.7.5): a buffer in physical memory. */
struct virtq_desc {
  uint64 addr;
  uint32 len;
  uint16 flags, next;  /* next: the chain's following descriptor, with F_NEXT */
};

/* The available ring (2.7.6): heads of the chains the driver offers. */
struct virtq_avail {
  uint16 flags;
  uint16 idx;      /* where the driver puts its next entry, counting forever */
  uint16 ring[];   /* followed by used_event, which Kiln does not negotiate */
};

/* The used ring (2.7.8): chains the device has finished with. */
struct virtq_used_elem {
  uint32 id;       /* head of the finished chain */
  uint32 len;      /* bytes the device wrote into it */
};
struct virtq_used {
  uint16 flags;
  uint16 idx;      /* where the device puts its next entry, counting forever */
  struct virtq_used_elem ring[];
};

/*
 * A block request (5.2.6) is a chain of three buffers: this header, which
 * the device reads; the data; and one status byte, which the device writes.
 */
struct virtio_blk_req_hdr {
  uint32 type;     /* VIRTIO_BLK_T_IN or _OUT */
  uint32 reserved;
  uint64 sector;   /* in units of 512 bytes */
};

enum {
  VIRTIO_BLK_T_IN = 0,   /* read from the disk */
  VIRTIO_BLK_T_OUT = 1,  /* write to the disk */
  VIRTIO_BLK_S_OK = 0,   /* the status byte of a request that succeeded */
};

#endif
