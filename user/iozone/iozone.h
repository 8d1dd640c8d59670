/*
 * iozone for Kiln: the file-system benchmark, written for Kiln from
 * iozone's documented options and output (iozone's own licence forbids
 * handing out changed copies of it). The parts:
 *
 *   main.c        options, and the single-process and auto modes
 *   tests.c       the table of measurements and one function per kind
 *   verify.c      the pattern each record holds, and checking it
 *   stream.c      a buffered stream, for the fwrite and fread tests
 *   throughput.c  -t: children coordinated through shared memory
 *   report.c      everything iozone prints, in iozone's shapes
 */
#ifndef KILN_IOZONE_H
#define KILN_IOZONE_H

#define KB 1024L
#define MAX_TESTS 13        /* -i 0 .. -i 12 */
#define MAX_CHILDREN 64     /* -t */
#define STRIDE_RECORDS 17   /* the stride read's step, in records */

/* The command line, as parsed. Sizes are in kB. */
struct options {
  int auto_mode;              /* -a: a table over file and record sizes */
  long file_kb;               /* -s; 0: not given */
  long record_kb;             /* -r; 0: not given */
  long min_file_kb, max_file_kb;      /* -n, -g: auto mode's range */
  long min_record_kb, max_record_kb;  /* -y, -q */
  int selected[MAX_TESTS];    /* -i N */
  int any_selected;
  int children;               /* -t N; 0: not throughput mode */
  int keep_files;             /* -w: do not unlink the files */
  int fsync_in_timing;        /* -e: flush (fsync) before the clock stops */
  int close_in_timing;        /* -c: close before the clock stops */
  const char *file_name;      /* -f */
};

/* What a measurement does to its file. */
enum action {
  WRITE_SEQUENTIAL, READ_SEQUENTIAL, READ_RANDOM, WRITE_RANDOM, READ_BACKWARD,
  REWRITE_RECORD, READ_STRIDE, WRITE_STREAM, READ_STREAM, MIXED,
  WRITE_POSITIONED, READ_POSITIONED, WRITE_VECTORED, READ_VECTORED,
};

/* One measurement: a column of the table, a block of throughput mode. */
struct phase {
  int test;                 /* the -i number that selects it */
  enum action action;
  int fresh;                /* starts from an empty file */
  int in_throughput;        /* throughput mode runs it too (the re- passes it does not) */
  const char *over;         /* the table's heading, its upper word ("" if none) */
  const char *name;         /* and its lower word */
  int width;                /* the column's width */
  const char *label;        /* throughput mode's: "initial writers" */
};

extern const struct phase phases[];
extern const int nphases;

/*
 * What a test file must hold. In throughput mode it lives in the shared
 * segment, because each measurement runs in a new child and the next one
 * must know what the last one wrote.
 */
struct file_state {
  int complete;             /* every record has been written */
  uint next_version;        /* the version the next write gives a record */
  uint versions[];          /* each record's version: what verify expects */
};

/* One test file and one run over it. */
struct job {
  const struct options *opt;
  const char *path;
  uint owner;               /* mixed into the pattern: each child's file is its own */
  int records;
  int record_bytes;
  char *record;             /* a record's worth of memory */
  struct file_state *state;
  long moved_bytes;         /* what the last run transferred */
};

/* Report a failure (a mismatch, a system call that failed) and stop with status 1. */
#define die(...)                                                        \
  do {                                                                  \
    fprintf(2, "iozone: ");                                             \
    fprintf(2, __VA_ARGS__);                                            \
    fprintf(2, "\n");                                                   \
    exit(1);                                                            \
  } while (0)

/* main.c */
long usecs_now(void);
void usleep_poll(long usecs);
int phase_selected(const struct options *opt, const struct phase *ph);

/* tests.c */
void prepare_phase(struct job *job, const struct phase *ph);
long run_phase(struct job *job, const struct phase *ph);   /* microseconds taken */
void remove_file(struct job *job);

/* verify.c */
void fill_record(struct job *job, int record, uint version);
void verify_record(struct job *job, int record, const char *what);
void file_state_init(struct file_state *state, int records);
uint new_version(struct job *job);

/* stream.c */
struct stream;
struct stream *stream_open(const char *path, int writing);
void stream_write(struct stream *s, const char *buf, int n);
int stream_read(struct stream *s, char *buf, int n);
void stream_flush(struct stream *s, int sync);
void stream_close(struct stream *s);

/* throughput.c */
void run_throughput(const struct options *opt);

/* report.c */
void report_header(const struct options *opt, int argc, char **argv);
void report_table_heading(const struct options *opt);
void report_table_row(const struct options *opt, long file_kb, long record_kb,
                      const long *kb_per_sec);
void report_throughput_plan(const struct options *opt);
void report_throughput(const struct options *opt, const struct phase *ph,
                       const long *child_bytes, const long *child_usecs, long parent_usecs);
void report_end(const struct options *opt);

#endif
