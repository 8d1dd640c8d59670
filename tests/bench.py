"""Measure how fast Kiln boots and runs usertests: what `make bench` runs.

It boots Kiln several times, timing each from the start of QEMU to the first
shell prompt, then times several full `usertests` runs (from typing the
command to "ALL TESTS PASSED"), one QEMU at a time so that runs do not slow
each other down. It prints the median, minimum and maximum of each figure.
When the stage has iozone (lab 9 on), it then runs the competition's iozone
commands once per hart count of --iozone-cpus and prints their kB/sec
figures side by side. It judges nothing: the figures are for comparing
changes on one machine.

Usage: python3 tests/bench.py [--boots N] [--usertests N] [--cpus N]
                              [--iozone-cpus N,N,...]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from typing import List, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import qemu, qemu_version  # noqa: E402

LOG_DIR = os.path.join(ROOT, "tests", "logs")
BOOT_LIMIT = 120.0
USERTESTS_LIMIT = 1200.0
USERTESTS_END = re.compile(r"ALL TESTS PASSED|\$ \Z")

IOZONE_LIMIT = 900.0
IOZONE_AUTO = "iozone -a -r 1k -s 4m"
# Throughput mode's commands, as the competition runs them.
IOZONE_PAIRS = ((0, 1), (0, 2), (0, 3), (0, 5), (6, 7), (9, 10), (11, 12))
IOZONE_THROUGHPUT = "iozone -t 4 -i {} -i {} -r 1k -s 1m"
CHILDREN_LINE = re.compile(r"^\s*Children see throughput for\s+\d+ (.+?)\s+=\s+([\d.]+) kB/sec",
                           re.MULTILINE)
PARENT_LINE = re.compile(r"^\s*Parent sees throughput for\s+\d+ (.+?)\s+=\s+([\d.]+) kB/sec",
                         re.MULTILINE)


class BenchFailed(Exception):
    """A run went wrong, so its time would mean nothing."""


def time_boot(options: argparse.Namespace, index: int) -> float:
    """Seconds from starting QEMU to the shell's first prompt."""
    log = os.path.join(LOG_DIR, "bench-boot-{}.log".format(index))
    with qemu.QemuSession(options.kernel, options.fs, cpus=options.cpus, log_path=log,
                          qemu=options.qemu) as session:
        session.wait_prompt(timeout=BOOT_LIMIT)
        return time.monotonic() - session.started_at


def time_usertests(options: argparse.Namespace, index: int) -> float:
    """Wall-clock seconds that a full usertests run takes, boot excluded."""
    log = os.path.join(LOG_DIR, "bench-usertests-{}.log".format(index))
    with qemu.QemuSession(options.kernel, options.fs, cpus=options.cpus, log_path=log,
                          qemu=options.qemu) as session:
        session.wait_prompt(timeout=BOOT_LIMIT)
        started = time.monotonic()
        output = session.run("usertests", until=USERTESTS_END, timeout=USERTESTS_LIMIT)
        if "ALL TESTS PASSED" not in output:
            raise BenchFailed("usertests failed; see " + os.path.relpath(log))
        return time.monotonic() - started


def run_iozone(session: qemu.QemuSession, command: str, log: str) -> str:
    """One iozone command's output; it must end with "iozone test complete."."""
    output = session.run(command, timeout=IOZONE_LIMIT)
    if "iozone test complete." not in output:
        raise BenchFailed("`{}` failed; see {}".format(command, os.path.relpath(log)))
    return output


def auto_figures(output: str) -> List[Tuple[str, str]]:
    """(column, kB/sec) for each column of auto mode's one row."""
    lines = output.split("\n")
    for index, line in enumerate(lines):
        words = line.split()
        if words[:2] == ["kB", "reclen"] and index > 0 and index + 1 < len(lines):
            # A heading's upper word, if any, ends where its lower one does.
            over = {match.end(): match.group() for match in re.finditer(r"\S+", lines[index - 1])}
            names = [(over.get(match.end(), "") + " " + match.group()).strip()
                     for match in re.finditer(r"\S+", line)]
            return list(zip(names[2:], lines[index + 1].split()[2:]))
    raise BenchFailed("auto mode printed no table")


def iozone_figures(options: argparse.Namespace, cpus: int) -> List[Tuple[str, str]]:
    """(measurement, kB/sec) for every figure of the iozone commands, on `cpus` harts."""
    log = os.path.join(LOG_DIR, "bench-iozone-cpus{}.log".format(cpus))
    figures = []
    with qemu.QemuSession(options.kernel, options.fs, cpus=cpus, log_path=log,
                          qemu=options.qemu) as session:
        session.wait_prompt(timeout=BOOT_LIMIT)
        output = run_iozone(session, IOZONE_AUTO, log)
        figures += [("-a -r 1k -s 4m: " + name, value) for name, value in auto_figures(output)]
        for pair in IOZONE_PAIRS:
            output = run_iozone(session, IOZONE_THROUGHPUT.format(*pair), log)
            tests = "-t 4 -i {} -i {}: ".format(*pair)
            for (label, children), (_, parent) in zip(CHILDREN_LINE.findall(output),
                                                      PARENT_LINE.findall(output)):
                figures.append((tests + label + ", children", children))
                figures.append((tests + label + ", parent", parent))
    print("  iozone with CPUS={}: done".format(cpus), file=sys.stderr, flush=True)
    return figures


def iozone_table(options: argparse.Namespace) -> List[str]:
    """The iozone figures, a column per hart count; none if the stage has no iozone."""
    if not os.path.exists(os.path.join(ROOT, "user", "_iozone")) or not options.iozone_cpus:
        return []
    columns = [(cpus, iozone_figures(options, cpus)) for cpus in options.iozone_cpus]
    rows = ["", "{:<52}".format("iozone (kB/sec)") +
            "".join("{:>12}".format("CPUS={}".format(cpus)) for cpus, _ in columns)]
    for index, (name, _) in enumerate(columns[0][1]):
        values = [figures[index][1] if index < len(figures) else "?" for _, figures in columns]
        rows.append("{:<52}".format(name) + "".join("{:>12}".format(v) for v in values))
    return rows


def measure(label: str, runs: int, timer, options: argparse.Namespace) -> List[float]:
    """Call timer `runs` times, showing progress on stderr."""
    times = []
    for index in range(1, runs + 1):
        times.append(timer(options, index))
        print("  {} {}/{}: {:.2f} s".format(label, index, runs, times[-1]),
              file=sys.stderr, flush=True)
    return times


def table_row(label: str, times: Sequence[float]) -> str:
    """One line of the results table."""
    return "{:<28}{:>5}{:>10.2f}{:>10.2f}{:>10.2f}".format(
        label, len(times), statistics.median(times), min(times), max(times))


def qemu_version_line(binary: str) -> str:
    """QEMU's own first line of --version, for the table's heading."""
    try:
        result = subprocess.run([binary, "--version"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    version = qemu_version.parse_version(result.stdout.decode(errors="replace"))
    return ".".join(map(str, version)) if version else "unknown"


def hart_counts(text: str) -> List[int]:
    """--iozone-cpus: hart counts separated by commas."""
    try:
        counts = [int(word) for word in text.split(",") if word.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("not a list of hart counts: " + text) from None
    if any(count < 1 for count in counts):
        raise argparse.ArgumentTypeError("hart counts must be at least 1")
    return counts


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time Kiln's boot and usertests.")
    parser.add_argument("--boots", type=int, default=5, metavar="N",
                        help="boots to time (default 5)")
    parser.add_argument("--usertests", type=int, default=3, metavar="N",
                        help="full usertests runs to time (default 3; 0 skips them)")
    parser.add_argument("--cpus", type=int, default=int(os.environ.get("CPUS", "3")),
                        help="harts to give QEMU (default: $CPUS or 3)")
    parser.add_argument("--iozone-cpus", type=hart_counts, default=[1, 3], metavar="N,N,...",
                        help="hart counts to run iozone with, if the stage has it "
                        "(default 1,3; an empty list skips it)")
    qemu.add_boot_options(parser, ROOT)
    options = parser.parse_args(argv)
    if options.boots < 1 or options.usertests < 0 or options.cpus < 1:
        parser.error("--boots and --cpus must be at least 1, --usertests at least 0")
    return options


def main(argv: Sequence[str]) -> int:
    options = parse_arguments(argv)
    trouble = qemu_version.problem(options.qemu)
    if trouble:
        print(trouble, file=sys.stderr)
        return 1
    qemu.interrupt_on_termination()
    try:
        rows = [table_row("boot to first prompt (s)",
                          measure("boot", options.boots, time_boot, options))]
        if options.usertests:
            rows.append(table_row("full usertests (s)", measure(
                "usertests", options.usertests, time_usertests, options)))
        rows += iozone_table(options)
    except (BenchFailed, qemu.QemuError) as failure:
        print("bench: {} (logs in {})".format(failure, os.path.relpath(LOG_DIR)),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    print("Kiln bench: CPUS={}, QEMU {}, host with {} cores".format(
        options.cpus, qemu_version_line(options.qemu), os.cpu_count()))
    print("{:<28}{:>5}{:>10}{:>10}{:>10}".format("", "runs", "median", "min", "max"))
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
