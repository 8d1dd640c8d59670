/*
 * Floating point: each process owns its 32 FP registers and its fcsr (the
 * rounding mode and the accrued exception flags). The kernel must keep
 * them through traps, system calls, context switches and fork, however
 * many processes compute at once.
 *
 * Two kinds of checks: C code that keeps doubles live in registers while
 * it sleeps or is preempted, compared bit for bit with the same code run
 * earlier without pauses; and assembly that loads all 32 registers with
 * known patterns, makes a system call, and stores them again.
 */
#include "user/usertests/usertests.h"
#include "kernel/syscall.h"

#define RNE 0   /* frm values: round to nearest, ties to even */
#define RDN 2   /* round down, towards -infinity */
#define RUP 3   /* round up, towards +infinity */

#define ONE_THIRD_DOWN 0x3fd5555555555555UL   /* 1/3 rounded down (also to nearest) */
#define ONE_THIRD_UP   0x3fd5555555555556UL
#define SIGN_BIT       0x8000000000000000UL

union fp_bits {
  double d;
  uint64 bits;
};

/* ---- the fcsr ---- */

static void
set_rounding(int mode)
{
  asm volatile("fsrm %0" : : "r"(mode));
}

static int
rounding(void)
{
  int mode;

  asm volatile("frrm %0" : "=r"(mode));
  return mode;
}

static void
set_fflags(int flags)
{
  asm volatile("fsflags %0" : : "r"(flags));
}

static int
fflags(void)
{
  int flags;

  asm volatile("frflags %0" : "=r"(flags));
  return flags;
}

/* a / b in the current rounding mode, as bits. In asm so that it cannot move across fsrm. */
static uint64
divide(double a, double b)
{
  union fp_bits q;

  asm volatile("fdiv.d %0, %1, %2, dyn" : "=f"(q.d) : "f"(a), "f"(b));
  return q.bits;
}

/* The rounding mode, told apart by how it rounds 1/3 and -1/3; -1 if it is none of these. */
static int
observed_rounding(void)
{
  uint64 plus = divide(1.0, 3.0), minus = divide(-1.0, 3.0) & ~SIGN_BIT;

  if (plus == ONE_THIRD_DOWN && minus == ONE_THIRD_DOWN)
    return RNE;
  if (plus == ONE_THIRD_UP && minus == ONE_THIRD_DOWN)
    return RUP;
  if (plus == ONE_THIRD_DOWN && minus == ONE_THIRD_UP)
    return RDN;
  return -1;
}

static void
expect_rounding(char *name, int mode, char *who)
{
  CHECK(name, rounding() == mode, "%s: frm reads %d, but %d was set", who, rounding(), mode);
  CHECK(name, observed_rounding() == mode,
        "%s: frm reads %d, but divisions round as if it were %d", who, mode,
        observed_rounding());
}

/* ---- all 32 registers across a system call ---- */

#define NFREGS 32
#define EACH_FREG(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) \
  X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) \
  X(30) X(31)
#define LOAD_FREG(n)  "fld f" #n ", " #n "*8(%[in])\n"
#define STORE_FREG(n) "fsd f" #n ", " #n "*8(%[out])\n"
#define FREG_NAME(n)  "f" #n,

/*
 * Loads f0-f31 from in[], makes system call number call with argument
 * arg, and stores f0-f31 into out[]. Nothing of this process runs in
 * between, so out[] must equal in[] (after fork, in both processes).
 * Returns what the system call returned.
 */
static long
fregs_across_syscall(const uint64 *in, uint64 *out, int call, long arg)
{
  register long a0 asm("a0") = arg;
  register long a7 asm("a7") = call;

  asm volatile(EACH_FREG(LOAD_FREG) "ecall\n" EACH_FREG(STORE_FREG)
               : "+r"(a0)
               : [in] "r"(in), [out] "r"(out), "r"(a7)
               : EACH_FREG(FREG_NAME) "memory");
  return a0;
}

/* Register values no other process of these tests uses: owner and register in every byte. */
static void
make_pattern(uint64 *regs, int owner)
{
  for (int i = 0; i < NFREGS; i++)
    regs[i] = 0x0101010101010101UL * (uint64)(owner * NFREGS + i + 1) ^ 0x8040201008040201UL;
}

static void
expect_pattern(char *name, uint64 *got, uint64 *want, char *when)
{
  for (int i = 0; i < NFREGS; i++)
    CHECK(name, got[i] == want[i], "%s: f%d holds 0x%lx, expected 0x%lx", when, i, got[i],
          want[i]);
}

/* ---- computations that keep doubles in registers ---- */

struct fp_results {
  double sum, product, root;
};

static uint64
bits_of(double d)
{
  union fp_bits b = { .d = d };

  return b.bits;
}

/*
 * Iterative sums, products and square roots by Newton's method, pausing
 * (sleeping, so another process runs) between rounds when pause is set.
 * Kept out of line and away from constant propagation, so that both kinds
 * of call run the same instructions and must give the same bits.
 */
static __attribute__((noipa)) void
compute(int seed, int rounds, int steps, int pause, struct fp_results *r)
{
  double sum = 0, product = 1, root = 1;

  for (int round = 0; round < rounds; round++) {
    double square = seed + round + 2;
    for (int i = 0; i < steps; i++) {
      sum += (i + seed) * 0.375;                  /* exact: multiples of 3/8 */
      product *= 1.0 + 1.0 / (i + seed + 3);
      if (product > 1e6)
        product *= 1e-6;
      root = 0.5 * (root + square / root);
    }
    if (pause)
      sleep(1);
  }
  r->sum = sum;
  r->product = product;
  r->root = root;
}

/* The exact value the sums of compute() must reach. */
static uint64
expected_sum(int seed, int rounds, int steps)
{
  long eighths = 0;

  for (int round = 0; round < rounds; round++)
    eighths += 3L * (steps * (long)(steps - 1) / 2 + (long)steps * seed);
  return bits_of((double)eighths / 8);   /* below 2^53 eighths: exact */
}

static void
expect_same(char *name, char *who, char *what, double got, double want)
{
  CHECK(name, bits_of(got) == bits_of(want), "%s: the %s is 0x%lx, expected 0x%lx", who, what,
        bits_of(got), bits_of(want));
}

static void
expect_results(char *name, struct fp_results *got, struct fp_results *want, char *who)
{
  expect_same(name, who, "sum", got->sum, want->sum);
  expect_same(name, who, "product", got->product, want->product);
  expect_same(name, who, "square root", got->root, want->root);
}

/* ---- fp_concurrent ---- */

#define WORKERS 4
#define PASSES  3      /* per worker: a computation, then a sleep holding patterns */
#define ROUNDS  4      /* sleeps within one computation */
#define STEPS   10000  /* iterations between them: about a timer tick */

static void
fp_worker(char *name, int w, struct fp_results *want)
{
  uint64 pattern[NFREGS], seen[NFREGS];
  struct fp_results got;

  make_pattern(pattern, w);
  for (int pass = 0; pass < PASSES; pass++) {
    compute(w * 7 + 1, ROUNDS, STEPS, 1, &got);
    expect_results(name, &got, want, "a worker, computing while others do");
    fregs_across_syscall(pattern, seen, SYS_sleep, 1);
    expect_pattern(name, seen, pattern, "a worker, after sleep()");
  }
  exit(0);
}

void
test_fp_concurrent(char *name)
{
  struct fp_results want[WORKERS];

  /* The answers, computed before any other process computes anything. */
  for (int w = 0; w < WORKERS; w++) {
    compute(w * 7 + 1, ROUNDS, STEPS, 0, &want[w]);
    CHECK(name, bits_of(want[w].sum) == expected_sum(w * 7 + 1, ROUNDS, STEPS),
          "the sum is 0x%lx before any fork, expected 0x%lx", bits_of(want[w].sum),
          expected_sum(w * 7 + 1, ROUNDS, STEPS));
  }
  for (int w = 0; w < WORKERS; w++) {
    if (fork_or_fail(name) == 0)
      fp_worker(name, w, &want[w]);
  }
  int failed = wait_children(name, WORKERS);
  CHECK(name, failed == 0, "%d of the %d workers failed", failed, WORKERS);
}

/* ---- fp_fork ---- */

#define SLEEPS 5      /* by each process, holding its register patterns */
#define CHAIN  4000

/* A chain of inexact operations: its bits depend on the rounding mode. */
static __attribute__((noipa)) double
chain(int pause)
{
  double x = 1.0;

  for (int i = 0; i < CHAIN; i++) {
    x = x * 1.0009765625 + 1.0 / (i + 3);
    if (pause && i % (CHAIN / SLEEPS) == 0)
      sleep(1);
  }
  return x;
}

/* The child: own values, own rounding mode, own flags; the parent's must not show. */
static void
fork_child(char *name, uint64 *inherited, uint64 *parents)
{
  uint64 mine[NFREGS], seen[NFREGS];
  double want;

  expect_pattern(name, inherited, parents, "the child, just after fork");
  expect_rounding(name, RUP, "the child, just after fork");
  set_rounding(RDN);
  set_fflags(0x1f);
  want = chain(0);
  make_pattern(mine, 1);
  for (int pass = 0; pass < SLEEPS; pass++) {
    fregs_across_syscall(mine, seen, SYS_sleep, 1);
    expect_pattern(name, seen, mine, "the child, after sleep()");
    CHECK(name, fflags() == 0x1f, "the child's fflags became 0x%x", fflags());
    expect_rounding(name, RDN, "the child, after sleep()");
  }
  expect_same(name, "the child", "computation with pauses", chain(1), want);
  expect_rounding(name, RDN, "the child, at its end");
  exit(0);
}

void
test_fp_fork(char *name)
{
  uint64 mine[NFREGS], seen[NFREGS];
  double want;
  int pid, status;

  set_rounding(RUP);
  want = chain(0);
  set_fflags(0);
  make_pattern(mine, 0);
  pid = fregs_across_syscall(mine, seen, SYS_fork, 0);
  CHECK(name, pid >= 0, "fork failed");
  if (pid == 0)
    fork_child(name, seen, mine);

  expect_pattern(name, seen, mine, "the parent, just after fork");
  for (int pass = 0; pass < SLEEPS; pass++) {
    fregs_across_syscall(mine, seen, SYS_sleep, 1);
    expect_pattern(name, seen, mine, "the parent, after sleep()");
    CHECK(name, fflags() == 0, "the parent's fflags became 0x%x (the child's are 0x1f)",
          fflags());
  }
  expect_rounding(name, RUP, "the parent, while the child runs");
  expect_same(name, "the parent", "computation with pauses", chain(1), want);
  status = wait_for(name, pid);
  CHECK(name, status == 0, "the child failed (exit status %d)", status);
  expect_rounding(name, RUP, "the parent, after the child ended");
  set_rounding(RNE);
}
