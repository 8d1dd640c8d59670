/* What the sysinfo() system call reports; shared by the kernel and user programs. */
#ifndef KILN_SYSINFO_H
#define KILN_SYSINFO_H

struct sysinfo {
  uint64 freemem;   /* bytes of free physical memory */
  uint64 nproc;     /* processes whose state is not UNUSED */
};

#endif
