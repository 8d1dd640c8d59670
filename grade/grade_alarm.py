#!/usr/bin/env python3
"""Grader for lab 3, alarm: backtraces and user timer signals.

The backtrace test runs bttest, whose system call prints the kernel stack
from inside sys_kbacktrace(), and looks the printed return addresses up in
kernel/kernel with the symbolizer (grade/symbolize.py): the frames must be
exactly sys_kbacktrace, syscall and usertrap. Each alarmtest test runs on
its own kernel and must print its OK line with this run's token.
"""

import re
from typing import List, Optional, Tuple

from grade.gradelib import Lab, Run

lab = Lab("alarm")

# The kernel stack of a system call: sys_kbacktrace() is called by syscall(),
# which usertrap() calls; usertrap is the first frame on the stack.
EXPECTED_FRAMES = ("sys_kbacktrace", "syscall", "usertrap")

ADDRESS_LINE = re.compile(r"^\s*(0x[0-9a-fA-F]+)\s*$")


def backtrace_addresses(out: str) -> Optional[List[int]]:
    """The addresses printed under the first "backtrace:" line, or None without one."""
    lines = out.split("\n")
    for index, line in enumerate(lines):
        if line.strip() == "backtrace:":
            addresses = []
            for following in lines[index + 1:]:
                found = ADDRESS_LINE.match(following)
                if not found:
                    break
                addresses.append(int(found.group(1), 16))
            return addresses
    return None


def symbolized(run: Run, addresses: List[int]) -> List[Tuple[str, str]]:
    """(function, "address  function (file:line)") for each return address."""
    symbolizer = run.settings.symbolizer
    located = symbolizer.symbolize_many([(address, None, True) for address in addresses])
    result = []
    for place in located:
        # The outermost of the inlined frames is the function the code is in.
        function = place.frames[-1].function if place.frames else "??"
        result.append((function, "0x{:016x}  {}".format(place.address, place.describe())))
    return result


@lab.test(points=15, title="bttest: backtrace of a system call's kernel stack", timeout=60)
def backtrace(run: Run) -> None:
    out = run.shell("bttest")
    addresses = backtrace_addresses(out)
    if addresses is None:
        run.fail("bttest printed no \"backtrace:\" line; backtrace() must print it "
                 "and then one return address a line. bttest printed:\n"
                 + (out.rstrip("\n") or "(nothing)"))
    frames = symbolized(run, addresses)
    listing = "\n".join("  " + text for _, text in frames) or "  (no addresses)"
    names = tuple(function for function, _ in frames)
    if names != EXPECTED_FRAMES:
        run.fail("the backtrace should have {} frames, in {}, but it has {}:\n{}\n"
                 "(the walk starts in backtrace()'s own frame and stops at the top "
                 "of the kernel stack page, before the frame of usertrap(), whose "
                 "saved ra is a user address)".format(
                     len(EXPECTED_FRAMES), ", ".join(EXPECTED_FRAMES), len(names), listing))


def alarmtest(name: str, points: float, title: str, cpus: int = 3) -> None:
    """Declare the grader test that runs `alarmtest NAME`."""
    def body(run: Run) -> None:
        out = run.shell("alarmtest " + name, timeout=50)
        run.token_line("alarmtest: {} OK".format(name), out)
    lab.test(points=points, title=title, timeout=60, cpus=cpus,
             name="alarmtest_" + name)(body)


alarmtest("repeat", 10, "alarmtest repeat: the handler runs every N ticks", cpus=1)
alarmtest("registers", 10, "alarmtest registers: every register survives the handler")
alarmtest("a0", 10, "alarmtest a0: sigreturn keeps the interrupted a0")
alarmtest("reentry", 10, "alarmtest reentry: a slow handler is not re-entered")
alarmtest("off", 5, "alarmtest off: sigalarm(0, 0) stops it; bad calls fail")
alarmtest("sleep", 5, "alarmtest sleep: ticks asleep do not count", cpus=1)
alarmtest("fork", 5, "alarmtest fork: no alarm in a child or after exec")

lab.usertests(points=10, quick=True, cpus=1)
lab.usertests(points=10, quick=True, cpus=3)
lab.usertests(points=10, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
