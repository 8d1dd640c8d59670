/*
 * Time for user programs: gettimeofday() fills in a struct timeval, and
 * select() sleeps for one. Shared by the kernel and user programs.
 */
#ifndef KILN_TIME_H
#define KILN_TIME_H

struct timeval {
  long tv_sec;    /* whole seconds; gettimeofday(): since boot */
  long tv_usec;   /* and microseconds, 0..999999 */
};

#endif
