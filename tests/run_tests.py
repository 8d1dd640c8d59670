"""Kiln's own test suite: what `make test` (and so CI) runs.

Each check is one named function in CHECKS. Checks run in parallel, each
booting its own QEMU on its own copy of fs.img, and each prints one line:

    PASS name (N.Ns)
    FAIL name (N.Ns): reason

followed by the path of its log (tests/logs/NAME.log) and, when it failed, the
last lines of what the console printed. The last line of the run is
"N passed, N failed"; the exit status is 0 only if nothing failed.

To add a check, write a function that takes a CheckRun and raises CheckFailed
(or lets a grade.qemu error escape) when something is wrong, and list it in
CHECKS with a name, a title and a time limit.

Usage: python3 tests/run_tests.py [-k NAME]... [-j N] [--list]
"""

import argparse
import concurrent.futures
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Callable, List, NamedTuple, Optional, Sequence, Union

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import fsck, qemu, qemu_version  # noqa: E402
from tests import handouts_check, lab_checks, soak  # noqa: E402

LOG_DIR = os.path.join(ROOT, "tests", "logs")
TAIL_LINES = 40

# A kernel that takes longer than this to reach the shell is broken, so a
# check does not spend its whole time limit waiting for the first prompt.
BOOT_LIMIT = 90.0
CRASH_ROUNDS = 16
SOAK_SECONDS = 60

# Set when the run is interrupted: no check may start another QEMU after it.
stopping = threading.Event()


class CheckFailed(Exception):
    """A check found something wrong; `output` is what to show under the reason."""

    def __init__(self, reason: str, output: str = "") -> None:
        super().__init__(reason)
        self.output = output


class Settings(NamedTuple):
    """What every check needs to know about this run."""
    kernel: str
    fs_img: str
    qemu: Union[str, List[str]]  # a binary, or a whole command prefix
    qemu_problem: Optional[str]


class CheckRun:
    """One check in progress: its log, its clock, and a way to boot Kiln."""

    def __init__(self, name: str, time_limit: float, settings: Settings) -> None:
        self.name = name
        self.time_limit = time_limit
        self.settings = settings
        self.log_path = os.path.join(LOG_DIR, name + ".log")
        self.started = time.monotonic()

    def remaining(self) -> float:
        """Seconds left before the check's time limit."""
        return max(0.0, self.time_limit - (time.monotonic() - self.started))

    def boot(self, cpus: int, fs_img: Optional[str] = None,
             log_name: Optional[str] = None,
             prepare_disk: Optional[Callable[[str], None]] = None) -> qemu.QemuSession:
        """Start Kiln with `cpus` harts on (a copy of) fs_img, the tree's by default.

        The console goes to this check's log, or with log_name to
        tests/logs/CHECK/LOG_NAME, for checks that boot more than once.
        prepare_disk, if given, may change the copy before QEMU starts.
        """
        if self.settings.qemu_problem:
            raise CheckFailed(self.settings.qemu_problem)
        log_path = self.log_path if log_name is None else os.path.join(LOG_DIR, self.name,
                                                                        log_name)
        session = qemu.QemuSession(self.settings.kernel, fs_img or self.settings.fs_img,
                                   cpus=cpus, log_path=log_path, qemu=self.settings.qemu,
                                   prepare_disk=prepare_disk)
        if stopping.is_set():
            session.close()
            raise CheckFailed("interrupted")
        return session


class Check(NamedTuple):
    """A named test of the whole system, with a time limit in seconds."""
    name: str
    title: str
    time_limit: float
    body: Callable[[CheckRun], None]


class Result(NamedTuple):
    """How one check went."""
    name: str
    passed: bool
    seconds: float
    reason: str
    log_path: str
    output: str


# ---- the checks ----

# usertests ends by printing this, or by returning to the shell after a failure.
USERTESTS_END = re.compile(r"ALL TESTS PASSED|\$ \Z")


def usertests_check(cpus: int, arguments: str) -> Callable[[CheckRun], None]:
    """A check that boots with `cpus` harts and requires usertests to pass."""
    command = ("usertests " + arguments).strip()

    def check(run: CheckRun) -> None:
        with run.boot(cpus) as session:
            session.wait_prompt(timeout=min(BOOT_LIMIT, run.remaining()))
            try:
                output = session.run(command, until=USERTESTS_END, timeout=run.remaining())
            except qemu.Timeout as timeout:
                raise CheckFailed("`{}` did not finish within the {:g} s time limit; QEMU "
                                  "was killed".format(command, run.time_limit),
                                  timeout.output) from None
            if "ALL TESTS PASSED" not in output:
                raise CheckFailed("`{}` failed: {}".format(command, _failure_line(output)),
                                  session.output)

    return check


def _failure_line(output: str) -> str:
    """Pick the line that best says what went wrong in a failed usertests run."""
    failures = [line.strip() for line in output.splitlines() if "FAIL" in line.upper()]
    if failures:
        return failures[-1]
    return "it returned to the shell without printing ALL TESTS PASSED"


def crash_check(run: CheckRun) -> None:
    """Cut the power while usertests writes; the file system must come back whole.

    Each round boots, starts `usertests -q`, and kills QEMU at a random moment.
    grade/fsck.py checks the disk as the power cut left it (installing its
    log, as recovery would), then Kiln boots on it, recovers it itself, and
    the disk is checked again, now with an empty log.
    """
    seed = int(os.environ.get("CRASH_SEED") or random.randrange(1 << 32))
    chance = random.Random(seed)
    summary = ["seed {} (CRASH_SEED={} reproduces the cut times)".format(seed, seed)]
    try:
        with tempfile.TemporaryDirectory(prefix="kiln-crash-") as work:
            _crash_rounds(run, chance, work, summary)
    finally:
        with open(run.log_path, "w") as log:
            log.write("\n".join(summary) + "\n")


def _crash_rounds(run: CheckRun, chance: random.Random, work: str,
                  summary: List[str]) -> None:
    """The rounds of crash_check, each noted in summary; disks are kept in work."""
    crashed, recovered = os.path.join(work, "crashed.img"), os.path.join(work, "recovered.img")
    for round_number in range(1, CRASH_ROUNDS + 1):
        cut = chance.uniform(0.1, 2.5)
        with run.boot(3, log_name="round{}-crash.log".format(round_number)) as session:
            session.wait_prompt(timeout=min(BOOT_LIMIT, run.remaining()))
            session.send("usertests -q\n")
            time.sleep(cut)
            session.close(keep_disk=crashed)
        what = "round {}, power cut {:.2f} s into usertests -q".format(round_number, cut)
        found = _require_consistent(crashed, what, summary)
        with run.boot(1, fs_img=crashed,
                      log_name="round{}-recovery.log".format(round_number)) as session:
            session.wait_prompt(timeout=min(BOOT_LIMIT, run.remaining()))
            if "README" not in session.run("ls", timeout=min(30, run.remaining())):
                raise CheckFailed("{}: after recovery, ls does not list README".format(what),
                                  session.output)
            session.close(keep_disk=recovered)
        after = _require_consistent(recovered, what + ", after Kiln's own recovery",
                                    summary)
        if after.blocks_from_log:
            raise CheckFailed("{}: Kiln booted to a prompt but left {} blocks in the log"
                              .format(what, after.blocks_from_log))
        summary.append("{}: {} blocks installed from the log, {} orphans".format(
            what, found.blocks_from_log, found.orphans))


def _require_consistent(image: str, what: str, summary: List[str]) -> fsck.Report:
    """fsck the image; CheckFailed listing the problems unless it is consistent."""
    report = fsck.check(image)
    if report.problems:
        summary.append("{}: the file system is inconsistent:".format(what))
        summary.extend("  " + problem for problem in report.problems)
        raise CheckFailed("{}: the file system is inconsistent".format(what),
                          "\n".join(summary))
    return report


def soak_check(run: CheckRun) -> None:
    """A minute of tests/soak.py: sysfuzz runs at once, usertests -q, fsck from the host.

    The summary (seeds, last lines, free pages, what fsck found) goes to
    the check's log, the console to tests/logs/soak/console.log and the
    disk to tests/logs/soak/disk.img. SOAK_SEEDS=A,B,C,D replays a soak.
    """
    summary: List[str] = []
    try:
        plan = soak.make_plan(SOAK_SECONDS, soak.ITERATIONS, soak.RUNS,
                              soak.parse_seeds(os.environ.get("SOAK_SEEDS")), random.Random())
        disk = os.path.join(LOG_DIR, run.name, "disk.img")
        os.makedirs(os.path.dirname(disk), exist_ok=True)
        soak.soak(lambda prepare: run.boot(soak.CPUS, log_name="console.log",
                                           prepare_disk=prepare),
                  plan, disk, summary.append)
    except (soak.SoakFailed, ValueError) as failure:
        raise CheckFailed(str(failure), "\n".join(summary)) from None
    finally:
        os.makedirs(LOG_DIR, exist_ok=True)
        with open(run.log_path, "w") as log:
            log.write("\n".join(summary) + "\n")


def host_tool_tests(run: CheckRun) -> None:
    """Run every tests/test_*.py (the host-side tools' unit tests) with unittest."""
    command = [sys.executable, "-m", "unittest", "discover", "-v",
               "-s", os.path.join(ROOT, "tests"), "-p", "test_*.py"]
    os.makedirs(LOG_DIR, exist_ok=True)
    with open(run.log_path, "w+b") as log:
        try:
            status = subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=run.remaining()).returncode
            reason = "unit tests failed"
        except subprocess.TimeoutExpired:
            status, reason = -1, "unit tests did not finish within {:g} s".format(run.time_limit)
        log.seek(0)
        output = log.read().decode(errors="replace")
    if status != 0:
        raise CheckFailed(reason, output)


def official_grading_check(run: CheckRun) -> None:
    """tests/test_official_slow.py: the Gradescope zip and grade-class, end to end."""
    command = [sys.executable, "-m", "unittest", "-v", "tests.test_official_slow"]
    os.makedirs(LOG_DIR, exist_ok=True)
    with open(run.log_path, "w+b") as log:
        try:
            status = subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=run.remaining(),
                                    env=dict(os.environ, KILN_SLOW_TESTS="1")).returncode
            reason = "official grading failed"
        except subprocess.TimeoutExpired:
            status, reason = -1, "official grading did not finish within {:g} s".format(
                run.time_limit)
        log.seek(0)
        output = log.read().decode(errors="replace")
    if status != 0:
        raise CheckFailed(reason, output)


def layers_check(run: CheckRun) -> None:
    """tests/layers.py on the built kernel: calls and includes go downward only."""
    command = [sys.executable, os.path.join(ROOT, "tests", "layers.py")]
    try:
        result = subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True, timeout=run.remaining())
    except subprocess.TimeoutExpired:
        raise CheckFailed("tests/layers.py did not finish within {:g} s"
                          .format(run.time_limit)) from None
    os.makedirs(LOG_DIR, exist_ok=True)
    with open(run.log_path, "w") as log:
        log.write(result.stdout)
    if result.returncode != 0:
        # Its last line is the summary (or, if it could not run, why).
        lines = result.stdout.strip().splitlines() or ["tests/layers.py failed"]
        raise CheckFailed(lines[-1], result.stdout)


def handouts_site_check(run: CheckRun) -> None:
    """tests/handouts_check.py: the handouts' site in headless Chromium."""
    os.makedirs(LOG_DIR, exist_ok=True)
    try:
        summary = handouts_check.check(os.path.join(LOG_DIR, run.name))
    except handouts_check.SiteProblem as problem:
        with open(run.log_path, "w") as log:
            log.write(problem.details + "\n")
        raise CheckFailed(str(problem), problem.details) from None
    with open(run.log_path, "w") as log:
        log.write(summary + "\n")


def lab_check(check: lab_checks.LabCheck) -> Check:
    """One check of the lab matrix (tests/lab_checks.py), as a Check."""
    def body(run: CheckRun) -> None:
        log_dir = os.path.join(LOG_DIR, check.name)  # its graders' logs, apart from others'
        os.makedirs(log_dir, exist_ok=True)
        try:
            check.body(log_dir)
        except lab_checks.LabCheckFailed as failure:
            raise CheckFailed(str(failure), failure.output) from None
    return Check(check.name, check.title, check.time_limit, body)


def free_tcp_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gdb_check(run: CheckRun) -> None:
    """`make qemu-gdb` waits for gdb-multiarch, which stops at a kernel breakpoint."""
    port = free_tcp_port()
    # -snapshot: this QEMU must not write fs.img, which graders running
    # beside it copy; killing it mid-commit would leave a log to replay.
    qemu_make = subprocess.Popen(["make", "-s", "qemu-gdb", "GDBPORT={}".format(port),
                                  "QEMUEXTRA=-snapshot"],
                                 cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, universal_newlines=True,
                                 start_new_session=True)
    try:
        # make prints this just before it starts QEMU, after writing .gdbinit.
        # gdb retries a refused connection by itself, so one run suffices;
        # the stub serves one client at a time, so a second would hang.
        for line in qemu_make.stdout:
            if "waiting for gdb" in line:
                break
        else:
            raise CheckFailed("make qemu-gdb ended without starting QEMU")
        gdb = [os.environ.get("GDB", "gdb-multiarch"), "-q", "-batch", "-nx",
               "-ex", "set pagination off", "-x", ".gdbinit",
               "-ex", "break exec", "-ex", "continue", "-ex", "bt 2"]
        output = subprocess.run(gdb, cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True, timeout=run.remaining()).stdout
        with open(run.log_path, "w") as log:
            log.write(output)
        if not re.search(r"Breakpoint 1, exec \(", output):
            raise CheckFailed("gdb did not stop at the breakpoint on exec()", output)
    finally:
        os.killpg(qemu_make.pid, signal.SIGTERM)
        qemu_make.communicate()


CHECKS: List[Check] = [
    # The order matters with two workers: the unit tests take seconds, so
    # their worker soon moves on to the quick usertests while the other
    # worker runs the long full usertests.
    Check("host-tools", "unit tests of the host-side tools (tests/test_*.py)", 480,
          host_tool_tests),
    Check("layers", "kernel files call and include only their own layer and lower ones",
          60, layers_check),
    Check("handouts", "the handouts' site: every page loads in Chromium, every link "
          "resolves; screenshots in tests/logs/handouts/", 120, handouts_site_check),
    Check("usertests-full", "full usertests with CPUS=3", 600, usertests_check(3, "")),
    Check("usertests-quick", "usertests -q with CPUS=1", 300, usertests_check(1, "-q")),
    Check("gdb", "make qemu-gdb and gdb-multiarch stop at a kernel breakpoint", 120, gdb_check),
    Check("crash", "power cuts during usertests leave a file system that recovers whole",
          300, crash_check),
    Check("soak", "a minute of parallel sysfuzz runs, then usertests -q and a clean fsck",
          900, soak_check),
    Check("official-grading", "the Gradescope autograder and grade-class on good, broken, "
          "hanging and cheating submissions", 900, official_grading_check),
] + [lab_check(check) for check in lab_checks.lab_checks()]


# ---- running and reporting ----

def run_check(check: Check, settings: Settings) -> Result:
    """Run one check and turn whatever happened into a Result."""
    run = CheckRun(check.name, check.time_limit, settings)
    reason, output = "", ""
    try:
        check.body(run)
    except CheckFailed as failure:
        reason, output = str(failure), failure.output
    except qemu.KernelPanic as panic:
        reason, output = "kernel panicked: " + panic.panic_line, panic.output
    except qemu.Timeout as timeout:
        reason, output = "timed out: {}; QEMU was killed".format(timeout), timeout.output
    except qemu.QemuError as error:
        reason, output = str(error), error.output
    except Exception as error:  # a bug in the check itself: show its traceback
        reason, output = "the check crashed: {!r}".format(error), traceback.format_exc()
    seconds = time.monotonic() - run.started
    return Result(check.name, not reason, seconds, reason, run.log_path, output)


def format_result(result: Result) -> str:
    """The report of one check: status line, log path, and output if it failed."""
    if result.passed:
        lines = ["PASS {} ({:.1f}s)".format(result.name, result.seconds)]
    else:
        lines = ["FAIL {} ({:.1f}s): {}".format(result.name, result.seconds, result.reason)]
    if os.path.exists(result.log_path):
        lines.append("    log: " + os.path.relpath(result.log_path))
    if not result.passed and result.output.strip():
        lines.append("    last {} lines of output:".format(TAIL_LINES))
        lines.extend("    | " + line for line in qemu.tail(result.output, TAIL_LINES).split("\n"))
    return "\n".join(lines)


def run_all(checks: Sequence[Check], settings: Settings, jobs: int) -> List[Result]:
    """Run checks `jobs` at a time, printing each report as it completes."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    futures = [pool.submit(run_check, check, settings) for check in checks]
    results = []
    try:
        for future in concurrent.futures.as_completed(futures):
            results.append(future.result())
            print(format_result(results[-1]), flush=True)
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        stopping.set()
        qemu.close_all()
        raise
    finally:
        pool.shutdown(wait=True)
    return results


def select(checks: Sequence[Check], patterns: Sequence[str]) -> List[Check]:
    """The checks whose names contain any of patterns (all if there are none)."""
    if not patterns:
        return list(checks)
    return [check for check in checks if any(p in check.name for p in patterns)]


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run Kiln's checks (what `make test` does).")
    parser.add_argument("-k", dest="patterns", action="append", default=[], metavar="NAME",
                        help="run only checks whose name contains NAME (repeatable)")
    parser.add_argument("-j", dest="jobs", type=int, default=os.cpu_count() or 1,
                        metavar="N", help="run N checks at a time (default: number of cores)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    qemu.add_boot_options(parser, ROOT)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    options = parse_arguments(argv)
    if options.list:
        for check in CHECKS:
            print("{:18} {:5g} s  {}".format(check.name, check.time_limit, check.title))
        return 0
    checks = select(CHECKS, options.patterns)
    if not checks:
        print("No check matches {}. The checks are: {}".format(
            " or ".join(options.patterns), ", ".join(c.name for c in CHECKS)), file=sys.stderr)
        return 2
    settings = Settings(options.kernel, options.fs, options.qemu,
                        qemu_version.problem(options.qemu))
    jobs = max(1, min(options.jobs, len(checks)))
    print("Running {} check{}, {} at a time; logs in {}".format(
        len(checks), "" if len(checks) == 1 else "s", jobs, os.path.relpath(LOG_DIR)),
        flush=True)
    qemu.interrupt_on_termination()
    try:
        results = run_all(checks, settings, jobs)
    except KeyboardInterrupt:
        print("Interrupted; every QEMU this run started has been stopped.", file=sys.stderr)
        return 130
    failed = sum(1 for result in results if not result.passed)
    print("{} passed, {} failed".format(len(results) - failed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
