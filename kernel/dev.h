/* Devices layer: UART and console, PLIC, virtio disk, the statistics device. */
#ifndef KILN_DEV_H
#define KILN_DEV_H

struct buf;

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
void virtio_disk_rw(struct buf *b, int write);
void virtio_disk_intr(void);

/* stats.c: the "statistics" device (lock counters and free pages, as text) */
void statsinit(void);

#endif
