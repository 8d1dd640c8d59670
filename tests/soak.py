"""Soak Kiln: several sysfuzz runs at once for minutes, then usertests, then fsck.

What `make soak` runs (and, for about a minute, the `soak` check of
tests/run_tests.py). It boots the kernel with 3 harts on a copy of
fs-pristine.img and starts several `sysfuzz -q -t SECONDS` runs in the
background, half of them sharing one scratch directory (so that they
remove directories others are working in) and half with private ones.
Each run does rounds of random system calls with fresh seeds until the time
is up, cleans up, and prints its last line. Then it checks that:

- the kernel neither panicked nor hung, and every run ended with "sysfuzz ok";
- all processes but init and the shell are gone, and the free pages are
  back to the count before the runs (read from the statistics device with
  lockstat), also after `usertests -q` on the same disk, which must pass;
- no scratch directory is left in /;
- and, once the machine is stopped (idle: no process left that could be
  writing, and each system call commits its log before it returns),
  grade/fsck.py finds the disk consistent, with nothing unreachable from
  the root and no orphans.

The runs are started from a script put on the disk before boot, so that
nothing is typed while they print (the console echoes typed keys in the
middle of other lines). They use -q: the kernel's own messages could also
cut their lines.

The seeds are printed with the command that replays them. A run's last
line names the seed of a failing round, which `sysfuzz [-s] -q ITERATIONS
SEED` replays alone (a shared run may need its partners to fail again).

Usage: python3 tests/soak.py [--minutes M | --seconds S] [--runs N]
                             [--iterations N] [--seeds A,B,...] [--seed N]
       SOAK_MINUTES (default 10) and SOAK_SEEDS stand in for --minutes and
       --seeds. Exit status 0 when every check passed.
"""

import argparse
import os
import random
import re
import sys
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Set

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import fsck, fsimage, qemu, qemu_version  # noqa: E402

LOG_DIR = os.path.join(ROOT, "tests", "logs")
DEFAULT_MINUTES = 10.0
CPUS = 3
RUNS = 4              # sysfuzz runs at once; the even-numbered ones share a scratch
ITERATIONS = 5000     # system calls in one round of a run
BOOT_LIMIT = 90.0
ROUND_LIMIT = 300.0   # a run's last round may go on this long after the time is up
COMMAND_LIMIT = 60.0
USERTESTS_LIMIT = 600.0
SETTLE_LIMIT = 30.0   # for processes to be gone once their last line is out
SCRIPT = "soak.sh"
LARGEST_SEED = 10 ** 19 - 1   # sysfuzz takes up to 19 digits
EXPECTED_PROCESSES = ["init", "sh"]

# A shell prompt may come before it on the line.
LAST_LINE = re.compile(r"sysfuzz (?:ok: \d+ calls in \d+ rounds, seeds (\d+)-"
                       r"|FAIL: seed \d+ \(round \d+, first seed (\d+)\))[^\n]*")
FREE_PAGES = re.compile(r"^freepages (\d+)", re.MULTILINE)
PROCESS = re.compile(r"^(\S+) \(pid (\d+)\): (\w+)", re.MULTILINE)
USERTESTS_END = re.compile(r"ALL TESTS PASSED|\$ \Z")


class SoakFailed(Exception):
    """A check of the soak failed; `output` is what to show under the reason."""

    def __init__(self, reason: str, output: str = "") -> None:
        super().__init__(reason)
        self.output = output


class Run(NamedTuple):
    """One sysfuzz run: its first seed, and whether it shares its scratch directory."""
    seed: int
    shared: bool

    def command(self, seconds: int, iterations: int) -> str:
        return "sysfuzz -q -t {}{} {} {}".format(seconds, " -s" if self.shared else "",
                                                 iterations, self.seed)


class Plan(NamedTuple):
    """What a soak does: its runs, for how long, with how many calls a round."""
    runs: List[Run]
    seconds: int
    iterations: int

    def replay(self) -> str:
        """The command that starts the same runs again."""
        return "python3 tests/soak.py --seconds {} --iterations {} --seeds {}".format(
            self.seconds, self.iterations, ",".join(str(run.seed) for run in self.runs))


def parse_seeds(text: Optional[str]) -> Optional[List[int]]:
    """Seeds from "A,B,C" (ValueError if that is not what text is); None for none."""
    if not text:
        return None
    seeds = [int(seed) for seed in text.split(",")]
    if any(not 0 <= seed <= LARGEST_SEED for seed in seeds):
        raise ValueError("a seed is a number from 0 to {}".format(LARGEST_SEED))
    return seeds


def make_plan(seconds: int, iterations: int, count: int, seeds: Optional[List[int]],
              chance: random.Random) -> Plan:
    """The runs: given seeds in order, or count fresh ones; even-numbered ones share."""
    if seeds is None:
        seeds = []
        while len(seeds) < count:
            seed = chance.randrange(1, 1 << 32)
            if seed not in seeds:
                seeds.append(seed)
    if len(set(seeds)) != len(seeds):
        raise ValueError("the seeds must differ from each other")
    return Plan([Run(seed, index % 2 == 0) for index, seed in enumerate(seeds)],
                seconds, iterations)


def script(plan: Plan) -> bytes:
    """The shell script that starts every run in the background."""
    return "".join(run.command(plan.seconds, plan.iterations) + " &\n"
                   for run in plan.runs).encode()


def add_script(plan: Plan) -> Callable[[str], None]:
    """A prepare_disk hook for QemuSession that puts the script on the disk."""
    return lambda disk: fsimage.add_file(disk, SCRIPT, script(plan))


# ---- reading the console ----

def free_pages(session: qemu.QemuSession) -> int:
    """The statistics device's count of free pages, read with lockstat.

    The device keeps one snapshot for all its readers until one reads it to
    its end: a fuzzer that read a part of it (through a device file it
    made), or had its read fail, leaves an old snapshot to the next reader.
    lockstat reads to the end, so the second of two runs is fresh.
    """
    output = ""
    for _ in range(2):
        output = session.run("lockstat", timeout=COMMAND_LIMIT)
    found = FREE_PAGES.search(output)
    if not found:
        raise SoakFailed("lockstat printed no free page count", output)
    return int(found.group(1))


def processes(session: qemu.QemuSession) -> List[str]:
    """The names of all processes, from the kernel's Ctrl-P listing."""
    session.mark()
    start = len(session.output)
    session.send("\x10")
    time.sleep(1.0)
    return [name for name, _, _ in PROCESS.findall(session.output[start:])]


def root_listing(session: qemu.QemuSession) -> Set[str]:
    """What `ls /` lists: name, type and inode of each entry, the prompt left out.

    Sizes are left out: a directory never shrinks, so "." and ".." of / grow
    with every name added and removed again.
    """
    output = session.run("ls /", timeout=COMMAND_LIMIT)
    return {line.rsplit(None, 1)[0] for line in output.splitlines()
            if line.strip() and not line.startswith("$") and "ls /" not in line}


def wait_until_idle(session: qemu.QemuSession) -> None:
    """Wait until only init and the shell are left; SoakFailed if others linger."""
    give_up = time.monotonic() + SETTLE_LIMIT
    while True:
        names = processes(session)
        if sorted(names) == sorted(EXPECTED_PROCESSES):
            return
        if time.monotonic() > give_up:
            raise SoakFailed("processes other than init and sh are still there: {}"
                             .format(" ".join(names)), session.output)


def wait_for_last_lines(session: qemu.QemuSession, plan: Plan,
                        say: Callable[[str], None]) -> Dict[int, str]:
    """Each run's last line, by first seed, once every run has printed one."""
    give_up = time.monotonic() + plan.seconds + ROUND_LIMIT
    seeds = {run.seed for run in plan.runs}
    endings: Dict[int, str] = {}
    while len(endings) < len(seeds):
        if session.panicked:
            output = session.output
            panic = qemu.PANIC.search(output)
            raise qemu.KernelPanic(panic.group(0) if panic else "panic", output)
        if session.returncode is not None:
            raise SoakFailed("QEMU exited during the soak", session.output)
        for found in LAST_LINE.finditer(session.output):
            seed = int(found.group(1) or found.group(2))
            if seed in seeds and seed not in endings:
                endings[seed] = found.group(0)
                say("  " + found.group(0))
        if time.monotonic() > give_up:
            missing = sorted(seeds - set(endings))
            raise SoakFailed("the runs with seeds {} printed no last line within {:g} s "
                             "after the end of their time (a hang?)".format(
                                 ", ".join(map(str, missing)), ROUND_LIMIT), session.output)
        time.sleep(1.0)
    return endings


# ---- the soak ----

def soak(boot: Callable[[Callable[[str], None]], qemu.QemuSession], plan: Plan,
         disk: str, say: Callable[[str], None]) -> None:
    """Boot with boot(prepare_disk), soak as planned, keep the disk at disk, fsck it.

    say() gets a line for each step; SoakFailed (or a grade.qemu error) says
    what went wrong. The disk is kept and checked even then, for the record.
    """
    say("soak: {} runs for {} s, {} calls a round; replay with: {}".format(
        len(plan.runs), plan.seconds, plan.iterations, plan.replay()))
    for run in plan.runs:
        say("  " + run.command(plan.seconds, plan.iterations))
    problems: List[str] = []
    try:
        with boot(add_script(plan)) as session:
            try:
                problems += _exercise(session, plan, say)
            finally:
                session.close(keep_disk=disk)
    finally:
        problems += _check_disk(disk, say)
    if problems:
        raise SoakFailed(problems[0] if len(problems) == 1 else
                         "{} (and {} more problems)".format(problems[0], len(problems) - 1),
                         "\n".join(problems))
    say("soak passed")


def _exercise(session: qemu.QemuSession, plan: Plan, say: Callable[[str], None]) -> List[str]:
    """Everything done on the running machine; returns the problems found."""
    problems = []
    session.wait_prompt(timeout=BOOT_LIMIT)
    root_before = root_listing(session)
    before = free_pages(session)
    started = time.monotonic()
    session.send("sh < {}\n".format(SCRIPT))
    say("the runs ended with:")
    endings = wait_for_last_lines(session, plan, say)
    say("  ({:.0f} s after they started)".format(time.monotonic() - started))
    problems += ["the run with first seed {} failed: {}".format(seed, line)
                 for seed, line in sorted(endings.items()) if "sysfuzz FAIL" in line]
    wait_until_idle(session)
    after_runs = free_pages(session)
    started = time.monotonic()
    output = session.run("usertests -q", until=USERTESTS_END, timeout=USERTESTS_LIMIT)
    passed = "ALL TESTS PASSED" in output
    say("usertests -q: {} ({:.0f} s)".format("passed" if passed else "FAILED: " + _failure(output),
                                             time.monotonic() - started))
    if not passed:
        problems.append("usertests -q failed after the runs: " + _failure(output))
    after_usertests = free_pages(session)
    say("free pages: {} before, {} after the runs, {} after usertests".format(
        before, after_runs, after_usertests))
    if after_runs != before or after_usertests != before:
        problems.append("free pages: {} before, {} after the runs, {} after "
                        "usertests".format(before, after_runs, after_usertests))
    leftovers = sorted(root_listing(session) - root_before)
    if leftovers:
        shown = " | ".join(repr(line) for line in leftovers[:10])
        say("new in /: " + shown)
        problems.append("{} names new in / (a run left them, or escaped its scratch "
                        "directory): {}".format(len(leftovers), shown))
    wait_until_idle(session)
    return problems


def _check_disk(disk: str, say: Callable[[str], None]) -> List[str]:
    """fsck the disk as the soak left it; the problems (nothing unreachable may be left)."""
    if not os.path.exists(disk):
        return []
    try:
        report = fsck.check(disk)
    except fsimage.FsImageError as error:
        say("fsck: {}".format(error))
        return ["fsck cannot read the disk: {}".format(error)]
    say("fsck of {}: {} ({} inodes in use, {} orphans)".format(
        os.path.relpath(disk), "INCONSISTENT" if report.problems else "consistent",
        report.inodes_in_use, report.orphans))
    for problem in report.problems:
        say("  " + problem)
    if report.problems:
        return ["fsck finds the disk inconsistent: " + report.problems[0]]
    if report.orphans:
        return ["fsck finds {} orphans on a disk no process has open".format(report.orphans)]
    return []


def _failure(output: str) -> str:
    """The line that says how usertests failed."""
    lines = [line.strip() for line in output.splitlines() if "FAIL" in line.upper()]
    return lines[-1] if lines else "it did not print ALL TESTS PASSED"


# ---- the command ----

def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Soak Kiln with parallel sysfuzz runs, "
                                     "then usertests and fsck (what `make soak` runs).")
    parser.add_argument("--minutes", type=float,
                        default=float(os.environ.get("SOAK_MINUTES") or DEFAULT_MINUTES),
                        help="how long the runs go on (default: $SOAK_MINUTES or 10)")
    parser.add_argument("--seconds", type=int, help="the same in seconds (wins over --minutes)")
    parser.add_argument("--runs", type=int, default=RUNS,
                        help="sysfuzz runs at once (default {})".format(RUNS))
    parser.add_argument("--iterations", type=int, default=ITERATIONS,
                        help="system calls a round (default {})".format(ITERATIONS))
    parser.add_argument("--seeds", default=os.environ.get("SOAK_SEEDS") or None,
                        help="first seeds of the runs, comma-separated, to replay a soak "
                        "(default: $SOAK_SEEDS or fresh ones)")
    parser.add_argument("--seed", type=int, help="make the fresh seeds from this one")
    parser.add_argument("--disk", default=os.path.join(LOG_DIR, "soak.img"),
                        help="where to keep the disk after the soak (default tests/logs/soak.img)")
    parser.add_argument("--log", default=os.path.join(LOG_DIR, "soak-console.log"),
                        help="the console log (default tests/logs/soak-console.log)")
    qemu.add_boot_options(parser, ROOT)
    parser.set_defaults(fs=os.path.join(ROOT, "fs-pristine.img"))
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    options = parse_arguments(argv)
    seconds = options.seconds if options.seconds is not None else round(options.minutes * 60)
    try:
        plan = make_plan(seconds, options.iterations, options.runs,
                         parse_seeds(options.seeds), random.Random(options.seed))
    except ValueError as error:
        print("soak: bad seeds: {}".format(error), file=sys.stderr)
        return 2
    problem = qemu_version.problem(options.qemu)
    if problem:
        print("soak: " + problem, file=sys.stderr)
        return 2

    def boot(prepare: Callable[[str], None]) -> qemu.QemuSession:
        return qemu.QemuSession(options.kernel, options.fs, cpus=CPUS, log_path=options.log,
                                qemu=options.qemu, prepare_disk=prepare)

    def say(line: str) -> None:
        print(line, flush=True)

    os.makedirs(os.path.dirname(os.path.abspath(options.disk)), exist_ok=True)
    qemu.interrupt_on_termination()
    try:
        soak(boot, plan, options.disk, say)
    except KeyboardInterrupt:
        print("soak: interrupted; QEMU has been stopped", file=sys.stderr)
        return 130
    except (SoakFailed, qemu.QemuError) as failure:
        print("SOAK FAILED: {}".format(failure))
        if isinstance(failure, qemu.QemuError):
            print(qemu.tail(failure.output, 40))
        else:
            print(failure.output)
        print("console log: {}\nreplay: {}".format(os.path.relpath(options.log),
                                                   plan.replay()))
        return 1
    print("console log: {}; disk: {}".format(os.path.relpath(options.log),
                                            os.path.relpath(options.disk)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
