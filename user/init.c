/*
 * init: the first user process. Sets up the console as descriptors 0, 1
 * and 2 and the device files in "/", then keeps a shell running forever,
 * reaping every orphan that the kernel hands to it along the way.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/file.h"
#include "user/user.h"

static char *shell_argv[] = { "sh", 0 };

/* Opens path, creating it as device (major, 0) first if it does not exist. */
static int
open_device(const char *path, int major, int mode)
{
  int fd = open(path, mode);

  if (fd < 0) {
    mknod(path, major, 0);
    fd = open(path, mode);
  }
  return fd;
}

static void
setup_devices(void)
{
  int fd;

  if (open_device("console", CONSOLE, O_RDWR) != 0)
    exit(1);   /* no console: nothing useful can happen, not even a message */
  dup(0);      /* stdout */
  dup(0);      /* stderr */

  fd = open_device("statistics", STATS, O_RDONLY);
  if (fd < 0)
    fprintf(2, "init: cannot create statistics\n");
  else
    close(fd);
}

static int
start_shell(void)
{
  int pid = fork();

  if (pid < 0) {
    fprintf(2, "init: fork failed\n");
    return -1;
  }
  if (pid == 0) {
    exec("sh", shell_argv);
    fprintf(2, "init: exec sh failed\n");
    exit(1);
  }
  return pid;
}

/* Waits for the shell to end, reaping any orphans that finish meanwhile. */
static void
wait_for_shell(int shell)
{
  int pid;

  while ((pid = wait(0)) != shell) {
    if (pid < 0) {
      fprintf(2, "init: wait failed\n");
      return;
    }
  }
}

int
main(void)
{
  int shell;

  setup_devices();
  for (;;) {
    printf("init: starting sh\n");
    shell = start_shell();
    if (shell < 0) {
      sleep(10);   /* out of processes for now; try again shortly */
      continue;
    }
    wait_for_shell(shell);
    printf("init: sh exited, restarting it\n");
  }
}
