/*
 * iozone [-a] [-s size] [-r size] [-i test]... [-t children] [-w] [-e] [-c]
 *        [-f file] [-n size] [-g size] [-y size] [-q size]
 *
 * The options, as iozone has them:
 *   -a        auto mode: a table row for each file size from -n to -g and
 *             each record size from -y to -q (up to the file size), all
 *             doubling; -s or -r given fixes that size
 *   -s, -r    file size and record size, in kB, or with a k, m or g after
 *             the number (defaults: 512k and 4k)
 *   -i N      run test N (repeatable; default 0 to 7): 0 write/rewrite,
 *             1 read/reread, 2 random read/write, 3 backward read,
 *             4 record rewrite, 5 stride read, 6 fwrite/frewrite,
 *             7 fread/freread, 8 mixed workload, 9 pwrite/re-pwrite,
 *             10 pread/re-pread, 11 pwritev/re-pwritev, 12 preadv/re-preadv
 *   -t N      throughput mode: N processes, each with its own file
 *   -w        keep the files; -e count fsync in the timing; -c count close
 *   -f file   the file's name (default iozone.tmp)
 *   -n, -g    auto mode's smallest and largest file (64k and 4m: iozone's
 *             512m is more than Kiln's disk holds)
 *   -y, -q    auto mode's smallest and largest record (4k and 16m)
 * Every test a test needs first (a read needs a written file) is done
 * first, untimed, when it is not selected.
 */
#include "kernel/types.h"
#include "kernel/time.h"
#include "user/user.h"
#include "user/iozone/iozone.h"

#define USECS_PER_SEC 1000000L
#define MAX_FILE_KB (0x7fffffffL / KB)   /* offsets are ints */

/* ---- time ---- */

/* Microseconds since boot, from gettimeofday(); iozone cannot measure without it. */
long
usecs_now(void)
{
  struct timeval tv;

  if (gettimeofday(&tv, 0) < 0)
    die("gettimeofday failed: there is no microsecond clock to time the tests with");
  return tv.tv_sec * USECS_PER_SEC + tv.tv_usec;
}

/* Sleep usecs microseconds the way iozone polls: select() with no descriptors. */
void
usleep_poll(long usecs)
{
  struct timeval tv = { usecs / USECS_PER_SEC, usecs % USECS_PER_SEC };

  if (select(0, 0, 0, 0, &tv) < 0)
    die("select(0, 0, 0, 0, {%ld s, %ld us}) failed", tv.tv_sec, tv.tv_usec);
}

/* ---- options ---- */

static void
usage(void)
{
  fprintf(2, "usage: iozone [-a] [-s size] [-r size] [-i test]... [-t children] [-w] [-e] [-c]\n"
             "              [-f file] [-n size] [-g size] [-y size] [-q size]\n"
             "sizes are in kB, or end in k, m or g; tests are 0 to 12\n");
  exit(1);
}

/* A size: a number of kB, or of kB, MB or GB with a k, m or g after it. */
static long
parse_size(const char *text)
{
  long n = 0;
  const char *c = text;

  if (*c < '0' || *c > '9')
    usage();
  while (*c >= '0' && *c <= '9')
    n = n * 10 + (*c++ - '0');
  if (*c == 'm' || *c == 'M')
    n *= KB;
  else if (*c == 'g' || *c == 'G')
    n *= KB * KB;
  if (*c != 0 && c[1] != 0)
    usage();
  if (*c != 0 && *c != 'k' && *c != 'K' && *c != 'm' && *c != 'M' && *c != 'g' && *c != 'G')
    usage();
  if (n <= 0 || n > MAX_FILE_KB)
    usage();
  return n;
}

/* The value of option argv[*i]: the rest of the word (-s4m) or the next word (-s 4m). */
static const char *
option_value(int argc, char **argv, int *i)
{
  if (argv[*i][2] != 0)
    return argv[*i] + 2;
  if (*i + 1 >= argc)
    usage();
  return argv[++*i];
}

static void
parse_options(int argc, char **argv, struct options *opt)
{
  memset(opt, 0, sizeof(*opt));
  opt->file_name = "iozone.tmp";
  opt->min_file_kb = 64;
  opt->max_file_kb = 4 * KB;
  opt->min_record_kb = 4;
  opt->max_record_kb = 16 * KB;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '-' || argv[i][1] == 0)
      usage();
    switch (argv[i][1]) {
    case 'a': opt->auto_mode = 1; break;
    case 'w': opt->keep_files = 1; break;
    case 'e': opt->fsync_in_timing = 1; break;
    case 'c': opt->close_in_timing = 1; break;
    case 's': opt->file_kb = parse_size(option_value(argc, argv, &i)); break;
    case 'r': opt->record_kb = parse_size(option_value(argc, argv, &i)); break;
    case 'n': opt->min_file_kb = parse_size(option_value(argc, argv, &i)); break;
    case 'g': opt->max_file_kb = parse_size(option_value(argc, argv, &i)); break;
    case 'y': opt->min_record_kb = parse_size(option_value(argc, argv, &i)); break;
    case 'q': opt->max_record_kb = parse_size(option_value(argc, argv, &i)); break;
    case 'f': opt->file_name = option_value(argc, argv, &i); break;
    case 'i': {
      int test = atoi(option_value(argc, argv, &i));
      if (test < 0 || test >= MAX_TESTS)
        usage();
      opt->selected[test] = opt->any_selected = 1;
      break;
    }
    case 't':
      opt->children = atoi(option_value(argc, argv, &i));
      if (opt->children < 1 || opt->children > MAX_CHILDREN)
        usage();
      break;
    default:
      usage();
    }
  }
}

/* Whether the options ask for measurement ph: by -i, or by default tests 0 to 7. */
int
phase_selected(const struct options *opt, const struct phase *ph)
{
  return opt->any_selected ? opt->selected[ph->test] : ph->test <= 7;
}

/* ---- one table row ---- */

/*
 * Run every selected measurement over one file of file_kb kB in records of
 * record_kb kB, in the table's order, and put each one's kB/sec in
 * kb_per_sec (indexed like phases[]).
 */
static void
measure_row(const struct options *opt, long file_kb, long record_kb, long *kb_per_sec)
{
  struct job job = {
    .opt = opt, .path = opt->file_name, .owner = 0,
    .records = file_kb / record_kb, .record_bytes = record_kb * KB,
  };
  job.record = malloc(job.record_bytes);
  job.state = malloc(sizeof(struct file_state) + job.records * sizeof(uint));
  if (job.record == 0 || job.state == 0)
    die("out of memory for %ld kB records of a %ld kB file", record_kb, file_kb);
  file_state_init(job.state, job.records);
  for (int i = 0; i < nphases; i++) {
    if (!phase_selected(opt, &phases[i]))
      continue;
    long usecs = run_phase(&job, &phases[i]);
    kb_per_sec[i] = job.moved_bytes / KB * USECS_PER_SEC / (usecs > 0 ? usecs : 1);
  }
  if (!opt->keep_files)
    remove_file(&job);
  free(job.state);
  free(job.record);
}

static void
run_table(const struct options *opt)
{
  long kb_per_sec[nphases];
  long min_file = opt->file_kb ? opt->file_kb : opt->min_file_kb;
  long max_file = opt->file_kb ? opt->file_kb : opt->max_file_kb;
  long min_record = opt->record_kb ? opt->record_kb : opt->min_record_kb;
  long max_record = opt->record_kb ? opt->record_kb : opt->max_record_kb;

  report_table_heading(opt);
  for (long file_kb = min_file; file_kb <= max_file; file_kb *= 2) {
    for (long record_kb = min_record; record_kb <= max_record && record_kb <= file_kb;
         record_kb *= 2) {
      measure_row(opt, file_kb, record_kb, kb_per_sec);
      report_table_row(opt, file_kb, record_kb, kb_per_sec);
    }
  }
}

int
main(int argc, char **argv)
{
  struct options opt;

  parse_options(argc, argv, &opt);
  if (!opt.auto_mode) {
    if (opt.file_kb == 0)
      opt.file_kb = 512;
    if (opt.record_kb == 0)
      opt.record_kb = 4;
    if (opt.record_kb > opt.file_kb)
      die("the record size (%ld kB) is larger than the file (%ld kB)",
          opt.record_kb, opt.file_kb);
  }
  if (opt.children && opt.auto_mode)
    die("-a and -t do not go together");
  usecs_now();
  report_header(&opt, argc, argv);
  if (opt.children)
    run_throughput(&opt);
  else
    run_table(&opt);
  report_end(&opt);
  exit(0);
}
