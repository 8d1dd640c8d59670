#!/usr/bin/env python3
"""Grader for lab 6, locks: a page allocator and a buffer cache for many harts.

kalloctest and bcachetest run each of their tests on a kernel of its own
with three harts, since lock contention needs harts that run at the same
time. Their contention tests read the lock counters of the statistics
device, which count test-and-sets that found a lock taken: harts collide
on a shared lock hundreds or thousands of times in those tests, and almost
never on per-hart lists and per-bucket locks. The counts are of collisions,
not of time spent waiting, so a busy host does not inflate them.

After bcachetest's churn the disk must pass fsck (grade/fsck.py), and the
crash test cuts the power while churn runs: the disk must be consistent as
the cut left it (its log installed, as recovery does) and once Kiln has
recovered it itself.
"""

import os
import random
import tempfile
import time

from gradelib import GradingInterrupted, Lab, Run, TestFailure
from grade import fsck, qemu

lab = Lab("locks")


def kalloctest(name: str, points: float, title: str, timeout: float = 180) -> None:
    """Declare the grader test that runs `kalloctest NAME`."""
    def body(run: Run) -> None:
        out = run.shell("kalloctest " + name)
        run.token_line("kalloctest: {} OK".format(name), out)
    lab.test(points=points, title=title, timeout=timeout, name="kalloctest_" + name)(body)


def bcachetest(name: str, points: float, title: str, timeout: float = 180) -> None:
    """Declare the grader test that runs `bcachetest NAME`."""
    def body(run: Run) -> None:
        out = run.shell("bcachetest " + name)
        run.token_line("bcachetest: {} OK".format(name), out)
    lab.test(points=points, title=title, timeout=timeout, name="bcachetest_" + name)(body)


kalloctest("contention", 20, "kalloctest contention: harts allocating at once do not "
           "collide on kmem locks (fewer than 10 test-and-sets)", timeout=300)
kalloctest("rounds", 5, "kalloctest rounds: no page lost over rounds of parallel allocation")
kalloctest("steal", 5, "kalloctest steal: one process gets nearly all memory, wherever it is")
kalloctest("share", 5, "kalloctest share: processes stealing at once never share a page")
bcachetest("contention", 20, "bcachetest contention: readers of different blocks do not "
           "collide on bcache locks (fewer than 500 test-and-sets)", timeout=300)
bcachetest("evict", 5, "bcachetest evict: files much larger than the cache read back right")


def fsck_problems(image: str) -> fsck.Report:
    """fsck the image; TestFailure listing the problems unless it is consistent."""
    report = fsck.check(image)
    if report.problems:
        raise TestFailure("fsck finds the file system inconsistent:\n" +
                          "\n".join("  " + problem for problem in report.problems))
    return report


@lab.test(points=10, title="bcachetest churn: parallel create/write/unlink, then a clean fsck",
          timeout=180)
def churn(run: Run) -> None:
    out = run.shell("bcachetest churn")
    run.token_line("bcachetest: churn OK", out)
    with tempfile.TemporaryDirectory(prefix="kiln-locks-") as work:
        disk = os.path.join(work, "after-churn.img")
        run.session.close(keep_disk=disk)
        fsck_problems(disk)


def recover(run: Run, disk: str) -> None:
    """Boot Kiln on disk, which recovers its log, and check it lists / again."""
    if run.settings.stopping.is_set():
        raise GradingInterrupted("grading was interrupted")
    log_path = os.path.join(run.settings.log_dir, run.test.name + "-recovery.log")
    with qemu.QemuSession(run.settings.kernel, disk, cpus=1, log_path=log_path,
                          qemu=run.settings.qemu) as session:
        session.wait_prompt(timeout=min(90, run.remaining()))
        if "README" not in session.run("ls", timeout=min(30, run.remaining())):
            raise TestFailure("after recovery, ls does not list README (console in {})"
                              .format(log_path))
        session.close(keep_disk=disk)


# Churn and eviction, one after the other: a few seconds of writes from
# several processes at once, into which the power cut falls.
CRASH_LOAD = "bcachetest churn evict churn evict churn"


@lab.test(points=10, title="crash: a power cut during bcachetest churn and evict loses nothing",
          timeout=180)
def crash(run: Run) -> None:
    run.boot()
    cut = random.uniform(0.2, 2.5)
    run.send(CRASH_LOAD + "\n")
    time.sleep(cut)
    with tempfile.TemporaryDirectory(prefix="kiln-locks-") as work:
        disk = os.path.join(work, "crashed.img")
        run.session.close(keep_disk=disk)
        try:
            fsck_problems(disk)
            recover(run, disk)
            after = fsck_problems(disk)
        except TestFailure as failure:
            raise TestFailure("power cut {:.2f} s into `{}`: {}".format(
                cut, CRASH_LOAD, failure)) from None
        if after.blocks_from_log:
            run.fail("power cut {:.2f} s into `{}`: Kiln booted to a prompt but left {} "
                     "blocks in the log".format(cut, CRASH_LOAD, after.blocks_from_log))


lab.usertests(points=5, quick=True, cpus=1)
lab.usertests(points=5, quick=True, cpus=3)
lab.usertests(points=5, quick=False, cpus=1)
lab.usertests(points=5, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
