/*
 * alarmtest [TEST...]: check sigalarm() and sigreturn().
 *
 * With no argument every test runs; otherwise only the named ones. Each
 * test runs in a child process of its own, so that one that crashes or
 * hangs (a watchdog kills it after TEST_LIMIT ticks) cannot take the
 * others down. A test that passes prints "alarmtest: NAME OK", followed by
 * the grader's token when there is one; one that fails says why.
 *
 * The tests measure time with uptime(), in ticks of the wall clock, while
 * the alarm counts the ticks of CPU time the process uses in user mode.
 * The system must otherwise be idle, so that the two advance together.
 */
#include "kernel/types.h"
#include "kernel/syscall.h"
#include "user/user.h"

#define TEST_LIMIT 1000   /* ticks (10 s) before the watchdog kills a test */
#define WAIT_LIMIT 500    /* ticks to wait for the handler before giving up */

/* The handler of the register and a0 tests must run this often. */
#define HITS_WANTED 2

#define STR(x) #x
#define XSTR(x) STR(x)

static const char *test_name = "?";  /* of the test this process runs */
static char *program;                /* argv[0], to exec ourselves */

#define FAIL(...)                                                       \
  do {                                                                  \
    printf("alarmtest: %s: FAILED: ", test_name);                       \
    printf(__VA_ARGS__);                                                \
    printf("\n");                                                       \
    exit(1);                                                            \
  } while (0)

/* ---- time ---- */

/* A millisecond or so of computing in user mode, where alarm ticks count. */
static void
compute(void)
{
  for (volatile int i = 0; i < 20000; i++)
    ;
}

/* Compute for about `ticks` ticks. */
static void
compute_for(int ticks)
{
  int start = uptime();

  while (uptime() - start < ticks)
    compute();
}

/* Compute until *count reaches want; 0 if that takes over WAIT_LIMIT ticks. */
static int
compute_until(volatile int *count, int want)
{
  int start = uptime();

  while (*count < want) {
    if (uptime() - start > WAIT_LIMIT)
      return 0;
    compute();
  }
  return 1;
}

static void
start_alarm(int ticks, void (*handler)())
{
  if (sigalarm(ticks, handler) < 0)
    FAIL("sigalarm(%d, handler) returned -1", ticks);
}

static void
await_calls(volatile int *count, int want, const char *what)
{
  if (!compute_until(count, want))
    FAIL("%s: the handler ran %d times in %d ticks of computing, not %d",
         what, *count, WAIT_LIMIT, want);
}

/* ---- a handler that counts ---- */

static volatile int calls;

static void
count_handler(void)
{
  calls++;
  sigreturn();
}

/* The handler runs again and again, every `ticks` ticks. */
static void
test_repeat(void)
{
  start_alarm(2, count_handler);
  await_calls(&calls, 10, "sigalarm(2, handler)");

  /* Over 40 ticks, an alarm every 10 ticks comes about 4 times. */
  start_alarm(10, count_handler);
  calls = 0;
  compute_for(40);
  sigalarm(0, 0);
  if (calls < 1 || calls > 8)
    FAIL("with sigalarm(10, handler) the handler ran %d times in 40 ticks of "
         "computing; it should run about 4 times", calls);
}

/* sigalarm(0, 0) stops the alarm; bad calls give -1. */
static void
test_off(void)
{
  start_alarm(2, count_handler);
  await_calls(&calls, 1, "sigalarm(2, handler)");
  sigalarm(0, 0);
  int before = calls;
  compute_for(20);
  if (calls != before)
    FAIL("the handler ran %d more times after sigalarm(0, 0)", calls - before);
  if (sigalarm(-1, count_handler) != -1)
    FAIL("sigalarm(-1, handler) did not return -1");
  compute_for(5);
  if (calls != before)
    FAIL("the handler ran after sigalarm(-1, handler), which must change nothing");
  if (sigreturn() != -1)
    FAIL("sigreturn() outside a handler did not return -1");
}

/* Ticks spent asleep are not CPU time: they do not bring the alarm closer. */
static void
test_sleep(void)
{
  start_alarm(10, count_handler);
  sleep(30);
  compute_for(3);
  if (calls != 0)
    FAIL("sigalarm(10, handler), sleep(30), then 3 ticks of computing, and "
         "the handler has run %d times already: ticks while the process sleeps "
         "must not count (and the handler must wait for 10 ticks of computing)", calls);
  await_calls(&calls, 1, "after sleep(30)");
  sigalarm(0, 0);
}

/* ---- every register comes back ---- */

/*
 * regs_spin() loads reg_pattern[i] into register xi for every register but
 * x31 (t6), which it needs to watch reg_hits, and waits until regs_handler
 * has run HITS_WANTED times; then it stores the registers in reg_after[].
 * regs_handler() sets every register xi to -i and calls sigreturn() itself:
 * after it, only what the kernel restored is left. A C handler could not be
 * this thorough, since C code must keep sp, gp, tp and s0-s11.
 */
uint64 reg_pattern[32];
uint64 reg_after[32];
uint64 reg_c_saved[16];          /* the C caller's registers */
volatile uint64 reg_hits;
void regs_spin(void);
void regs_handler(void);

asm(
  "        .text\n"
  "        .globl regs_spin\n"
  "regs_spin:\n"
  "        la t6, reg_c_saved\n"
  "        sd ra, 0(t6)\n"
  "        sd sp, 8(t6)\n"
  "        sd gp, 16(t6)\n"
  "        sd tp, 24(t6)\n"
  "        sd s0, 32(t6)\n"
  "        sd s1, 40(t6)\n"
  "        .irp n, 2,3,4,5,6,7,8,9,10,11\n"
  "        sd s\\n, (32 + 8 * \\n)(t6)\n"
  "        .endr\n"
  "        la t6, reg_hits\n"
  "        sd zero, 0(t6)\n"
  "        la t6, reg_pattern\n"
  "        .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
  "        ld x\\n, (8 * \\n)(t6)\n"
  "        .endr\n"
  "1:      la t6, reg_hits\n"
  "        ld t6, 0(t6)\n"
  "        addi t6, t6, -" XSTR(HITS_WANTED) "\n"
  "        bltz t6, 1b\n"
  "        la t6, reg_after\n"
  "        .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
  "        sd x\\n, (8 * \\n)(t6)\n"
  "        .endr\n"
  "        la t6, reg_c_saved\n"
  "        ld ra, 0(t6)\n"
  "        ld sp, 8(t6)\n"
  "        ld gp, 16(t6)\n"
  "        ld tp, 24(t6)\n"
  "        ld s0, 32(t6)\n"
  "        ld s1, 40(t6)\n"
  "        .irp n, 2,3,4,5,6,7,8,9,10,11\n"
  "        ld s\\n, (32 + 8 * \\n)(t6)\n"
  "        .endr\n"
  "        ret\n"
  "\n"
  "        .globl regs_handler\n"
  "regs_handler:\n"
  "        .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
  "        li x\\n, -\\n\n"
  "        .endr\n"
  "        la t6, reg_hits\n"
  "        ld t5, 0(t6)\n"
  "        addi t5, t5, 1\n"
  "        sd t5, 0(t6)\n"
  "        li a7, " XSTR(SYS_sigreturn) "\n"
  "        ecall\n"
  "        unimp                  # sigreturn() came back: it failed\n");

static const char *const reg_names[32] = {
  "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
  "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
  "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

#define REG_A0 10  /* x10; test_a0 checks it on its own */

/* All registers but a0 (see test_a0) survive the handler. */
static void
test_registers(void)
{
  char wrong[32 * 5] = "";
  int len = 0;

  for (int i = 1; i < 32; i++)
    reg_pattern[i] = 0x5a00000000000000ULL | ((uint64)i << 40) | (0x1234567ULL * i);
  start_alarm(1, regs_handler);
  regs_spin();
  sigalarm(0, 0);
  for (int i = 1; i < 31; i++) {
    if (i == REG_A0 || reg_after[i] == reg_pattern[i])
      continue;
    strcpy(wrong + len, " ");
    strcpy(wrong + len + 1, reg_names[i]);
    len = strlen(wrong);
  }
  if (len > 0)
    FAIL("these registers changed across the handler:%s (sigreturn must restore "
         "all of them, not only the callee-saved ones)", wrong);
}

/* ---- a0 comes back, whatever sigreturn itself returns ---- */

#define A0_MAGIC 0x5ca1ab1e0ddba11ULL

/* a0_spin(x): with x in a0, wait until a0_handler has run HITS_WANTED times; return a0. */
volatile int a0_hits;
uint64 a0_spin(uint64 magic);

asm(
  "        .text\n"
  "        .globl a0_spin\n"
  "a0_spin:\n"
  "        la t0, a0_hits\n"
  "        sw zero, 0(t0)\n"
  "1:      lw t1, 0(t0)\n"
  "        addi t1, t1, -" XSTR(HITS_WANTED) "\n"
  "        bltz t1, 1b\n"
  "        ret\n");

static void
a0_handler(void)
{
  a0_hits++;
  sigreturn();
}

static void
test_a0(void)
{
  start_alarm(1, a0_handler);
  uint64 a0 = a0_spin(A0_MAGIC);
  sigalarm(0, 0);
  if (a0 != A0_MAGIC)
    FAIL("a0 held %p when the alarm came, but %p after sigreturn: sigreturn's "
         "return value must not overwrite the interrupted code's a0",
         (void *)A0_MAGIC, (void *)a0);
}

/* ---- a slow handler is never re-entered ---- */

static volatile int slow_calls, slow_running;

/* Takes three ticks, while the alarm comes every tick. */
static void
slow_handler(void)
{
  if (slow_running)
    FAIL("the handler was called again while it was still running: no new "
         "call may start before the handler has called sigreturn()");
  slow_running = 1;
  compute_for(3);
  slow_calls++;
  slow_running = 0;
  sigreturn();
}

static void
test_reentry(void)
{
  start_alarm(1, slow_handler);
  if (!compute_until(&slow_calls, 3))
    FAIL("a handler that takes 3 ticks, with sigalarm(1, handler), ran %d times "
         "in %d ticks, not 3: once it has returned, the alarm must come again",
         slow_calls, WAIT_LIMIT);
  sigalarm(0, 0);
}

/* ---- fork and exec ---- */

static volatile int forked, in_child;

/* Forks once; parent and child both return to the interrupted code. */
static void
forking_handler(void)
{
  sigalarm(0, 0);
  if (fork() == 0)
    in_child = 1;
  forked = 1;
  sigreturn();
  printf("alarmtest: fork: FAILED: sigreturn() in the %s of a fork inside "
         "the handler returned\n", in_child ? "child" : "parent");
  exit(1);
}

static int
wait_status(void)
{
  int status = -1;

  wait(&status);
  return status;
}

/* A child, and a program started by exec, have no alarm. */
static void
test_fork(void)
{
  start_alarm(2, count_handler);
  await_calls(&calls, 1, "sigalarm(2, handler)");
  if (fork() == 0) {
    int before = calls;
    compute_for(20);
    exit(calls == before ? 0 : 1);
  }
  if (wait_status() != 0)
    FAIL("the child of a process with an alarm got alarms too: the alarm must "
         "be off in the child");
  int before = calls;
  await_calls(&calls, before + 2, "in the parent, after fork");

  char *argv[] = { program, "exec-child", 0 };
  if (fork() == 0) {
    start_alarm(2, count_handler);
    exec(program, argv);
    FAIL("cannot exec %s", program);
  }
  if (wait_status() != 0)
    FAIL("a program started by exec got alarms: exec must turn the alarm off");
  sigalarm(0, 0);

  start_alarm(1, forking_handler);
  compute_until(&forked, 1);
  if (in_child)
    exit(0);
  if (!forked)
    FAIL("the handler never ran");
  if (wait_status() != 0)
    FAIL("a child forked inside the handler could not sigreturn() to the "
         "interrupted code: it is inside the handler too");
}

/*
 * What alarmtest runs when test_fork execs it with an alarm set: no alarm
 * must come. (The old handler's address is valid here only because it is
 * the same program; count_handler would count.)
 */
static int
exec_child(void)
{
  compute_for(20);
  return calls == 0 ? 0 : 1;
}

/* ---- running the tests ---- */

struct test {
  const char *name;
  void (*run)(void);
};

static const struct test tests[] = {
  { "repeat", test_repeat },
  { "registers", test_registers },
  { "a0", test_a0 },
  { "reentry", test_reentry },
  { "off", test_off },
  { "sleep", test_sleep },
  { "fork", test_fork },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Run one test in a child, under a watchdog; return whether it passed. */
static int
run_test(const struct test *t, const char *token)
{
  int pid = fork();
  if (pid < 0) {
    printf("alarmtest: %s: FAILED: fork failed\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_name = t->name;
    t->run();
    exit(0);
  }
  int watchdog = fork();
  if (watchdog == 0) {
    sleep(TEST_LIMIT);
    exit(0);
  }
  int status = -1;
  int first = wait(&status);
  if (first == watchdog) {
    kill(pid);
    wait(0);
    printf("alarmtest: %s: FAILED: still running after %d ticks\n", t->name, TEST_LIMIT);
    return 0;
  }
  if (watchdog > 0) {
    kill(watchdog);
    wait(0);
  }
  if (status != 0) {
    /* exit(1) came with an explanation; anything else is a crash. */
    if (status != 1)
      printf("alarmtest: %s: FAILED: the test process died (exit status %d)\n",
             t->name, status);
    return 0;
  }
  printf("alarmtest: %s OK%s%s\n", t->name, *token ? " " : "", token);
  return 1;
}

static const struct test *
find_test(const char *name)
{
  for (int i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

int
main(int argc, char *argv[])
{
  char token[64];
  int failed = 0;

  program = argv[0];
  if (argc == 2 && strcmp(argv[1], "exec-child") == 0)
    exit(exec_child());
  for (int i = 1; i < argc; i++) {
    if (find_test(argv[i]) == 0) {
      fprintf(2, "alarmtest: no test called %s; the tests are:", argv[i]);
      for (int j = 0; j < NTESTS; j++)
        fprintf(2, " %s", tests[j].name);
      fprintf(2, "\n");
      exit(2);
    }
  }
  gradetoken(token, sizeof(token));
  if (argc == 1) {
    for (int i = 0; i < NTESTS; i++)
      failed += !run_test(&tests[i], token);
  } else {
    for (int i = 1; i < argc; i++)
      failed += !run_test(find_test(argv[i]), token);
  }
  if (failed)
    printf("alarmtest: %d FAILED\n", failed);
  exit(failed ? 1 : 0);
}
