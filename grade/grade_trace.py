#!/usr/bin/env python3
"""Grader for lab 1, trace: system call tracing and sysinfo.

The tracing tests read the lines the kernel prints, "PID: syscall NAME ->
RETURN", and check them against what the traced command must have done.
They boot with one hart: the kernel prints its lines directly while user
output goes through the console's buffer, and with several harts running at
once the two could mix within a line.
"""

import re
from collections import namedtuple
from typing import List

from grade.gradelib import Lab, Run

lab = Lab("trace")

# A trace line may follow a shell prompt ("$ 4: syscall fork -> 5").
TRACE_LINE = re.compile(r"(?<!\d)(\d+): syscall (\w+) -> (-?\d+)$", re.MULTILINE)

Call = namedtuple("Call", "pid name ret")

ALL_CALLS = 2147483647            # every bit that an int mask can set
SYS_FORK, SYS_EXEC, SYS_READ, SYS_OPEN = 1, 7, 5, 15

KNOWN_NAMES = {
    "fork", "exit", "wait", "pipe", "read", "kill", "exec", "fstat", "chdir",
    "dup", "getpid", "sbrk", "sleep", "uptime", "open", "write", "mknod",
    "unlink", "link", "mkdir", "close", "trace", "sysinfo",
}


def traced_calls(out: str) -> List[Call]:
    """Every trace line in out, in order."""
    return [Call(int(pid), name, int(ret))
            for pid, name, ret in TRACE_LINE.findall(out)]


def mask(*numbers: int) -> int:
    bits = 0
    for number in numbers:
        bits |= 1 << number
    return bits


def readme_size(run: Run) -> int:
    """README's size in bytes, as wc (untraced) counts it."""
    out = run.shell("wc README")
    found = re.search(r"^\s*\d+\s+\d+\s+(\d+) README$", out, re.MULTILINE)
    if not found:
        run.fail("cannot read README's size from the output of 'wc README'")
    return int(found.group(1))


def require_one_pid(run: Run, calls: List[Call], command: str) -> None:
    pids = sorted({call.pid for call in calls})
    if len(pids) != 1:
        run.fail("'%s' runs in one process, but trace lines show pids %s"
                 % (command, ", ".join(map(str, pids))))


@lab.test(points=15, title="trace 32 grep hello README: reads, and only reads",
          timeout=60, cpus=1)
def trace_read(run: Run) -> None:
    size = readme_size(run)
    command = "trace %d grep hello README" % mask(SYS_READ)
    out = run.shell(command)
    run.match(r"^\d+: syscall read -> \d+$", out)
    calls = traced_calls(out)
    others = sorted({call.name for call in calls if call.name != "read"})
    if others:
        run.fail("mask %d selects read only, but these were traced too: %s"
                 % (mask(SYS_READ), ", ".join(others)))
    require_one_pid(run, calls, command)
    returns = [call.ret for call in calls]
    if returns[-1] != 0:
        run.fail("grep reads until end of file, so its last read must return 0")
    if sum(returns) != size:
        run.fail("the traced reads return %d bytes in all, but README has %d: "
                 "print each call's return value (a0) after it has run"
                 % (sum(returns), size))


@lab.test(points=15, title="trace 2147483647 grep hello README: every call",
          timeout=60, cpus=1)
def trace_all(run: Run) -> None:
    command = "trace %d grep hello README" % ALL_CALLS
    out = run.shell(command)
    run.match(TRACE_LINE, out)
    calls = traced_calls(out)
    unknown = sorted({call.name for call in calls} - KNOWN_NAMES)
    if unknown:
        run.fail("unknown system call names: %s" % ", ".join(unknown))
    require_one_pid(run, calls, command)
    # What grep does, in order: trace() returns 0 (the mask is already set),
    # exec returns argc, then open, reads, close.
    expected = [("trace", 0), ("exec", 3), ("open", 3), ("read", None), ("close", 0)]
    position = 0
    for name, ret in expected:
        while position < len(calls) and calls[position].name != name:
            position += 1
        if position == len(calls):
            run.fail("expected trace lines for trace, exec, open, read and close, "
                     "in that order; '%s' is missing or out of order" % name)
        if ret is not None and calls[position].ret != ret:
            run.fail("'%s' should return %d here, but the trace line shows %d"
                     % (name, ret, calls[position].ret))

    out = run.shell("trace %d grep hello nosuchfile" % mask(SYS_OPEN))
    run.match(r"^\d+: syscall open -> -1$", out)


@lab.test(points=10, title="untraced processes and mask 0 print nothing",
          timeout=60, cpus=1)
def trace_nothing(run: Run) -> None:
    out = run.shell("trace 0 grep hello README")
    run.no_match(r"^trace: ", out)
    run.no_match(r"syscall", out)
    out = run.shell("trace %d grep hello README" % mask(SYS_READ))
    run.match(r"^\d+: syscall read -> \d+$", out)
    # The mask belongs to the traced process: the shell, and what it runs
    # next, were never traced.
    out = run.shell("grep hello README")
    run.no_match(r"syscall", out)


@lab.test(points=20, title="children of a traced process are traced",
          timeout=60, cpus=1)
def trace_children(run: Run) -> None:
    # A traced shell reads "wc README" from a file and forks a child for it.
    # Only the shell called trace(), so the child's exec shows up only if
    # fork passed the mask on.
    run.shell("echo wc README > tscript")
    # The inner shell prints prompts of its own, so run.shell() would stop
    # at the first. Wait instead for wc's output and two more prompts (the
    # inner shell's last one, and ours), or for trace's complaint.
    run.send("trace %d sh < tscript\n" % mask(SYS_FORK, SYS_EXEC))
    out = run.expect(r"[\s\S]*?(?:README\n[\s\S]*\$ [\s\S]*\$ |\ntrace: [^\n]*\n\$ )\Z",
                     timeout=30, what="the output of wc and two more shell prompts "
                     "(or a complaint from trace)").group(0)
    calls = traced_calls(out)
    if not calls:
        run.fail("nothing was traced:\n" + out)
    shells = [call.pid for call in calls if call.name == "exec" and call.ret == 1]
    if not shells:
        run.fail("no 'PID: syscall exec -> 1' for the traced sh:\n" + out)
    shell = shells[0]
    children = [call.ret for call in calls if call.pid == shell and call.name == "fork"]
    if not children:
        run.fail("no '%d: syscall fork -> PID' for the traced sh (pid %d):\n%s"
                 % (shell, shell, out))
    child = children[0]
    if Call(child, "exec", 2) not in calls:
        run.fail("the traced sh (pid %d) forked pid %d to run 'wc README', but "
                 "there is no '%d: syscall exec -> 2': fork must copy the trace "
                 "mask to the child\n%s" % (shell, child, child, out))


@lab.test(points=25, title="sysinfotest", timeout=120)
def sysinfotest(run: Run) -> None:
    out = run.shell("sysinfotest", timeout=90)
    run.token_line("sysinfotest: OK", out)


lab.usertests(points=15, quick=True)

if __name__ == "__main__":
    lab.main()
