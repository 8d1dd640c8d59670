/*
 * sh: the Kiln shell.
 *
 * It prompts with "$ " (on standard error), reads a line, and runs it. A
 * line is a list of jobs:
 *
 *   a job      is a pipeline followed by ';' (run it and wait) or '&' (run
 *              it in the background); the last one needs neither;
 *   a pipeline is stages joined by '|', each stage's output feeding the
 *              next stage's input;
 *   a stage    is a command (a program name and its arguments), or a list
 *              of jobs in parentheses, run by a shell of its own; either
 *              may carry "< file" and "> file" redirections.
 *
 * "cd DIR" changes the shell's own directory when it is a job on its own;
 * anywhere else (a pipeline, the background) it can only change that of a
 * child, which then ends. The console does the line editing (erase,
 * Ctrl-u, Ctrl-d for end of input); the shell sees whole lines.
 *
 * Parsing fills fixed tables that every line reuses, so it allocates no
 * memory and nothing can leak however long the shell runs.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define LINE_SIZE    512
#define MAX_STAGES   64    /* in one line, all pipelines together */
#define MAX_JOBS     64
#define OPERATORS    "<>|;&()"
#define BLANKS       " \t\r\n\v"

/* ---- reading words and operators ---- */

/*
 * The scanner walks the line; each word it takes is copied, 0-terminated,
 * into word_store, so that the line itself is never cut up. A line of n
 * bytes has at most n words, each needing one byte more than it takes
 * up in the line.
 */
enum { END = 0, WORD = 'w' };   /* the other kinds are the operator characters */

static const char *cursor;
static char word_store[2 * LINE_SIZE];
static int store_used;

static int
is_one_of(char c, const char *set)
{
  return c != 0 && strchr(set, c) != 0;
}

/* The kind of the next item of the line, which stays unread. */
static int
upcoming(void)
{
  while (is_one_of(*cursor, BLANKS))
    cursor++;
  if (*cursor == 0)
    return END;
  return is_one_of(*cursor, OPERATORS) ? *cursor : WORD;
}

/* Moves past the operator that upcoming() announced. */
static void
skip_operator(void)
{
  cursor++;
}

static char *
take_word(void)
{
  char *word = word_store + store_used;

  upcoming();
  while (*cursor != 0 && !is_one_of(*cursor, BLANKS) && !is_one_of(*cursor, OPERATORS))
    word_store[store_used++] = *cursor++;
  word_store[store_used++] = 0;
  return word;
}

/* ---- what a line means ---- */

struct job;

struct stage {
  char *argv[MAXARG + 1];   /* 0-terminated; argc 0 for a group */
  int argc;
  struct job *group;        /* the jobs in parentheses, or 0 */
  char *input;              /* "< file", or 0 */
  char *output;             /* "> file", or 0 */
  struct stage *next;       /* the stage that reads this one's output */
};

struct job {
  struct stage *pipeline;
  int background;
  struct job *next;
};

static struct stage stages[MAX_STAGES];
static struct job jobs[MAX_JOBS];
static int stages_used, jobs_used;
static const char *problem;   /* the first syntax error of the line */

static void
complain(const char *what)
{
  if (problem == 0)
    problem = what;
}

static struct stage *
new_stage(void)
{
  if (stages_used == MAX_STAGES) {
    complain("too many commands");
    return 0;
  }
  memset(&stages[stages_used], 0, sizeof(struct stage));
  return &stages[stages_used++];
}

static struct job *
new_job(void)
{
  if (jobs_used == MAX_JOBS) {
    complain("too many commands");
    return 0;
  }
  memset(&jobs[jobs_used], 0, sizeof(struct job));
  return &jobs[jobs_used++];
}

/* ---- parsing ---- */

static struct job *parse_jobs(void);

/* Reads redirections while there are any; returns 0 after an error. */
static int
parse_redirections(struct stage *s)
{
  int op;

  while ((op = upcoming()) == '<' || op == '>') {
    skip_operator();
    if (upcoming() != WORD) {
      complain(op == '<' ? "missing file name after <" : "missing file name after >");
      return 0;
    }
    if (op == '<')
      s->input = take_word();
    else
      s->output = take_word();
  }
  return 1;
}

/* Words and redirections, in any order, until something else comes. */
static struct stage *
parse_command(void)
{
  struct stage *s = new_stage();

  while (s != 0 && parse_redirections(s) && upcoming() == WORD) {
    if (s->argc == MAXARG) {
      complain("too many arguments");
      return 0;
    }
    s->argv[s->argc++] = take_word();
  }
  return problem ? 0 : s;
}

static struct stage *
parse_group(void)
{
  struct stage *s;
  struct job *inside;

  skip_operator();   /* '(' */
  if (upcoming() == ')') {
    complain("empty ( )");
    return 0;
  }
  inside = parse_jobs();
  if (inside == 0)
    return 0;
  if (upcoming() != ')') {
    complain("missing )");
    return 0;
  }
  skip_operator();
  s = new_stage();
  if (s == 0)
    return 0;
  s->group = inside;
  return parse_redirections(s) ? s : 0;
}

static struct stage *
parse_stage(void)
{
  switch (upcoming()) {
  case '(':
    return parse_group();
  case ')':
    complain("unexpected )");
    return 0;
  case WORD:
  case '<':
  case '>':
    return parse_command();
  default:
    complain("missing command");
    return 0;
  }
}

static struct stage *
parse_pipeline(void)
{
  struct stage *first = parse_stage();
  struct stage *last = first;

  while (last != 0 && upcoming() == '|') {
    skip_operator();
    last->next = parse_stage();
    last = last->next;
  }
  return last ? first : 0;
}

/* Jobs until the end of the line or a ')'; 0 after a syntax error. */
static struct job *
parse_jobs(void)
{
  struct job *first = 0, **link = &first;
  struct job *j;
  int op;

  do {
    j = new_job();
    if (j == 0 || (j->pipeline = parse_pipeline()) == 0)
      return 0;
    *link = j;
    link = &j->next;
    op = upcoming();
    if (op != ';' && op != '&')
      break;
    skip_operator();
    j->background = (op == '&');
  } while (upcoming() != END && upcoming() != ')');
  return first;
}

/* What is wrong with a line whose jobs end before an item of this kind. */
static const char *
leftover_problem(int kind)
{
  switch (kind) {
  case ')':
    return "unexpected )";
  case '(':
    return "missing ; or | before (";
  default:
    return "missing ; or | before a word";
  }
}

/* The jobs of line, or 0 (after saying why, if it is not just empty). */
static struct job *
parse_line(const char *line)
{
  struct job *all;

  cursor = line;
  store_used = stages_used = jobs_used = 0;
  problem = 0;
  if (upcoming() == END)
    return 0;
  all = parse_jobs();
  if (all != 0 && upcoming() != END)
    complain(leftover_problem(upcoming()));
  if (problem) {
    fprintf(2, "sh: syntax error: %s\n", problem);
    return 0;
  }
  return all;
}

/* ---- running ---- */

static void run_jobs(struct job *j);

static int
is_cd(struct stage *s)
{
  return s->argc > 0 && strcmp(s->argv[0], "cd") == 0;
}

static void
cd(struct stage *s)
{
  const char *dir = s->argc > 1 ? s->argv[1] : "/";

  if (s->argc > 2)
    fprintf(2, "usage: cd [DIR]\n");
  else if (chdir(dir) < 0)
    fprintf(2, "sh: cannot cd %s\n", dir);
}

/* Makes file the process's descriptor fd; the process ends if it cannot. */
static void
reopen(int fd, const char *file, int mode)
{
  close(fd);
  if (open(file, mode) != fd) {
    fprintf(2, "sh: cannot open %s\n", file);
    exit(1);
  }
}

/*
 * Runs name as a program. Programs live in "/", so a plain name that is
 * not found from the current directory is looked up there as well, and
 * commands keep working after a cd.
 */
static void
run_program(char **argv)
{
  char in_root[MAXPATH];

  exec(argv[0], argv);
  if (strchr(argv[0], '/') == 0 && strlen(argv[0]) + 1 < sizeof(in_root)) {
    in_root[0] = '/';
    strcpy(in_root + 1, argv[0]);
    exec(in_root, argv);
  }
  fprintf(2, "exec %s failed\n", argv[0]);
}

/* In a child: become stage s. */
static void __attribute__((noreturn))
become(struct stage *s)
{
  if (s->input)
    reopen(0, s->input, O_RDONLY);
  if (s->output)
    reopen(1, s->output, O_WRONLY | O_CREATE | O_TRUNC);
  if (s->group) {
    run_jobs(s->group);
    exit(0);
  }
  if (s->argc == 0)
    exit(0);   /* redirections alone, as in "> file": done by now */
  if (is_cd(s)) {
    cd(s);     /* only this child moves, and it ends here */
    exit(0);
  }
  run_program(s->argv);
  exit(1);
}

/* Makes the descriptor from this process's descriptor to, and closes from. */
static void
move_fd(int from, int to)
{
  if (from == to)
    return;
  close(to);
  dup(from);
  close(from);
}

/*
 * Starts one child per stage, each reading the pipe that the previous one
 * writes, and waits until all of them have ended.
 */
static void
run_pipeline(struct stage *s)
{
  int feed = -1;        /* read end of the pipe into the next stage, or -1 */
  int ends[2];
  int started = 0;

  for (; s != 0; s = s->next) {
    ends[0] = ends[1] = -1;
    if (s->next != 0 && pipe(ends) < 0) {
      fprintf(2, "sh: pipe failed\n");
      break;
    }
    int pid = fork();
    if (pid == 0) {
      if (feed >= 0)
        move_fd(feed, 0);
      if (ends[1] >= 0) {
        close(ends[0]);
        move_fd(ends[1], 1);
      }
      become(s);
    }
    /* The children hold their own copies; the shell keeps only the next feed. */
    if (feed >= 0)
      close(feed);
    if (ends[1] >= 0)
      close(ends[1]);
    feed = ends[0];
    if (pid < 0) {
      fprintf(2, "sh: fork failed\n");
      break;
    }
    started++;
  }
  if (feed >= 0)
    close(feed);
  while (started > 0 && wait(0) >= 0)
    started--;
}

/*
 * A background pipeline runs in a grandchild: the child between exits at
 * once, so that init adopts the job and reaps it whenever it ends.
 */
static void
run_in_background(struct stage *pipeline)
{
  int pid = fork(), job, ended;

  if (pid == 0) {
    job = fork();
    if (job == 0)
      run_pipeline(pipeline);
    if (job < 0)
      fprintf(2, "sh: fork failed\n");
    exit(0);
  }
  if (pid < 0) {
    fprintf(2, "sh: fork failed\n");
    return;
  }
  do {
    ended = wait(0);
  } while (ended >= 0 && ended != pid);
}

static void
run_jobs(struct job *j)
{
  for (; j != 0; j = j->next) {
    if (j->background)
      run_in_background(j->pipeline);
    else if (j->pipeline->next == 0 && is_cd(j->pipeline))
      cd(j->pipeline);
    else
      run_pipeline(j->pipeline);
  }
}

/* ---- the command loop ---- */

/*
 * Reads a line into buf. Returns 0 at the end of input, -1 for a line too
 * long for buf (the rest of it is read and dropped), 1 otherwise.
 */
static int
read_line(char *buf, int size)
{
  char rest[64];
  int len;

  gets(buf, size);
  len = strlen(buf);
  if (len == 0)
    return 0;
  if (len < size - 1 || is_one_of(buf[len - 1], "\r\n"))
    return 1;
  do {
    gets(rest, sizeof(rest));
    len = strlen(rest);
  } while (len > 0 && !is_one_of(rest[len - 1], "\r\n"));
  return -1;
}

/* Descriptors 0, 1 and 2 must be open; the console stands in for missing ones. */
static void
open_standard_fds(void)
{
  int fd;

  do {
    fd = open("console", O_RDWR);
  } while (fd >= 0 && fd <= 2);
  if (fd > 2)
    close(fd);
}

int
main(void)
{
  static char line[LINE_SIZE];
  struct job *jobs_of_line;
  int got;

  open_standard_fds();
  for (;;) {
    fprintf(2, "$ ");
    got = read_line(line, sizeof(line));
    if (got == 0)
      exit(0);
    if (got < 0) {
      fprintf(2, "sh: line too long\n");
      continue;
    }
    jobs_of_line = parse_line(line);
    if (jobs_of_line != 0)
      run_jobs(jobs_of_line);
  }
}
