#!/usr/bin/env python3
"""Grader for lab 9, iozone: the system calls a real benchmark needs.

The iozonecalls tests check the rules of the new system calls one group at
a time; each test must print its OK line with this run's token. The
iozone tests run the operating-system competitions' command set: auto mode
on a 4 MB file, and throughput mode with four processes for each pair of
tests. iozone checks every record it reads and stops with a message on the
first wrong byte; here each run must end with "iozone test complete.",
print every line iozone prints in iozone's shapes, and leave the free
blocks and free pages (the statistics device) where they were. The
throughput figures are printed, never judged: they depend on the machine.
"""

import re
from typing import Dict, List, Sequence

from grade.gradelib import Lab, Run

lab = Lab("iozone")

NUMBER = r"\d+\.\d\d"

# Auto mode's table, as iozone prints it: two heading lines, then a row.
AUTO_OVER = ["random", "random", "bkwd", "record", "stride"]
AUTO_NAMES = ["kB", "reclen", "write", "rewrite", "read", "reread", "read", "write", "read",
              "rewrite", "read", "fwrite", "frewrite", "fread", "freread"]

# What iozone prints before its results, whatever the mode.
HEADER_LINES = [
    r"Iozone: Performance Test of File I/O",
    r"Run began: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}",
    r"Output is in kBytes/sec",
    r"Time Resolution = \d+\.\d{6} seconds\.",
    r"File stride size set to 17 \* record size\.",
]


def statistics(run: Run) -> Dict[str, int]:
    """The statistics device's "NAME N" lines, as numbers."""
    out = run.shell("cat /statistics")
    values = {}
    for line in out.split("\n"):
        found = re.match(r"^(\w+) (\d+)\s*$", line.strip())
        if found:
            values[found.group(1)] = int(found.group(2))
    for key in ("freepages", "freeblocks"):
        if key not in values:
            run.fail("/statistics has no line \"{} N\":\n{}".format(key, out))
    return values


def run_iozone(run: Run, command: str, timeout: float) -> List[str]:
    """Run iozone; it must finish, and leave free blocks and pages as they were."""
    before = statistics(run)
    out = run.shell(command, timeout=timeout)
    lines = [line.rstrip() for line in out.split("\n")]
    errors = [line for line in lines if line.startswith("iozone:")]
    if errors:
        run.fail("`{}` stopped: {}".format(command, " / ".join(errors[:3])))
    if "iozone test complete." not in lines:
        run.fail("`{}` did not end with \"iozone test complete.\"; its output ends:\n{}".format(
            command, "\n".join("  | " + line for line in lines[-15:])))
    after = statistics(run)
    for key, what in (("freeblocks", "disk blocks"), ("freepages", "pages of memory")):
        if after[key] != before[key]:
            run.fail("`{}` left {} {} free, {} before it: {} {}".format(
                command, after[key], what, before[key], abs(after[key] - before[key]),
                "lost" if after[key] < before[key] else "more than at the start"))
    return lines


def require_line(run: Run, lines: Sequence[str], pattern: str, command: str) -> int:
    """The index of the first line that pattern matches from its start (after blanks)."""
    regex = re.compile(r"^\s*" + pattern + r"\s*$")
    for index, line in enumerate(lines):
        if regex.match(line):
            return index
    run.fail("`{}` printed no line like /{}/".format(command, pattern))


def check_header(run: Run, lines: Sequence[str], command: str, extra: Sequence[str]) -> None:
    for pattern in HEADER_LINES + list(extra) + [r"Command line used: " + re.escape(command)]:
        require_line(run, lines, pattern, command)


# ---- the system calls ----

def iozonecalls(name: str, tests: Sequence[str], points: float, title: str) -> None:
    """Declare the grader test that runs `iozonecalls TEST...`."""
    def body(run: Run) -> None:
        out = run.shell("iozonecalls " + " ".join(tests), timeout=110)
        for test in tests:
            run.token_line("iozonecalls: {} OK".format(test), out)
    lab.test(points=points, title=title, timeout=120, name="iozonecalls_" + name)(body)


iozonecalls("lseek", ["seek_set", "seek_cur", "seek_end", "seek_negative"], 10,
            "iozonecalls: lseek from each origin, backwards, never below 0")
iozonecalls("holes", ["seek_hole", "seek_pipe", "partial"], 5,
            "iozonecalls: holes read as zeros; no offset on pipes; partial-block writes")
iozonecalls("positioned", ["pread", "readv", "preadv", "iovec_checks"], 10,
            "iozonecalls: pread/pwrite, readv/writev, preadv/pwritev, iovec checks")
iozonecalls("sync", ["fsync", "ftruncate"], 5,
            "iozonecalls: fsync; ftruncate shrinks and grows")
iozonecalls("time", ["clock", "select"], 5,
            "iozonecalls: gettimeofday in microseconds; select sleeps")
iozonecalls("space", ["unlink_open", "space_rounds"], 5,
            "iozonecalls: unlinked files free every block at the last close")


# ---- iozone ----

AUTO_COMMAND = "iozone -a -r 1k -s 4m"


@lab.test(points=15, title=AUTO_COMMAND + ": auto mode's table, data verified", timeout=420)
def iozone_auto(run: Run) -> None:
    lines = run_iozone(run, AUTO_COMMAND, timeout=400)
    check_header(run, lines, AUTO_COMMAND,
                 [r"Auto Mode", r"Record Size 1 kB", r"File size set to 4096 kB"])
    names = require_line(run, lines, r"\s+".join(AUTO_NAMES), AUTO_COMMAND)
    if lines[names - 1].split() != AUTO_OVER:
        run.fail("the line above the table's heading should hold {}, not {!r}".format(
            " ".join(AUTO_OVER), lines[names - 1].strip()))
    row = r"4096\s+1" + r"\s+\d+" * (len(AUTO_NAMES) - 2)
    if names + 1 >= len(lines) or not re.match(r"^\s*" + row + r"\s*$", lines[names + 1]):
        run.fail("the table's row for 4096 kB in 1 kB records should follow its heading, "
                 "with a kB/sec figure in each of the 13 columns")


ALL_TESTS_COMMAND = "iozone " + " ".join("-i %d" % n for n in range(13)) + " -r 4k -s 256k"


@lab.test(points=5, title="iozone -i 0 ... -i 12: every test once, data verified", timeout=300)
def iozone_all_tests(run: Run) -> None:
    lines = run_iozone(run, ALL_TESTS_COMMAND, timeout=280)
    check_header(run, lines, ALL_TESTS_COMMAND, [r"Record Size 4 kB", r"File size set to 256 kB"])
    names = require_line(run, lines, r"kB\s+reclen\s+write\s+rewrite.*\s+preadv\s+repreadv",
                         ALL_TESTS_COMMAND)
    row = r"256\s+4" + r"\s+\d+" * 22
    if names + 1 >= len(lines) or not re.match(r"^\s*" + row + r"\s*$", lines[names + 1]):
        run.fail("the row for 256 kB in 4 kB records should have a kB/sec figure for each "
                 "of the 22 measurements")


def check_block(run: Run, lines: Sequence[str], label: str, command: str) -> None:
    """The six lines of one throughput-mode measurement, in order."""
    first = require_line(run, lines, r"Children see throughput for\s+4 " + re.escape(label)
                         + r"\s+= +" + NUMBER + r" kB/sec", command)
    expected = [
        r"Parent sees throughput for\s+4 " + re.escape(label) + r"\s+= +" + NUMBER + r" kB/sec",
        r"Min throughput per process\s+= +" + NUMBER + r" kB/sec",
        r"Max throughput per process\s+= +" + NUMBER + r" kB/sec",
        r"Avg throughput per process\s+= +" + NUMBER + r" kB/sec",
        r"Min xfer\s+= +1024\.00 kB",
    ]
    for offset, pattern in enumerate(expected, 1):
        index = first + offset
        if index >= len(lines) or not re.match(r"^\s*" + pattern + r"\s*$", lines[index]):
            run.fail("in `{}`, line {} of the {} block should match /{}/, but it is {!r}".format(
                command, offset + 1, label, pattern,
                lines[index].strip() if index < len(lines) else "missing"))


def throughput(tests: Sequence[int], labels: Sequence[str], points: float) -> None:
    """Declare the grader test of `iozone -t 4 -i A -i B -r 1k -s 1m`."""
    command = "iozone -t 4 {} -r 1k -s 1m".format(" ".join("-i %d" % n for n in tests))

    def body(run: Run) -> None:
        lines = run_iozone(run, command, timeout=280)
        check_header(run, lines, command, [
            r"Record Size 1 kB", r"File size set to 1024 kB",
            r"Throughput test with 4 processes",
            r"Each process writes a 1024 kByte file in 1 kByte records"])
        for label in labels:
            check_block(run, lines, label, command)

    lab.test(points=points, title=command + ": " + ", ".join(labels), timeout=300,
             name="iozone_t4_" + "_".join(map(str, tests)))(body)


throughput([0, 1], ["initial writers", "rewriters", "readers", "re-readers"], 5)
throughput([0, 2], ["initial writers", "rewriters", "random readers", "random writers"], 5)
throughput([0, 3], ["initial writers", "rewriters", "reverse readers"], 5)
throughput([0, 5], ["initial writers", "rewriters", "stride readers"], 5)
throughput([6, 7], ["fwriters", "freaders"], 5)
throughput([9, 10], ["pwrite writers", "pread readers"], 5)
throughput([11, 12], ["pwritev writers", "preadv readers"], 5)

lab.usertests(points=5, quick=True, cpus=1)
lab.usertests(points=5, quick=True, cpus=3)
lab.usertests(points=5, quick=False, cpus=1)
lab.usertests(points=5, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
