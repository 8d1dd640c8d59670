/*
 * sh: the Kiln shell.
 *
 * Each input line is split into tokens, parsed into a tree of nodes, and
 * then run. The grammar, lowest precedence first:
 *
 *   list     := pipeline { (';' | '&') [pipeline] }   '&' runs the one before it in the background
 *   pipeline := command { '|' command }
 *   command  := '(' list ')' { redirect }  |  ( word | redirect ) { word | redirect }
 *   redirect := '<' word  |  '>' word
 *
 * Lists and the builtin "cd" run in the shell process itself, so that "cd"
 * also works inside a list; everything else runs in a child process.
 * Nodes and tokens live in fixed tables that are reused for every line, so
 * parsing allocates nothing and cannot leak.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define LINE_MAX   512
#define MAX_TOKENS 128
#define MAX_NODES  64
#define SYMBOLS    "<>|;&()"
#define SPACES     " \t\r\n\v"

/* ---- tokens ---- */

/* A token is either a word (kind WORD) or one of the SYMBOLS characters. */
#define WORD 'w'
#define END  0

struct token {
  char kind;
  char *text;   /* words only: 0-terminated, inside the line buffer */
};

static struct token tokens[MAX_TOKENS];
static int ntokens;
static int next_token;   /* parser position in tokens[] */

/*
 * Splits line into tokens[], terminating each word in place. Returns -1
 * if there are too many tokens. tokens[ntokens] is always an END token.
 */
static int
tokenize(char *line)
{
  char *p = line;

  ntokens = 0;
  for (;;) {
    while (*p && strchr(SPACES, *p))
      p++;
    if (*p == 0)
      break;
    if (ntokens == MAX_TOKENS - 1)
      return -1;
    if (strchr(SYMBOLS, *p)) {
      tokens[ntokens].kind = *p;
      tokens[ntokens].text = 0;
      *p++ = 0;   /* the symbol is recorded; its byte may end a previous word */
    } else {
      tokens[ntokens].kind = WORD;
      tokens[ntokens].text = p;
      while (*p && !strchr(SPACES, *p) && !strchr(SYMBOLS, *p))
        p++;
      if (*p && strchr(SPACES, *p))
        *p++ = 0;
    }
    ntokens++;
  }
  tokens[ntokens].kind = END;
  tokens[ntokens].text = 0;
  next_token = 0;
  return 0;
}

static int
peek(void)
{
  return tokens[next_token].kind;
}

static struct token *
take(void)
{
  struct token *t = &tokens[next_token];

  if (t->kind != END)
    next_token++;
  return t;
}

/* ---- parse tree ---- */

enum node_kind { RUN, SUBSHELL, PIPE, SEQUENCE, BACKGROUND };

struct node {
  enum node_kind kind;
  struct node *left;    /* PIPE, SEQUENCE: first part; SUBSHELL, BACKGROUND: the body */
  struct node *right;   /* PIPE, SEQUENCE: second part */
  char *argv[MAXARG + 1];   /* RUN */
  int argc;                 /* RUN */
  char *input;          /* RUN, SUBSHELL: '<' file, or 0 */
  char *output;         /* RUN, SUBSHELL: '>' file, or 0 */
};

static struct node nodes[MAX_NODES];
static int nnodes;
static const char *parse_error;   /* first error found in this line, or 0 */

static void
syntax_error(const char *message)
{
  if (parse_error == 0)
    parse_error = message;
}

static struct node *
new_node(enum node_kind kind, struct node *left, struct node *right)
{
  struct node *n;

  if (nnodes == MAX_NODES) {
    syntax_error("command too complex");
    return 0;
  }
  n = &nodes[nnodes++];
  memset(n, 0, sizeof(*n));
  n->kind = kind;
  n->left = left;
  n->right = right;
  return n;
}

/* Parses "< file" or "> file" into n. The current token is '<' or '>'. */
static void
parse_redirect(struct node *n)
{
  int symbol = take()->kind;

  if (peek() != WORD) {
    syntax_error(symbol == '<' ? "missing file name after <" : "missing file name after >");
    return;
  }
  if (symbol == '<')
    n->input = take()->text;
  else
    n->output = take()->text;
}

static void
parse_redirects(struct node *n)
{
  while (parse_error == 0 && (peek() == '<' || peek() == '>'))
    parse_redirect(n);
}

static struct node *parse_list(void);

static struct node *
parse_subshell(void)
{
  struct node *body, *n;

  take();   /* '(' */
  if (peek() == ')') {
    syntax_error("empty ( )");
    return 0;
  }
  body = parse_list();
  if (parse_error)
    return 0;
  if (peek() != ')') {
    syntax_error("missing )");
    return 0;
  }
  take();
  n = new_node(SUBSHELL, body, 0);
  if (n)
    parse_redirects(n);
  return n;
}

static struct node *
parse_command(void)
{
  struct node *n;

  if (peek() == '(')
    return parse_subshell();
  if (peek() == ')') {
    syntax_error("unexpected )");
    return 0;
  }
  if (peek() != WORD && peek() != '<' && peek() != '>') {
    syntax_error("missing command");
    return 0;
  }
  n = new_node(RUN, 0, 0);
  while (n && parse_error == 0) {
    if (peek() == WORD) {
      if (n->argc == MAXARG) {
        syntax_error("too many arguments");
        return 0;
      }
      n->argv[n->argc++] = take()->text;
    } else if (peek() == '<' || peek() == '>') {
      parse_redirect(n);
    } else {
      break;
    }
  }
  return n;
}

static struct node *
parse_pipeline(void)
{
  struct node *left = parse_command();

  if (parse_error == 0 && peek() == '|') {
    take();
    return new_node(PIPE, left, parse_pipeline());
  }
  return left;
}

/* True if the current token cannot start a pipeline, so a list ends here. */
static int
at_list_end(void)
{
  return peek() == END || peek() == ')';
}

static struct node *
parse_list(void)
{
  struct node *list = parse_pipeline();
  struct node *job;

  while (parse_error == 0 && (peek() == ';' || peek() == '&')) {
    if (take()->kind == '&')
      list = new_node(BACKGROUND, list, 0);
    if (at_list_end())
      break;
    job = parse_pipeline();
    list = new_node(SEQUENCE, list, job);
  }
  return list;
}

/* Returns the tree for line, or 0 (with a message printed) if there is none. */
static struct node *
parse_line(char *line)
{
  struct node *tree;

  nnodes = 0;
  parse_error = 0;
  if (tokenize(line) < 0) {
    fprintf(2, "sh: too many words\n");
    return 0;
  }
  if (peek() == END)
    return 0;
  tree = parse_list();
  if (parse_error == 0 && peek() == ')')
    syntax_error("unexpected )");
  else if (parse_error == 0 && peek() != END)
    syntax_error("missing ; or | before a word");
  if (parse_error) {
    fprintf(2, "sh: syntax error: %s\n", parse_error);
    return 0;
  }
  return tree;
}

/* ---- running ---- */

static void run_list(struct node *n);

/* Points descriptor fd at path; on failure the process exits. */
static void
redirect(int fd, const char *path, int mode)
{
  close(fd);
  if (open(path, mode) != fd) {
    fprintf(2, "sh: cannot open %s\n", path);
    exit(1);
  }
}

static void
apply_redirects(struct node *n)
{
  if (n->input)
    redirect(0, n->input, O_RDONLY);
  if (n->output)
    redirect(1, n->output, O_WRONLY | O_CREATE | O_TRUNC);
}

/*
 * Programs live in "/". A bare name that is not found from the current
 * directory is tried there as well, so commands keep working after "cd".
 */
static void
exec_program(char **argv)
{
  char path[MAXPATH];

  exec(argv[0], argv);
  if (strchr(argv[0], '/') == 0 && strlen(argv[0]) + 2 <= sizeof(path)) {
    path[0] = '/';
    strcpy(path + 1, argv[0]);
    exec(path, argv);
  }
  fprintf(2, "exec %s failed\n", argv[0]);
}

static int
is_cd(struct node *n)
{
  return n->kind == RUN && n->argc > 0 && strcmp(n->argv[0], "cd") == 0;
}

static void
change_directory(struct node *n)
{
  const char *dir = n->argc > 1 ? n->argv[1] : "/";

  if (n->argc > 2)
    fprintf(2, "usage: cd [DIR]\n");
  else if (chdir(dir) < 0)
    fprintf(2, "sh: cannot cd %s\n", dir);
}

static int
spawn_child(void)
{
  int pid = fork();

  if (pid < 0)
    fprintf(2, "sh: fork failed\n");
  return pid;
}

static void run_here(struct node *n) __attribute__((noreturn));

/* Runs n in a new child whose descriptor fd is replaced by a copy of with. */
static int
spawn_piped(struct node *n, int fd, int with, int *pipe_fds)
{
  int pid = spawn_child();

  if (pid == 0) {
    close(fd);
    dup(with);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    run_here(n);
  }
  return pid;
}

static void
run_pipe(struct node *n)
{
  int fds[2], left, right;

  if (pipe(fds) < 0) {
    fprintf(2, "sh: pipe failed\n");
    exit(1);
  }
  left = spawn_piped(n->left, 1, fds[1], fds);
  right = left < 0 ? -1 : spawn_piped(n->right, 0, fds[0], fds);
  close(fds[0]);
  close(fds[1]);
  /* Wait for both ends; with one of them missing, for what did start. */
  if (left > 0)
    wait(0);
  if (right > 0)
    wait(0);
  exit(left < 0 || right < 0);
}

/* Turns the current process into n. Never returns. */
static void
run_here(struct node *n)
{
  switch (n->kind) {
  case RUN:
    apply_redirects(n);
    if (n->argc == 0)
      exit(0);   /* only redirections, such as "> file": they are done */
    if (is_cd(n)) {
      change_directory(n);   /* in a pipeline or background: affects only this child */
      exit(0);
    }
    exec_program(n->argv);
    exit(1);
  case SUBSHELL:
    apply_redirects(n);
    run_list(n->left);
    exit(0);
  case PIPE:
    run_pipe(n);
    exit(0);
  default:
    run_list(n);
    exit(0);
  }
}

/* Waits until process pid ends; any other child that ends is just reaped. */
static void
wait_for(int pid)
{
  int got;

  do {
    got = wait(0);
  } while (got >= 0 && got != pid);
}

/*
 * Runs n in the background: an intermediate child starts it and exits at
 * once, so the job is adopted by init, which reaps it when it ends.
 */
static void
run_background(struct node *n)
{
  int pid = spawn_child();

  if (pid == 0) {
    if (spawn_child() == 0)
      run_here(n);
    exit(0);
  }
  if (pid > 0)
    wait_for(pid);
}

/* Runs n from this process and returns when its foreground part is done. */
static void
run_list(struct node *n)
{
  int pid;

  switch (n->kind) {
  case SEQUENCE:
    run_list(n->left);
    run_list(n->right);
    return;
  case BACKGROUND:
    run_background(n->left);
    return;
  default:
    if (is_cd(n)) {
      change_directory(n);
      return;
    }
    pid = spawn_child();
    if (pid == 0)
      run_here(n);
    if (pid > 0)
      wait_for(pid);
  }
}

/* ---- input ---- */

/*
 * Reads one line into buf. Returns 0 at end of input, -1 for a line that
 * did not fit (the rest of it is discarded), 1 otherwise.
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
  if (len < size - 1 || buf[len - 1] == '\n' || buf[len - 1] == '\r')
    return 1;
  do {
    gets(rest, sizeof(rest));
    len = strlen(rest);
  } while (len > 0 && rest[len - 1] != '\n' && rest[len - 1] != '\r');
  return -1;
}

/* Makes sure descriptors 0, 1 and 2 are open, on the console if need be. */
static void
ensure_standard_fds(void)
{
  int fd;

  while ((fd = open("console", O_RDWR)) >= 0) {
    if (fd > 2) {
      close(fd);
      break;
    }
  }
}

int
main(void)
{
  static char line[LINE_MAX];
  struct node *tree;
  int status;

  ensure_standard_fds();
  for (;;) {
    fprintf(2, "$ ");
    status = read_line(line, sizeof(line));
    if (status == 0)
      break;
    if (status < 0) {
      fprintf(2, "sh: line too long\n");
      continue;
    }
    tree = parse_line(line);
    if (tree)
      run_list(tree);
  }
  exit(0);
}
