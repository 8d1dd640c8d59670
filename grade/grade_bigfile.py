#!/usr/bin/env python3
"""Grader for lab 7, bigfile: doubly-indirect blocks and symbolic links.

The bigfile tests write the largest file a block at a time (its block count
is checked exactly: 11 direct + 256 singly-indirect + 256 x 256
doubly-indirect) and fill the disk in the middle of a write. Each
symlinktest test runs on its own kernel. The ls test makes a link with
`ln -s` and looks for it in ls's listing. The fsck test runs symlinktest
and `bigfile keep` (which leaves a file reaching into the doubly-indirect
blocks, and counts the blocks it takes), stops the machine and checks the
disk from the host with grade/fsck.py.
"""

import os
import tempfile

from grade.gradelib import Lab, Run

from grade import fsck

lab = Lab("bigfile")

MAXFILE = 11 + 256 + 256 * 256


@lab.test(points=20, title="bigfile max: the largest file, written a block at a time",
          timeout=150)
def bigfile_max(run: Run) -> None:
    out = run.shell("bigfile max", timeout=140)
    run.match(r"^wrote {} blocks\s*$".format(MAXFILE), out)
    run.token_line("bigfile: max OK", out)


@lab.test(points=10, title="bigfile full: the disk fills up in the middle of a write",
          timeout=150)
def bigfile_full(run: Run) -> None:
    out = run.shell("bigfile full", timeout=140)
    run.token_line("bigfile: full OK", out)


def symlinktest(name: str, points: float, title: str) -> None:
    """Declare the grader test that runs `symlinktest NAME`."""
    def body(run: Run) -> None:
        out = run.shell("symlinktest " + name, timeout=50)
        run.token_line("symlinktest: {} OK".format(name), out)
    lab.test(points=points, title=title, timeout=60, name="symlinktest_" + name)(body)


symlinktest("files", 5, "symlinktest files: through a link to a file; O_NOFOLLOW")
symlinktest("chain", 5, "symlinktest chain: 10 links are followed, 11 are not")
symlinktest("cycle", 5, "symlinktest cycle: a cycle of links fails cleanly")
symlinktest("missing", 5, "symlinktest missing: a link to nothing")
symlinktest("unlink", 5, "symlinktest unlink: removes the link, not its target")
symlinktest("dirs", 5, "symlinktest dirs: links to directories, relative targets")
symlinktest("many", 5, "symlinktest many: more links than in-memory inodes")
symlinktest("concurrent", 5, "symlinktest concurrent: processes making and removing links")


@lab.test(points=5, title="ls shows a symbolic link as one (type 4)", timeout=60)
def ls_links(run: Run) -> None:
    run.shell("ln -s README readme.link")
    run.match(r"^readme\.link\s+4 \d+ 6\s*$", run.shell("ls"))
    run.match(r"^readme\.link\s+2 ", run.shell("ls readme.link"))
    run.match(r"^[1-9]\d* \d+ \d+\s*$", run.shell("cat readme.link | grep Kiln | wc"))


@lab.test(points=10, title="fsck: the disk is consistent after the tests", timeout=120)
def fsck_after(run: Run) -> None:
    out = run.shell("symlinktest", timeout=60)
    run.match(r"^symlinktest: concurrent OK", out)
    run.shell("ln -s bigfile.kept kept.link")
    out = run.shell("bigfile keep", timeout=40)
    run.token_line("bigfile: keep OK", out)
    with tempfile.TemporaryDirectory(prefix="kiln-fsck-") as work:
        disk = os.path.join(work, "disk.img")
        run.session.close(keep_disk=disk)
        report = fsck.check(disk)
    if report.problems:
        run.fail("grade/fsck.py finds the disk inconsistent after the tests:\n" +
                 "\n".join("  " + problem for problem in report.problems))


lab.usertests(points=5, quick=True, cpus=1)
lab.usertests(points=5, quick=True, cpus=3)
lab.usertests(points=5, quick=False, cpus=1)
lab.usertests(points=5, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
