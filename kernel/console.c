/*
 * Devices layer: the console, a line discipline on top of the UART.
 *
 * Typed characters are echoed and collected into a line that can still be
 * edited (backspace erases a character, ^U the whole line). Readers only see
 * a line once it is complete: ended by a newline or ^D, or when the buffer is
 * full. ^D at the start of a read means end of file. ^P lists processes.
 */
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "memlayout.h"
#include "lib.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "sched.h"
#include "dev.h"

#define CTRL(x)     ((x) - '@')  /* the code that Control-x sends */
#define DELETE      0x7f
/* Not a character: asks consputc to erase the last character on screen. */
#define BACKSPACE   0x100

#define INPUT_SIZE  128
#define WRITE_CHUNK 64   /* bytes consolewrite copies from the user at a time */

/*
 * Typed input, a ring indexed by ever-increasing counters (reduced modulo
 * INPUT_SIZE when used; 2^32 is a multiple of INPUT_SIZE, so wrapping is
 * harmless):
 *   [read, commit)  complete lines that readers may take
 *   [commit, edit)  the line still being typed, which can be erased
 */
static struct {
  struct spinlock lock;
  char buf[INPUT_SIZE];
  uint read;
  uint commit;
  uint edit;
} input;

/* Held for the whole of one consolewrite(). */
static struct sleeplock output_lock;

/* Put one character on the screen, synchronously. */
void
consputc(int c)
{
  if (c == BACKSPACE) {
    /* Step back, blank the character, step back again. */
    uartputc_sync('\b');
    uartputc_sync(' ');
    uartputc_sync('\b');
  } else {
    uartputc_sync(c);
  }
}

/* Write to the console on behalf of write(2) or the kernel. */
static int
consolewrite(void **state, int user_src, uint64 src, int n)
{
  char chunk[WRITE_CHUNK];
  int done = 0;

  /* One write() reaches the screen whole, never mixed with another's. */
  acquiresleep(&output_lock);
  while (done < n) {
    int len = n - done < WRITE_CHUNK ? n - done : WRITE_CHUNK;
    if (either_copyin(chunk, user_src, src + done, len) == -1)
      break;
    for (int i = 0; i < len; i++)
      uartputc(chunk[i]);
    done += len;
  }
  releasesleep(&output_lock);
  return done > 0 || n == 0 ? done : -1;
}

/*
 * Take bytes from complete input into out, at most max, stopping after a
 * newline or before a ^D. A ^D met first is consumed and ends the read with
 * nothing (end of file); a ^D after some bytes stays for the next read.
 * Caller holds input.lock and has seen that some complete input exists.
 */
static int
take_input(char *out, int max)
{
  int n = 0;

  while (n < max && input.read != input.commit) {
    char c = input.buf[input.read % INPUT_SIZE];
    if (c == CTRL('D')) {
      if (n == 0)
        input.read++;
      break;
    }
    input.read++;
    out[n++] = c;
    if (c == '\n')
      break;
  }
  return n;
}

/* Read from the console on behalf of read(2): at most one line. */
static int
consoleread(void **state, int user_dst, uint64 dst, int n)
{
  /* Committed input never exceeds the buffer, so one pass takes it all. */
  char line[INPUT_SIZE];
  int len;

  if (n <= 0)
    return 0;
  acquire(&input.lock);
  while (input.read == input.commit) {
    if (killed(myproc())) {
      release(&input.lock);
      return -1;
    }
    sleep(&input.read, &input.lock);
  }
  len = take_input(line, n < INPUT_SIZE ? n : INPUT_SIZE);
  release(&input.lock);

  if (len > 0 && either_copyout(user_dst, dst, line, len) == -1)
    return -1;
  return len;
}

/* Erase the last character of the line being edited, if there is one. */
static void
erase_one(void)
{
  if (input.edit != input.commit) {
    input.edit--;
    consputc(BACKSPACE);
  }
}

/* Add a typed character to the line being edited; hand the line to
   readers once it is complete. Caller holds input.lock. */
static void
store_typed(int c)
{
  if (c == 0 || input.edit - input.read == INPUT_SIZE)
    return;  /* a full buffer drops input until readers catch up */
  if (c == '\r')
    c = '\n';
  /* ^D would show as nothing useful on a terminal: not echoed. */
  if (c != CTRL('D'))
    consputc(c);
  input.buf[input.edit % INPUT_SIZE] = c;
  input.edit++;
  if (c == '\n' || c == CTRL('D') || input.edit - input.read == INPUT_SIZE) {
    input.commit = input.edit;
    wakeup(&input.read);
  }
}

/* Called by the UART driver for every received character. */
void
consoleintr(int c)
{
  acquire(&input.lock);
  switch (c) {
  case CTRL('P'):
    procdump();
    break;
  case CTRL('U'):
    while (input.edit != input.commit)
      erase_one();
    break;
  case '\b':
  case DELETE:
    erase_one();
    break;
  default:
    store_typed(c);
    break;
  }
  release(&input.lock);
}

void
consoleinit(void)
{
  initlock(&input.lock, "cons");
  initsleeplock(&output_lock, "console output");
  uartinit();
  static const struct devsw console = { consoleread, consolewrite, 0 };
  devsw_register(CONSOLE, &console);
}
