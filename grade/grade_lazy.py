#!/usr/bin/env python3
"""Grader for lab 4, lazy: lazy heap allocation.

Each lazytests test runs on its own kernel and must print its OK line with
this run's token; lazytests checks after every test that the free page
count came back. The count test also prints a figure, the pages that
sbrk(64 MB) allocates before any of them is touched, which the grader reads
from the statistics device's `allocpages` line through lazytests and
requires to be zero: the starter's eager sbrk allocates them all. Then the
usertests, quick and full, on one hart and on three.
"""

import re

from grade.gradelib import Lab, Run

lab = Lab("lazy")

COUNT_LINE = re.compile(r"^lazytests: count: sbrk\(64 MB\) allocated (-?\d+) pages before any touch",
                        re.MULTILINE)


def lazytest(name: str, points: float, title: str, timeout: float = 60) -> None:
    """Declare the grader test that runs `lazytests NAME`."""
    def body(run: Run) -> None:
        out = run.shell("lazytests " + name, timeout=timeout - 10)
        run.token_line("lazytests: {} OK".format(name), out)
    lab.test(points=points, title=title, timeout=timeout, name="lazytests_" + name)(body)


lazytest("sparse", 10, "lazytests sparse: 1 GB heap, every 64th page")
lazytest("released", 10, "lazytests released: what sbrk gives back is gone")
lazytest("syscalls", 15, "lazytests syscalls: fresh pages in system calls")
lazytest("fork", 10, "lazytests fork: a sparse heap, parent and child")
lazytest("oom", 5, "lazytests oom: out of memory kills or fails cleanly")
lazytest("faults", 5, "lazytests faults: bad faults kill only their process")


@lab.test(points=10, title="allocpages: sbrk(64 MB) allocates no page", timeout=60)
def allocpages(run: Run) -> None:
    out = run.shell("lazytests count")
    found = COUNT_LINE.search(out)
    if not found:
        run.fail("lazytests count printed no figure; the statistics device needs the line "
                 "\"allocpages N\" (pages kalloc has handed out since boot). It printed:\n"
                 + (out.rstrip("\n") or "(nothing)"))
    pages = int(found.group(1))
    if pages != 0:
        run.fail("sbrk(64 MB) allocated {} pages before any of them was touched; a lazy "
                 "sbrk allocates none".format(pages))
    run.token_line("lazytests: count OK", out)


lazytest("leak", 5, "lazytests leak: all in a row, no page lost", timeout=120)

lab.usertests(points=5, quick=True, cpus=1)
lab.usertests(points=5, quick=True, cpus=3)
lab.usertests(points=10, quick=False, cpus=1)
lab.usertests(points=10, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
