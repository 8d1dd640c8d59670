/*
 * usertests: the user-level test suite for the Kiln kernel.
 *
 *   usertests          run every test
 *   usertests -q       skip the slow ones
 *   usertests NAME...  run just the named tests
 *
 * Each test runs in its own child process. Around the whole run the free
 * physical page count is compared: a kernel that loses pages fails even if
 * every test passed. The runner itself never calls malloc or sbrk, so its
 * own memory stays the same size throughout.
 */
#include "user/usertests/usertests.h"

#define QUICK 0
#define SLOW  1

static struct usertest tests[] = {
  /* bad pointers into every system call that takes one */
  {"badptr_read", test_badptr_read, QUICK},
  {"badptr_write", test_badptr_write, QUICK},
  {"badptr_open", test_badptr_open, QUICK},
  {"badptr_unlink", test_badptr_unlink, QUICK},
  {"badptr_mkdir", test_badptr_mkdir, QUICK},
  {"badptr_chdir", test_badptr_chdir, QUICK},
  {"badptr_link", test_badptr_link, QUICK},
  {"badptr_mknod", test_badptr_mknod, QUICK},
  {"badptr_exec", test_badptr_exec, QUICK},
  {"badptr_execargv", test_badptr_execargv, QUICK},
  {"badptr_fstat", test_badptr_fstat, QUICK},
  {"badptr_pipe", test_badptr_pipe, QUICK},
  {"badptr_wait", test_badptr_wait, QUICK},
  /* memory */
  {"sbrkbasic", test_sbrkbasic, QUICK},
  {"sbrkzero", test_sbrkzero, QUICK},
  {"sbrkshrink", test_sbrkshrink, QUICK},
  {"sbrkfreed", test_sbrkfreed, QUICK},
  {"sbrknegative", test_sbrknegative, QUICK},
  {"sbrkhuge", test_sbrkhuge, QUICK},
  {"forkmem", test_forkmem, QUICK},
  {"oom", test_oom, QUICK},
  /* processes */
  {"forkexitwait", test_forkexitwait, QUICK},
  {"exitstatus", test_exitstatus, QUICK},
  {"waitmany", test_waitmany, QUICK},
  {"waitnochild", test_waitnochild, QUICK},
  {"forkfull", test_forkfull, QUICK},
  {"orphan", test_orphan, QUICK},
  {"getpid", test_getpid, QUICK},
  {"forkconc", test_forkconc, QUICK},
  {"sleeptime", test_sleeptime, QUICK},
  {"uptime", test_uptime, QUICK},
  {"killsleep", test_killsleep, QUICK},
  {"killpipe", test_killpipe, QUICK},
  {"killspin", test_killspin, QUICK},
  {"killself", test_killself, QUICK},
  {"killbad", test_killbad, QUICK},
  /* exec */
  {"execout", test_execout, QUICK},
  {"execmissing", test_execmissing, QUICK},
  {"execgarbage", test_execgarbage, QUICK},
  {"exectrunc", test_exectrunc, QUICK},
  {"execbadelf", test_execbadelf, QUICK},
  {"execargs", test_execargs, QUICK},
  {"exechugearg", test_exechugearg, QUICK},
  {"execdir", test_execdir, QUICK},
  /* faults that must kill only the faulting process */
  {"stackguard", test_stackguard, QUICK},
  {"stackoverflow", test_stackoverflow, QUICK},
  {"textwrite", test_textwrite, QUICK},
  {"kernelread", test_kernelread, QUICK},
  {"kernelwrite", test_kernelwrite, QUICK},
  {"trapframe", test_trapframe, QUICK},
  {"wildaccess", test_wildaccess, QUICK},
  {"jumpunmapped", test_jumpunmapped, QUICK},
  {"illegalinstr", test_illegalinstr, QUICK},
  {"badsyscall", test_badsyscall, QUICK},
  /* file descriptors */
  {"fdexhaust", test_fdexhaust, QUICK},
  {"nfile", test_nfile, QUICK},
  {"badfd", test_badfd, QUICK},
  {"dupoffset", test_dupoffset, QUICK},
  {"forkoffset", test_forkoffset, QUICK},
  {"fdmodes", test_fdmodes, QUICK},
  {"fdlowest", test_fdlowest, QUICK},
  /* pipes */
  {"pipedata", test_pipedata, QUICK},
  {"pipeeof", test_pipeeof, QUICK},
  {"pipeclosedread", test_pipeclosedread, QUICK},
  {"pipeblockedwriter", test_pipeblockedwriter, QUICK},
  {"pipeline", test_pipeline, QUICK},
  {"pipemany", test_pipemany, QUICK},
  {"pipewriters", test_pipewriters, QUICK},
  {"pipe1mb", test_pipe1mb, QUICK},
  /* files */
  {"smallfile", test_smallfile, QUICK},
  {"trunc", test_trunc, QUICK},
  {"createexisting", test_createexisting, QUICK},
  {"readeof", test_readeof, QUICK},
  {"writeoffset", test_writeoffset, QUICK},
  {"unlinkopen", test_unlinkopen, QUICK},
  {"linkcount", test_linkcount, QUICK},
  {"fstatinfo", test_fstatinfo, QUICK},
  {"mknodbad", test_mknodbad, QUICK},
  {"sharedfd", test_sharedfd, QUICK},
  {"concwrite", test_concwrite, QUICK},
  {"maxfile", test_maxfile, QUICK},
  /* directories */
  {"manyfiles", test_manyfiles, QUICK},
  {"concdir", test_concdir, QUICK},
  {"unlinknonempty", test_unlinknonempty, QUICK},
  {"unlinkdots", test_unlinkdots, QUICK},
  {"rootdotdot", test_rootdotdot, QUICK},
  {"chdirfile", test_chdirfile, QUICK},
  {"fileasdir", test_fileasdir, QUICK},
  {"mkdirexists", test_mkdirexists, QUICK},
  {"linkdir", test_linkdir, QUICK},
  {"opendirwrite", test_opendirwrite, QUICK},
  {"paths", test_paths, QUICK},
  {"deepdir", test_deepdir, QUICK},
  {"longname", test_longname, QUICK},
  {"emptyname", test_emptyname, QUICK},
  {"unlinkmissing", test_unlinkmissing, QUICK},
  /* removed directories stay dead */
  {"rmdircwd", test_rmdircwd, QUICK},
  {"rmdirchild", test_rmdirchild, QUICK},
  {"rmdirrace", test_rmdirrace, QUICK},
  /* devices */
  {"statistics_concurrent", test_statistics_concurrent, QUICK},
  /* floating point state belongs to each process */
  {"fp_concurrent", test_fp_concurrent, QUICK},
  {"fp_fork", test_fp_fork, QUICK},
  /* slow: exhausting resources, big transfers */
  {"oomfork", test_oomfork, SLOW},
  {"bigfilerepeat", test_bigfilerepeat, SLOW},
#if LAB_BIGFILE == 0
  {"fulldisk", test_fulldisk, SLOW},
#endif
  {"inodes", test_inodes, SLOW},
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static char chosen[NTESTS];

static struct usertest *find_test(char *name)
{
  for (int i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

static void list_tests(void)
{
  fprintf(2, "tests:\n");
  for (int i = 0; i < NTESTS; i++)
    fprintf(2, "  %s%s\n", tests[i].name, tests[i].slow ? " (slow)" : "");
}

/* Run one test in a child; returns 1 if it passed. */
static int run_test(struct usertest *t)
{
  int before = freepages();
  int pid = fork();
  if (pid < 0) {
    printf("%s: FAILED: the runner could not fork\n", t->name);
    printf("test %s: FAILED\n", t->name);
    return 0;
  }
  if (pid == 0) {
    ownpages();
    t->run(t->name);
    exit(0);
  }

  int status = -1, got;
  while ((got = wait(&status)) != pid) {
    if (got < 0) {
      status = -1;
      break;
    }
  }
  if (status != 0) {
    if (status != 1)
      printf("%s: FAILED: test process ended with status %d\n", t->name, status);
    printf("test %s: FAILED\n", t->name);
    return 0;
  }
  printf("test %s: OK\n", t->name);

  /* Not a failure by itself (the final count decides), but it points at the culprit. */
  int after = before < 0 ? -1 : freepages_settled(before);
  if (after != before)
    printf("test %s: note: free pages went from %d to %d\n", t->name, before, after);
  return 1;
}

/* Compare the free-page count with the one taken before the first test. */
static int pages_intact(int before)
{
  if (before < 0) {
    printf("FAILED: the free-page count could not be read from /statistics\n");
    return 0;
  }
  int after = freepages_settled(before);
  if (after < 0) {
    printf("FAILED: the free-page count could not be read from /statistics at the end\n");
    return 0;
  }
  if (after != before) {
    printf("FAILED: %d pages leaked (%d free before, %d after)\n",
           before - after, before, after);
    return 0;
  }
  return 1;
}

int main(int argc, char *argv[])
{
  int quick = 0, named = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0) {
      quick = 1;
      continue;
    }
    struct usertest *t = find_test(argv[i]);
    if (t == 0) {
      fprintf(2, "usertests: no test named %s\n", argv[i]);
      list_tests();
      exit(1);
    }
    chosen[t - tests] = 1;
    named++;
  }

  printf("usertests starting\n");
  int before = freepages();
  if (before < 0)
    printf("usertests: cannot read \"freepages N\" from /statistics\n");

  int failed = 0;
  for (int i = 0; i < NTESTS; i++) {
    int wanted = named ? chosen[i] : !(quick && tests[i].slow);
    if (wanted && !run_test(&tests[i]))
      failed++;
  }

  /* Every test child has been reaped here, so only leaks remain off the free list. */
  int intact = pages_intact(before);
  if (failed == 0 && intact) {
    /* Under the grader the line carries this run's token (see gradetoken.c). */
    char token[64];
    if (gradetoken(token, sizeof(token)) > 0)
      printf("ALL TESTS PASSED %s\n", token);
    else
      printf("ALL TESTS PASSED\n");
    exit(0);
  }
  if (failed)
    printf("%d test(s) failed\n", failed);
  printf("SOME TESTS FAILED\n");
  exit(1);
}
