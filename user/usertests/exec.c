/*
 * exec: a working exec (output checked through a redirected stdout), and
 * every way it must fail cleanly: missing files, directories, garbage,
 * truncated or corrupted ELF files, too many or too large arguments. A
 * failed exec returns -1 to a caller that is still intact.
 */
#include "user/usertests/usertests.h"

#define OUTFILE "ut_exec_out"
#define COPY "ut_exec_copy"

static void remove_exec_files(void)
{
  unlink(OUTFILE);
  unlink(COPY);
}

/* Run echo with argv, stdout into OUTFILE, and demand exactly `expected` as output. */
static void expect_echo_output(char *name, char *path, char **argv, char *expected)
{
  int status = run_redirected(name, path, argv, OUTFILE);
  CHECK(name, status == 0, "%s exited with %d (%d = exec failed)", path, status, EXEC_FAILED);
  int n = read_file(name, OUTFILE, scratch2, SCRATCH - 1);
  scratch2[n] = 0;
  CHECK(name, strcmp(scratch2, expected) == 0, "echo printed \"%s\", expected \"%s\"",
        scratch2, expected);
}

void test_execout(char *name)
{
  char *argv[] = {"echo", "hello", "kiln", 0};
  on_failure(remove_exec_files);
  expect_echo_output(name, ECHO_PATH, argv, "hello kiln\n");
  remove_exec_files();
}

void test_execmissing(char *name)
{
  char *argv[] = {"nothing", 0};
  expect_exec_fails(name, "ut_no_such_program", argv, "exec of a missing file");
  expect_exec_fails(name, "/ut_no_such_dir/echo", argv, "exec through a missing directory");
  expect_exec_fails(name, "/echo/x", argv, "exec through a file used as a directory");
}

void test_execdir(char *name)
{
  char *argv[] = {"dir", 0};
  expect_exec_fails(name, "/", argv, "exec of /");
  expect_exec_fails(name, ".", argv, "exec of .");
}

void test_execgarbage(char *name)
{
  char *argv[] = {"garbage", 0};
  uint seed = 7;

  on_failure(remove_exec_files);
  for (int i = 0; i < 2048; i++)
    scratch[i] = (char)rnd(&seed);
  scratch[0] = 'G';
  write_file(name, COPY, scratch, 2048);
  expect_exec_fails(name, COPY, argv, "exec of random bytes");

  memmove(scratch, "\x7f" "ELF", 4);
  write_file(name, COPY, scratch, 2048);
  expect_exec_fails(name, COPY, argv, "exec of ELF magic followed by garbage");

  write_file(name, COPY, "", 0);
  expect_exec_fails(name, COPY, argv, "exec of an empty file");

  write_file(name, COPY, "#!/echo\n", 8);
  expect_exec_fails(name, COPY, argv, "exec of a script");
  remove_exec_files();
}

/* Where echo's program headers are, read from its ELF header. */
struct elf_layout {
  uint64 phoff;
  int phentsize, phnum;
  int first_load;         /* index of the first PT_LOAD header with file data */
  int header_bytes;       /* ELF header plus program headers, from offset 0 */
};

#define PH_TYPE   0
#define PH_VADDR  16
#define PH_OFFSET 8
#define PH_FILESZ 32
#define PH_MEMSZ  40
#define PT_LOAD   1

static uint64 field(char *p, int size)
{
  uint64 v = 0;
  memmove(&v, p, size);
  return v;
}

static void set_field(char *p, uint64 v, int size)
{
  memmove(p, &v, size);
}

/* Read echo's headers into scratch and describe them. */
static void read_echo_headers(char *name, struct elf_layout *l)
{
  int n = read_file(name, ECHO_PATH, scratch, SCRATCH);
  CHECK(name, n >= 64 && memcmp(scratch, "\x7f" "ELF", 4) == 0, "%s is not ELF", ECHO_PATH);
  l->phoff = field(scratch + 32, 8);
  l->phentsize = field(scratch + 54, 2);
  l->phnum = field(scratch + 56, 2);
  l->header_bytes = l->phoff + l->phnum * l->phentsize;
  CHECK(name, l->phnum > 0 && l->header_bytes <= n, "%s's program headers are unusual", ECHO_PATH);
  l->first_load = -1;
  for (int i = 0; i < l->phnum && l->first_load < 0; i++) {
    char *ph = scratch + l->phoff + i * l->phentsize;
    if (field(ph + PH_TYPE, 4) == PT_LOAD && field(ph + PH_FILESZ, 8) > 0)
      l->first_load = i;
  }
  CHECK(name, l->first_load >= 0, "%s has no loadable segment", ECHO_PATH);
}

/* Copy the first n bytes of src (all of it if shorter) into a new file dst. */
static int copy_prefix(char *name, char *src, char *dst, int n)
{
  int in = open(src, O_RDONLY);
  int out = open(dst, O_CREATE | O_TRUNC | O_WRONLY);
  CHECK(name, in >= 0 && out >= 0, "cannot copy %s to %s", src, dst);
  int total = 0, got;
  while (total < n && (got = read(in, scratch2, n - total < SCRATCH ? n - total : SCRATCH)) > 0) {
    CHECK(name, write(out, scratch2, got) == got, "write to %s failed", dst);
    total += got;
  }
  close(in);
  close(out);
  return total;
}

void test_exectrunc(char *name)
{
  struct elf_layout l;
  char *argv[] = {"echo", "ok", 0};

  on_failure(remove_exec_files);
  read_echo_headers(name, &l);
  char *ph = scratch + l.phoff + l.first_load * l.phentsize;
  int segment_cut = field(ph + PH_OFFSET, 8) + field(ph + PH_FILESZ, 8) / 2;
  int cuts[] = {40, l.phoff + l.phentsize / 2, segment_cut};

  /* The untruncated copy must run, or the failures below would prove nothing. */
  copy_prefix(name, ECHO_PATH, COPY, 0x7fffffff);
  expect_echo_output(name, COPY, argv, "ok\n");
  for (int i = 0; i < 3; i++) {
    CHECK(name, copy_prefix(name, ECHO_PATH, COPY, cuts[i]) == cuts[i],
          "%s is shorter than %d bytes", ECHO_PATH, cuts[i]);
    expect_exec_fails(name, COPY, argv, "exec of a truncated ELF file");
  }
  remove_exec_files();
}

/* A copy of echo whose headers are the (modified) ones in scratch. */
static void write_patched_echo(char *name, struct elf_layout *l)
{
  copy_prefix(name, ECHO_PATH, COPY, 0x7fffffff);
  int fd = open(COPY, O_WRONLY);  /* no O_TRUNC: overwrite only the start */
  CHECK(name, fd >= 0 && write(fd, scratch, l->header_bytes) == l->header_bytes,
        "cannot patch %s", COPY);
  close(fd);
}

void test_execbadelf(char *name)
{
  struct elf_layout l;
  char *argv[] = {"echo", "ok", 0};
  struct { int offset, size; uint64 value; char *what; } patches[] = {
    {PH_MEMSZ, 8, 0x7ffffffffffff000UL, "a segment of enormous size"},
    {PH_VADDR, 8, KERNBASE, "a segment at KERNBASE"},
    {PH_VADDR, 8, MAXUVA, "a segment at MAXUVA"},
    {PH_VADDR, 8, 0xfffffffffffff000UL, "a segment whose end wraps around"},
    {PH_VADDR, 8, 0x123, "a segment not page-aligned"},
    {PH_FILESZ, 8, 0x7fffffff, "a file size larger than the memory size"},
    {PH_OFFSET, 8, 0xfffffff0, "file data beyond the end of the file"},
  };
  int n = sizeof(patches) / sizeof(patches[0]);

  on_failure(remove_exec_files);
  for (int i = 0; i < n; i++) {
    read_echo_headers(name, &l);
    char *ph = scratch + l.phoff + l.first_load * l.phentsize;
    set_field(ph + patches[i].offset, patches[i].value, patches[i].size);
    write_patched_echo(name, &l);
    expect_exec_fails(name, COPY, argv, patches[i].what);
  }
  read_echo_headers(name, &l);
  set_field(scratch + 32, 0xfffffff0, 8);
  write_patched_echo(name, &l);
  expect_exec_fails(name, COPY, argv, "program headers beyond the end of the file");
  remove_exec_files();
}

static char argtext[MAXARG + 2][4];
static char *args[MAXARG + 3];

/* args = {"echo", "a1", ..., "a<n-1>", 0}: n entries before the terminator. */
static void build_args(int n)
{
  args[0] = "echo";
  for (int i = 1; i < n; i++)
    args[i] = numbered(argtext[i], "a", i);
  args[n] = 0;
}

void test_execargs(char *name)
{
  on_failure(remove_exec_files);
  build_args(MAXARG + 1);
  expect_exec_fails(name, ECHO_PATH, args, "exec with MAXARG+1 arguments");

  /* Exactly MAXARG arguments, the most allowed, must all arrive. */
  build_args(MAXARG);
  scratch[0] = 0;
  for (int i = 1; i < MAXARG; i++) {
    strcpy(scratch + strlen(scratch), args[i]);
    strcpy(scratch + strlen(scratch), i + 1 < MAXARG ? " " : "\n");
  }
  expect_echo_output(name, ECHO_PATH, args, scratch);
  remove_exec_files();
}

void test_exechugearg(char *name)
{
  char *argv[] = {"echo", scratch, 0, 0};
  int before = freepages();

  on_failure(remove_exec_files);
  memset(scratch, 'x', 5000);
  scratch[5000] = 0;
  expect_exec_fails(name, ECHO_PATH, argv, "exec with a 5000-byte argument");

  /* Each fits in a page, but the two together overflow the one-page stack. */
  memset(scratch, 'y', 3000);
  scratch[3000] = 0;
  memset(scratch2, 'z', 3000);
  scratch2[3000] = 0;
  argv[2] = scratch2;
  expect_exec_fails(name, ECHO_PATH, argv, "exec with arguments larger than the stack");
  expect_no_leak(name, before, "failed execs");

  char *ok[] = {"echo", "fine", 0};
  expect_echo_output(name, ECHO_PATH, ok, "fine\n");
  remove_exec_files();
}
