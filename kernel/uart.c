/*
 * Devices layer: the 16550a UART that QEMU's virt machine puts at UART0.
 *
 * Output from processes goes through a ring buffer that the transmit
 * interrupt drains, so a writer only waits when the buffer is full. Kernel
 * printf and keyboard echo instead write synchronously (uartputc_sync): they
 * may run with interrupts off or inside an interrupt handler, where nobody
 * could sleep. Input arrives by interrupt and goes to the console layer.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sched.h"
#include "dev.h"

/* Register offsets from UART0. Some offsets mean different registers for
   reads and writes, or while the divisor latch (DLAB) is set. */
#define RHR 0   /* receive holding (read) */
#define THR 0   /* transmit holding (write) */
#define DLL 0   /* divisor latch, low byte (with DLAB) */
#define IER 1   /* interrupt enable */
#define DLM 1   /* divisor latch, high byte (with DLAB) */
#define FCR 2   /* FIFO control (write) */
#define ISR 2   /* interrupt status (read) */
#define LCR 3   /* line control */
#define LSR 5   /* line status */

#define IER_RX_READY     (1 << 0)
#define IER_TX_EMPTY     (1 << 1)
#define FCR_FIFO_ON      (1 << 0)
#define FCR_FIFO_CLEAR   (3 << 1)  /* empty both FIFOs */
#define LCR_8N1          3         /* 8 data bits, no parity, one stop bit */
#define LCR_DLAB         (1 << 7)
#define LSR_RX_READY     (1 << 0)  /* a received byte waits in RHR */
#define LSR_TX_EMPTY     (1 << 5)  /* THR and the transmit FIFO are empty */

/* QEMU's 1.8432 MHz clock / (16 * 3) = 38400 baud. */
#define BAUD_DIVISOR     3

#define UART_FIFO_DEPTH  16
/*
 * Bytes the buffered path writes per "transmitter empty" observation. Any
 * hart may also write one byte synchronously after seeing the same state,
 * so the buffered path leaves room in the FIFO for one byte per hart.
 */
#define TX_BURST         (UART_FIFO_DEPTH - NCPU)

#define TX_BUF_SIZE      128

static inline uint8
uart_read(int reg)
{
  return *(volatile uint8 *)(UART0_VA + reg);
}

static inline void
uart_write(int reg, uint8 v)
{
  *(volatile uint8 *)(UART0_VA + reg) = v;
}

static struct spinlock tx_lock;
static char tx_buf[TX_BUF_SIZE];
static uint tx_head;     /* next byte to hand to the UART */
static uint tx_tail;     /* where the next byte from uartputc goes */
static int tx_sleepers;  /* writers waiting for room in tx_buf */

void
uartinit(void)
{
  uart_write(IER, 0);

  uart_write(LCR, LCR_DLAB);
  uart_write(DLL, BAUD_DIVISOR & 0xff);
  uart_write(DLM, BAUD_DIVISOR >> 8);
  /* Clearing DLAB while setting the frame format. */
  uart_write(LCR, LCR_8N1);

  uart_write(FCR, FCR_FIFO_ON | FCR_FIFO_CLEAR);
  uart_write(IER, IER_RX_READY | IER_TX_EMPTY);

  initlock(&tx_lock, "uart");
}

/*
 * After a panic only the panicking hart may still print (printf.c stores its
 * id plus one in `panicked`); any other hart stops here for good, so that it
 * cannot garble the panic message. Call with interrupts off, so that cpuid()
 * stays this hart's.
 */
static void
stop_if_other_hart_panicked(void)
{
  int p = panicked;

  if (p != 0 && p != cpuid() + 1)
    for (;;)
      ;
}

/* Move buffered bytes into the UART while it can take them. Caller holds
   tx_lock. Runs from writers and from the transmit-empty interrupt. */
static void
tx_start(void)
{
  int moved = 0;

  while (tx_head != tx_tail && (uart_read(LSR) & LSR_TX_EMPTY)) {
    for (int i = 0; i < TX_BURST && tx_head != tx_tail; i++) {
      uart_write(THR, tx_buf[tx_head % TX_BUF_SIZE]);
      tx_head++;
    }
    moved = 1;
  }
  /* wakeup() visits every process, so skip it when no writer waits. */
  if (moved && tx_sleepers > 0)
    wakeup(&tx_head);
}

void
uartputc(int c)
{
  acquire(&tx_lock);
  stop_if_other_hart_panicked();
  while (tx_tail - tx_head == TX_BUF_SIZE) {
    tx_sleepers++;
    sleep(&tx_head, &tx_lock);
    tx_sleepers--;
  }
  tx_buf[tx_tail % TX_BUF_SIZE] = c;
  tx_tail++;
  tx_start();
  release(&tx_lock);
}

void
uartputc_sync(int c)
{
  push_off();
  stop_if_other_hart_panicked();
  while ((uart_read(LSR) & LSR_TX_EMPTY) == 0)
    ;
  uart_write(THR, c);
  pop_off();
}

/* A received byte, or -1 if none is waiting. */
static int
uart_getc(void)
{
  if (uart_read(LSR) & LSR_RX_READY)
    return uart_read(RHR);
  return -1;
}

/* The UART's interrupt: input arrived, the transmitter emptied, or both. */
void
uartintr(void)
{
  int c;

  /* Reading ISR acknowledges a transmit-empty interrupt, which otherwise
     stays pending even when there is nothing more to send. */
  uart_read(ISR);

  while ((c = uart_getc()) >= 0)
    consoleintr(c);

  acquire(&tx_lock);
  tx_start();
  release(&tx_lock);
}
