#!/usr/bin/env python3
"""Grader for lab 8, shm: System V shared memory.

Each test runs one shmtest test on its own kernel. shmtest prints the line
"shmtest: NAME OK" (with this run's token) only when the test passed and,
after its processes were reaped, the free-page count and the number of
segments that can still be made are back at their values from before the
test: so every test also checks that nothing leaked. pingpong needs two
harts working at once; the rest run on one or three. The usertests, on
one hart and on three, check that nothing else broke.
"""

from grade.gradelib import Lab, Run

lab = Lab("shm")


def shmtest(name: str, points: float, title: str, cpus: int = 3,
            timeout: float = 90) -> None:
    """Declare the grader test that runs `shmtest NAME`."""
    def body(run: Run) -> None:
        out = run.shell("shmtest " + name, timeout=timeout - 10)
        run.token_line("shmtest: {} OK".format(name), out)
    lab.test(points=points, title=title, timeout=timeout, cpus=cpus,
             name="shmtest_" + name)(body)


shmtest("pingpong", 10, "shmtest pingpong: parent and child share a counter after fork")
shmtest("rmid", 10, "shmtest rmid: IPC_RMID; the segment dies with shmdt, exit or exec",
        cpus=1)
shmtest("detach", 8, "shmtest detach: a detached address kills the process", cpus=1)
shmtest("cycles", 8, "shmtest cycles: attach/detach/fork cycles leak nothing")
shmtest("readwrite", 8, "shmtest readwrite: read() into and write() from a segment",
        cpus=1)
shmtest("rdonly", 8, "shmtest rdonly: SHM_RDONLY faults on store; permission bits",
        cpus=1)
shmtest("stat", 6, "shmtest stat: IPC_STAT, IPC_SET and IPC_64", cpus=1)
shmtest("badargs", 8, "shmtest badargs: bad ids, sizes, addresses and flags get -1",
        cpus=1)
shmtest("limits", 6, "shmtest limits: SHMMNI, SHMALL and SHMSEG", cpus=1)

lab.usertests(points=7, quick=True, cpus=1)
lab.usertests(points=7, quick=True, cpus=3)
lab.usertests(points=7, quick=False, cpus=1)
lab.usertests(points=7, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
