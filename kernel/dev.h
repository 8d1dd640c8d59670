/*
 * Devices layer: UART and console, PLIC, virtio disk, the clock, the
 * statistics device, and the device switch through which open files reach
 * character devices.
 */
#ifndef KILN_DEV_H
#define KILN_DEV_H

struct spinlock;

/* uart.c */
void uartinit(void);
void uartputc(int c);        /* may sleep until there is room */
void uartputc_sync(int c);   /* spins; for printf and echo */
void uartintr(void);

/* console.c */
void consoleinit(void);
void consputc(int c);
void consoleintr(int c);

/* plic.c */
void plicinit(void);
void plicinithart(void);
int plic_claim(void);
void plic_complete(int irq);

/* virtio_disk.c */
void virtio_disk_init(void);
void virtio_disk_rw(uint blockno, uchar *data, uint size, int write);
/* count consecutive blocks of size bytes from blockno on, each to or from its own buffer */
void virtio_disk_rwv(uint blockno, uchar **blocks, uint count, uint size, int write);
void virtio_disk_intr(void);
uint64 virtio_disk_reads(void);   /* blocks read since boot */

/* clock.c: the tick count, advanced by hart 0's timer interrupt */
void clockinit(void);
void clock_tick(void);
uint clock_ticks(void);
/* Sleep n ticks; -1 if the process was killed meanwhile. */
int clock_sleep(uint n);
#if LAB_IOZONE >= 2
uint64 clock_usecs(void);          /* microseconds since boot */
int clock_usleep(uint64 usecs);    /* sleep that long; -1 if killed meanwhile */
#endif

/* stats.c: the "statistics" device (lock counters and free pages, as text) */
void statsinit(void);
#if LAB_BIGFILE
/* The line "freeblocks N" shows what count() returns (fs.c registers it). */
void stats_set_freeblocks(uint64 (*count)(void));
#endif

/*
 * devsw.c: the device switch. A driver registers read and write functions
 * for its major number; each open file of the device has a state pointer,
 * initially 0, that the driver may use (and must release in close).
 */
#define CONSOLE 1
#define STATS   2

struct devsw {
  int (*read)(void **state, int user_dst, uint64 dst, int n);
  int (*write)(void **state, int user_src, uint64 src, int n);
  void (*close)(void *state);   /* may be 0 */
};

void devsw_register(int major, const struct devsw *dev);
const struct devsw *devsw_get(int major);   /* 0 if no driver has major */

#endif
