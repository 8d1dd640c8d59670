/* ln OLD NEW: give the file OLD a second name NEW. */
#include "kernel/types.h"
#include "user/user.h"

#if LAB_BIGFILE
/* ln -s TARGET NEW: make NEW a symbolic link holding TARGET, which need not exist. */
static void
link_symbolic(int argc, char *argv[])
{
  if (argc != 4) {
    fprintf(2, "usage: ln -s TARGET NEW\n");
    exit(1);
  }
  if (symlink(argv[2], argv[3]) < 0) {
    fprintf(2, "ln: cannot make %s a symbolic link to %s\n", argv[3], argv[2]);
    exit(1);
  }
  exit(0);
}
#endif

int
main(int argc, char *argv[])
{
#if LAB_BIGFILE
  if (argc > 1 && strcmp(argv[1], "-s") == 0)
    link_symbolic(argc, argv);
#endif
  if (argc != 3) {
    fprintf(2, "usage: ln OLD NEW\n");
    exit(1);
  }
  if (link(argv[1], argv[2]) < 0) {
    fprintf(2, "ln: cannot link %s to %s\n", argv[2], argv[1]);
    exit(1);
  }
  exit(0);
}
