"""Measure how fast Kiln boots and runs usertests: what `make bench` runs.

It boots Kiln several times, timing each from the start of QEMU to the first
shell prompt, then times several full `usertests` runs (from typing the
command to "ALL TESTS PASSED"), one QEMU at a time so that runs do not slow
each other down. It prints the median, minimum and maximum of each figure.
When the stage has iozone (lab 9 on), it then runs the competition's iozone
commands once per hart count of --iozone-cpus and prints their kB/sec
figures side by side. It judges nothing: the figures are for comparing
changes on one machine.

Then it compares stages side by side (by default the locks lab's starter
and its solution, whose difference is lock contention): each is projected
into a temporary tree and built there, and its full usertests are timed the
same way. After each run the lock report of the statistics device gives
"tot=", the test-and-sets that found a kmem or bcache lock taken since boot.

Usage: python3 tests/bench.py [--boots N] [--usertests N] [--cpus N]
                              [--iozone-cpus N,N,...]
                              [--stages A,B,...] [--unreleased]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from typing import List, NamedTuple, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import qemu, qemu_version  # noqa: E402
from labs import catalogue  # noqa: E402

LOG_DIR = os.path.join(ROOT, "tests", "logs")
BOOT_LIMIT = 120.0
USERTESTS_LIMIT = 1200.0
USERTESTS_END = re.compile(r"ALL TESTS PASSED|\$ \Z")
TOT_LINE = re.compile(r"^tot= (\d+)", re.MULTILINE)
# The stages compared when --stages is not given: lab locks before and after.
DEFAULT_STAGES = ("locks", "locks-solved")
BUILD_LIMIT = 600.0

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


class UsertestsRun(NamedTuple):
    """One full usertests run: its time, and the lock report's total after it."""
    seconds: float
    tot: Optional[int]  # None when the stage has no lock report


def run_usertests(kernel: str, fs_img: str, options: argparse.Namespace,
                  log_name: str) -> UsertestsRun:
    """Time a full usertests run (boot excluded), then read "tot=" with lockstat."""
    log = os.path.join(LOG_DIR, log_name)
    with qemu.QemuSession(kernel, fs_img, cpus=options.cpus, log_path=log,
                          qemu=options.qemu) as session:
        session.wait_prompt(timeout=BOOT_LIMIT)
        started = time.monotonic()
        output = session.run("usertests", until=USERTESTS_END, timeout=USERTESTS_LIMIT)
        if "ALL TESTS PASSED" not in output:
            raise BenchFailed("usertests failed; see " + os.path.relpath(log))
        seconds = time.monotonic() - started
        session.wait_prompt(timeout=BOOT_LIMIT)
        tot = TOT_LINE.search(session.run("lockstat", timeout=BOOT_LIMIT))
        return UsertestsRun(seconds, int(tot.group(1)) if tot else None)


def time_usertests(options: argparse.Namespace, index: int) -> float:
    """Wall-clock seconds that a full usertests run takes, boot excluded."""
    return run_usertests(options.kernel, options.fs, options,
                         "bench-usertests-{}.log".format(index)).seconds


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


# ---- stages side by side ----

def stages_to_compare(options: argparse.Namespace) -> List[str]:
    """The stages --stages names, or the default ones if they are available."""
    if options.stages is not None:
        return [stage for stage in options.stages.split(",") if stage]
    labs = catalogue.load(ROOT, unreleased=options.unreleased)
    if all(labs.stage_available(labs.find_stage(name)) for name in DEFAULT_STAGES):
        return list(DEFAULT_STAGES)
    print("bench: {} not available yet, so not compared (STAGEFLAGS=--unreleased "
          "compares them anyway)".format(" and ".join(DEFAULT_STAGES)), file=sys.stderr)
    return []


def build_stage(stage: str, work: str, unreleased: bool) -> str:
    """Project stage into a new tree under work and build it; the tree's path."""
    tree = os.path.join(work, stage)
    flags = ["--unreleased"] if unreleased else []
    steps = [([sys.executable, os.path.join(ROOT, "labs", "stage.py")] + flags +
              ["project", stage, tree], ROOT),
             (["make", "-j2", "all"], tree)]
    for command, cwd in steps:
        try:
            result = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    universal_newlines=True, timeout=BUILD_LIMIT)
        except subprocess.TimeoutExpired:
            raise BenchFailed("building stage {} took over {:g} s".format(
                stage, BUILD_LIMIT)) from None
        if result.returncode != 0:
            raise BenchFailed("building stage {} failed:\n{}".format(
                stage, result.stdout[-2000:]))
    return tree


def measure_stage(stage: str, work: str, options: argparse.Namespace) -> List[UsertestsRun]:
    """Build stage and time its full usertests options.usertests times."""
    print("  building stage {}".format(stage), file=sys.stderr, flush=True)
    tree = build_stage(stage, work, options.unreleased)
    runs = []
    for index in range(1, options.usertests + 1):
        runs.append(run_usertests(os.path.join(tree, "kernel", "kernel"),
                                  os.path.join(tree, "fs.img"), options,
                                  "bench-{}-usertests-{}.log".format(stage, index)))
        print("  {} usertests {}/{}: {:.2f} s".format(stage, index, options.usertests,
                                                       runs[-1].seconds),
              file=sys.stderr, flush=True)
    return runs


def stage_row(stage: str, runs: Sequence[UsertestsRun]) -> str:
    """One line of the stage table: times, and the median tot= (or - without one)."""
    totals = [run.tot for run in runs if run.tot is not None]
    tot = "{:.0f}".format(statistics.median(totals)) if totals else "-"
    return table_row(stage, [run.seconds for run in runs]) + "{:>12}".format(tot)


def compare_stages(stages: Sequence[str], options: argparse.Namespace) -> List[str]:
    """The stage table's lines: full usertests of each stage, side by side."""
    with tempfile.TemporaryDirectory(prefix="kiln-bench-") as work:
        rows = [stage_row(stage, measure_stage(stage, work, options)) for stage in stages]
    heading = "full usertests by stage (s)"
    return ["{:<28}{:>5}{:>10}{:>10}{:>10}{:>12}".format(
        heading, "runs", "median", "min", "max", "tot=")] + rows


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
    parser.add_argument("--stages", metavar="A,B,...",
                        help="stages whose full usertests to time side by side (default: "
                        "{}, if available; \"\" compares none)".format(",".join(DEFAULT_STAGES)))
    parser.add_argument("--unreleased", action="store_true",
                        help="stages of labs not available yet may be compared too")
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
        stages = stages_to_compare(options) if options.usertests else []
        stage_rows = compare_stages(stages, options) if stages else []
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
    if stage_rows:
        print()
        for row in stage_rows:
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
