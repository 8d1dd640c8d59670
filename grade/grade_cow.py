#!/usr/bin/env python3
"""Grader for lab 5, cow: copy-on-write fork.

Each cowtest test runs on its own kernel and must print its OK line with
this run's token; cowtest itself checks that every test gives back every
page it took. The forkpages test also reads the figure cowtest prints, the
pages fork() allocated for a process with a written 32 MB heap (counted by
the statistics device's allocpages line), and holds it to a COW fork's
cost: page tables only, not the heap's 8192 pages.
"""

import re

from grade.gradelib import Lab, Run

lab = Lab("cow")

# A COW fork of a 32 MB heap copies page tables (user and kernel mirror,
# some 40 pages) and the pages its two processes write right after it.
FORKPAGES_LIMIT = 128

FORKPAGES_LINE = re.compile(r"^cowtest: forkpages: fork of a 32 MB heap allocated (-?\d+) pages",
                            re.MULTILINE)


def cowtest(name: str, points: float, title: str, cpus: int = 3) -> None:
    """Declare the grader test that runs `cowtest NAME`."""
    def body(run: Run) -> None:
        out = run.shell("cowtest " + name, timeout=80)
        run.token_line("cowtest: {} OK".format(name), out)
    lab.test(points=points, title=title, timeout=90, cpus=cpus, name="cowtest_" + name)(body)


cowtest("share", 15, "cowtest share: fork of a process holding 60% of memory")
cowtest("threeway", 10, "cowtest threeway: three processes write one shared heap")
cowtest("readpipe", 15, "cowtest readpipe: read(), pipe(), wait() into a shared page")
cowtest("readfile", 5, "cowtest readfile: read() from a file into a shared page")
cowtest("storm", 5, "cowtest storm: nested forks, writes at every level")
cowtest("orphan", 5, "cowtest orphan: a child outlives its parent")
cowtest("nomem", 5, "cowtest nomem: out of memory during a copy kills, leaks nothing")
cowtest("text", 5, "cowtest text: a store into program text still kills")


@lab.test(points=15, title="forkpages: fork of a 32 MB heap allocates page tables only",
          timeout=90)
def forkpages(run: Run) -> None:
    out = run.shell("cowtest forkpages", timeout=80)
    found = FORKPAGES_LINE.search(out)
    if not found:
        run.fail("cowtest printed no \"forkpages: ... allocated N pages\" line "
                 "(does the statistics device have its allocpages line?):\n" + out)
    pages = int(found.group(1))
    if pages > FORKPAGES_LIMIT:
        run.fail("fork of a 32 MB heap allocated {} pages; sharing it should take page "
                 "tables only (at most {})".format(pages, FORKPAGES_LIMIT))
    run.token_line("cowtest: forkpages OK", out)


lab.usertests(points=5, quick=True, cpus=1)
lab.usertests(points=5, quick=True, cpus=3)
lab.usertests(points=5, quick=False, cpus=1)
lab.usertests(points=5, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
