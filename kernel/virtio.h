/*
 * Devices layer: the parts of the virtio 1.x specification that the disk
 * driver (virtio_disk.c) uses: the virtio-mmio register block of a modern
 * (version 2) device, the split virtqueue, and the block-request header.
 */
#ifndef KILN_VIRTIO_H
#define KILN_VIRTIO_H

/* virtio-mmio registers: byte offsets from the device's base address. */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000  /* reads "virt" */
#define VIRTIO_MMIO_VERSION             0x004  /* 2 for a modern device */
#define VIRTIO_MMIO_DEVICE_ID           0x008  /* 2 for a block device */
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014  /* which 32 feature bits to read */
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080  /* descriptor table */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090  /* available ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0  /* used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4

#define VIRTIO_MAGIC      0x74726976
#define VIRTIO_ID_BLOCK   2

/* Bits of the device status register, set by the driver in this order. */
#define VIRTIO_STATUS_ACKNOWLEDGE  1
#define VIRTIO_STATUS_DRIVER       2
#define VIRTIO_STATUS_DRIVER_OK    4
#define VIRTIO_STATUS_FEATURES_OK  8

/* Feature bits, numbered across the whole 64-bit feature set. */
#define VIRTIO_BLK_F_RO            5
#define VIRTIO_BLK_F_SCSI          7
#define VIRTIO_BLK_F_CONFIG_WCE   11
#define VIRTIO_BLK_F_MQ           12
#define VIRTIO_F_ANY_LAYOUT       27
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX   29
#define VIRTIO_F_VERSION_1        32

/* One entry of the descriptor table: a buffer the device reads or writes. */
struct virtq_desc {
  uint64 addr;   /* physical address */
  uint32 len;
  uint16 flags;
  uint16 next;   /* the following descriptor, if VIRTQ_DESC_F_NEXT */
};
#define VIRTQ_DESC_F_NEXT   1  /* the chain goes on at next */
#define VIRTQ_DESC_F_WRITE  2  /* the device writes this buffer */

/* Heads of descriptor chains that the driver offers to the device. */
struct virtq_avail {
  uint16 flags;
  uint16 idx;      /* where the driver puts its next entry, counting forever */
  uint16 ring[];   /* followed by used_event, which Kiln does not negotiate */
};

struct virtq_used_elem {
  uint32 id;       /* head of the finished chain */
  uint32 len;      /* bytes the device wrote */
};

/* Chains that the device has finished with. */
struct virtq_used {
  uint16 flags;
  uint16 idx;      /* where the device puts its next entry, counting forever */
  struct virtq_used_elem ring[];
};

/* A block request starts with this header (device-readable)... */
#define VIRTIO_BLK_T_IN   0  /* read from the disk */
#define VIRTIO_BLK_T_OUT  1  /* write to the disk */
struct virtio_blk_req_hdr {
  uint32 type;
  uint32 reserved;
  uint64 sector;   /* in units of 512 bytes */
};

/* ...and ends with one status byte that the device writes. */
#define VIRTIO_BLK_S_OK   0

#endif
