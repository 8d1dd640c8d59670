"""Kiln's grading library: what every lab grader (grade/grade_<lab>.py) uses.

A grader declares tests, each with points, a title and a time limit:

    from grade.gradelib import Lab

    lab = Lab("trace")

    @lab.test(points=10, title="trace read calls of grep", timeout=60)
    def trace_read(run):
        out = run.shell("trace 32 grep hello README")
        run.match(r"^\\d+: syscall read -> \\d+$", out)

    lab.usertests(points=10, quick=True)

    if __name__ == "__main__":
        lab.main()

Each test boots its own QEMU on its own copy of fs.img, into which the
library writes /gradetoken: a random token, fresh for every test. Test
programs print it at the end of their success line, and run.token_line()
accepts the line only with this test's token, so a line typed by hand or
printed by a faked program earns nothing; and a test whose program printed
a failure line fails, whatever else the console shows.

Tests run in parallel (-j). A test that passes its time limit is stopped
and scores zero; before QEMU is killed, every hart's registers are read
through QEMU's monitor and its kernel stack is walked, so the report says
where the kernel was stuck. A kernel panic fails the test at once, with the
panic line and the symbolized addresses. Each test's console goes to
grade-logs/<test>.log. The command line is grade/cli.py (python3 -m grade).
"""

import concurrent.futures
import os
import re
import secrets
import sys
import threading
import time
import traceback
from typing import Callable, List, NamedTuple, Optional, Sequence, Union

from . import fsimage, monitor, qemu, report, symbolize, wording
from .report import ERROR, FAILED, PASSED, TIMEOUT, Result

GRADE_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(GRADE_DIR)

DEFAULT_CPUS = 3
DEFAULT_TIMEOUT = 120
TOKEN_FILE = "gradetoken"
# What the Makefile builds that the grader boots, as the user may name it.
MAKE_TARGETS = ("kernel/kernel", "fs.img", "fs-pristine.img")
LOG_DIR = os.path.join(ROOT, "grade-logs")

# A kernel that does not reach the shell in this time is broken; a test does
# not spend all of its time limit waiting for the first prompt.
BOOT_LIMIT = 90.0

# A test body that waits on its own (not through `run`) is stopped this long
# after its time limit.
WATCHDOG_GRACE = 5.0

# How much of the console a failed test's report shows (the log has all).
CONSOLE_TAIL = 40

# A line by which a test program says that it failed ("sysinfotest: FAILED:
# ...", "sbrk failed", "1 test(s) failed"). Its success line may still follow:
# a kernel that reads /gradetoken itself could print one.
FAILURE_LINE = re.compile(r"\bFAILED\b|\bfailed\b")

PatternLike = Union[str, "re.Pattern[str]"]


class TestFailure(Exception):
    """A test found the kernel's behaviour wrong; the message says how.

    console, if given, is output for the report to show under the message
    (a check whose message already quotes the output leaves it empty).
    """

    def __init__(self, message: str, console: str = "") -> None:
        super().__init__(message)
        self.console = console


class TestTimeout(Exception):
    """A test ran out of time; the message says what it was waiting for."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class GradingInterrupted(Exception):
    """The run was interrupted (Ctrl-C, SIGTERM) while this test was starting."""


class Test(NamedTuple):
    """A declared test: body(run) passes by returning, fails by raising.

    Tests of different labs with the same `shared` key are the same test:
    grading those labs together runs it once and credits each lab.
    """
    name: str
    title: str
    points: float
    timeout: float
    cpus: int
    body: Callable[["Run"], None]
    shared: Optional[str] = None


class Stopping(threading.Event):
    """Set when no test may start or go on; reason says why, for the report."""

    def __init__(self) -> None:
        super().__init__()
        self.reason = "grading was interrupted"

    def stop(self, reason: str) -> None:
        self.reason = reason
        self.set()


class Settings(NamedTuple):
    """What every test of one grading run shares."""
    kernel: str
    fs_img: str
    log_dir: str
    qemu: Union[str, List[str]]
    symbolizer: symbolize.Symbolizer
    stopping: Stopping


def _indented(text: str, lines: int = 30) -> str:
    shown = text.rstrip("\n").split("\n")[-lines:]
    return "\n".join("  | " + line for line in shown) if text.strip() else "  (no output)"


def _regex(pattern: PatternLike) -> "re.Pattern[str]":
    return re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern


class Run:
    """One test in progress: its QEMU, its token, its clock.

    Every wait is cut short at the test's time limit, so a test can never
    outlive it by more than a moment.
    """

    def __init__(self, test: Test, settings: Settings) -> None:
        self.test = test
        self.settings = settings
        self.token = secrets.token_hex(8)
        self.session: Optional[qemu.QemuSession] = None
        self.log_path = os.path.join(settings.log_dir, test.name + ".log")
        # A test that fails before it boots writes only its verdict; an old
        # run's console must not seem to be this run's.
        if os.path.exists(self.log_path):
            os.remove(self.log_path)
        self.started = time.monotonic()
        self.deadline = self.started + test.timeout
        self.where: List[str] = []      # where the harts were, when it was looked at
        self._looked = threading.Lock()
        self.killed_by_watchdog = False

    # ---- time ----

    def remaining(self) -> float:
        """Seconds left before the test's time limit."""
        return max(0.0, self.deadline - time.monotonic())

    def _limit(self, timeout: Optional[float]) -> float:
        return self.remaining() if timeout is None else min(timeout, self.remaining())

    def _timed_out(self, what: str, timeout: Optional[float], error: qemu.Timeout) -> TestTimeout:
        """The TestTimeout to raise when waiting for `what` timed out."""
        if timeout is None or self.remaining() < 0.5:
            message = "the test's time limit of {:g} s ran out while waiting for {}".format(
                self.test.timeout, what)
        else:
            message = "{} did not come within {:g} s".format(what, timeout)
        return TestTimeout(message, error.output)

    # ---- QEMU ----

    def boot(self, cpus: Optional[int] = None) -> qemu.QemuSession:
        """Boot Kiln (with cpus harts, default the test's) and wait for the shell."""
        if self.session is not None:
            raise RuntimeError("the grader booted Kiln twice in one test")
        if self.settings.stopping.is_set():
            raise GradingInterrupted(self.settings.stopping.reason)
        self.session = qemu.QemuSession(
            self.settings.kernel, self.settings.fs_img, cpus=cpus or self.test.cpus,
            log_path=self.log_path, qemu=self.settings.qemu,
            prepare_disk=self._add_token, monitor=True)
        if self.settings.stopping.is_set():
            self.session.close()
            raise GradingInterrupted(self.settings.stopping.reason)
        limit = min(BOOT_LIMIT, self.remaining())
        try:
            self.session.wait_prompt(timeout=limit)
        except qemu.Timeout as error:
            raise self._timed_out("the first shell prompt after boot", limit, error) from None
        return self.session

    def _add_token(self, disk: str) -> None:
        fsimage.add_file(disk, TOKEN_FILE, self.token.encode())

    def _booted(self) -> qemu.QemuSession:
        return self.session if self.session is not None else self.boot()

    def shell(self, command: str, timeout: Optional[float] = None) -> str:
        """Type a command line; return its output, up to (not including) the next prompt."""
        session = self._booted()
        try:
            text = session.run(command, timeout=self._limit(timeout))
        except qemu.Timeout as error:
            raise self._timed_out("the shell prompt after `{}`".format(command),
                                  timeout, error) from None
        if text.startswith(command + "\n"):
            text = text[len(command) + 1:]
        return text[:-2] if text.endswith("$ ") else text

    def send(self, text: str) -> None:
        """Type text on the console, as is (end a line with "\\n")."""
        self._booted().send(text)

    def expect(self, regex: PatternLike, timeout: Optional[float] = None,
               what: Optional[str] = None) -> "re.Match[str]":
        """Wait for output (after the last match) that matches regex; return the match.

        what says in words what is awaited, for the report (by default the
        regex is put into words as well as it can be).
        """
        pattern = _regex(regex)
        try:
            return self._booted().expect(pattern, timeout=self._limit(timeout))
        except qemu.Timeout as error:
            raise self._timed_out(wording.describe_or(what, pattern), timeout,
                                  error) from None

    # ---- checks ----

    def fail(self, message: str) -> None:
        raise TestFailure(message)

    def match(self, regex: PatternLike, text: str,
              what: Optional[str] = None) -> "re.Match[str]":
        """Require a match for regex in text (re.search, MULTILINE); return it.

        what says in words what was expected, for the report (by default
        the regex is put into words as well as it can be).
        """
        pattern = _regex(regex)
        found = pattern.search(text)
        if not found:
            raise TestFailure("expected {} in this output:\n{}".format(
                wording.describe_or(what, pattern), _indented(text)))
        return found

    def no_match(self, regex: PatternLike, text: str, what: Optional[str] = None) -> None:
        """Require that regex matches nowhere in text.

        what says in words what must not be there ("no trace line").
        """
        pattern = _regex(regex)
        found = pattern.search(text)
        if found:
            raise TestFailure("expected {}, but found {!r} in this output:\n{}".format(
                wording.describe_or(what, pattern, negated=True), found.group(0),
                _indented(text)))

    def no_failure(self, text: str) -> None:
        """Require that no line of text says that something failed (FAILURE_LINE)."""
        for line in text.split("\n"):
            if FAILURE_LINE.search(line):
                raise TestFailure("the test program reported a failure: {}".format(
                    line.strip()), console=text)

    def token_line(self, prefix: str, text: str) -> None:
        """Require the line "PREFIX TOKEN", carrying this test's token, and no failure line.

        A failure line anywhere in text fails the test even when the success
        line is there too.
        """
        self.no_failure(text)
        wanted = "{} {}".format(prefix, self.token)
        lines = [line.strip() for line in text.split("\n")]
        if wanted in lines:
            return
        if any(line.startswith(prefix) for line in lines):
            raise TestFailure(
                "the line {!r} lacks this run's token: only a test program that read "
                "/{} (with gradetoken()) and printed it counts".format(prefix, TOKEN_FILE))
        raise TestFailure("the line {!r} (with this run's token) is missing from this "
                          "output:\n{}".format(prefix, _indented(text)))

    # ---- looking inside a stuck or panicked kernel ----

    def look_at_harts(self, only_panicked: bool = False) -> None:
        """Record where each hart is, before QEMU goes (once per test)."""
        with self._looked:
            if self.where or self.session is None or self.session.monitor_path is None:
                return
            self.where = where_harts_are(self.session.monitor_path,
                                         self.settings.symbolizer, only_panicked)

    def watchdog(self) -> None:
        """Called when the body overstays its time limit: stop it by closing QEMU."""
        self.killed_by_watchdog = True
        self.look_at_harts()
        if self.session is not None:
            self.session.close()


# ---- where the harts are ----

def where_harts_are(monitor_path: str, symbolizer: symbolize.Symbolizer,
                    only_panicked: bool = False) -> List[str]:
    """Lines that say where each hart is: function, file:line, and its callers.

    With only_panicked, only the harts inside panic() are shown (when any is).
    """
    try:
        with monitor.Monitor(monitor_path) as qmp:
            qmp.stop()
            ranges = symbolize.code_ranges(symbolizer.kernel)

            def is_code(address: int) -> bool:
                return any(start <= address < end for start, end in ranges)

            def same_function(a: int, b: int) -> bool:
                return _function(symbolizer, a) == _function(symbolizer, b)

            stacks = []
            for cpu in qmp.harts():
                regs = qmp.registers(cpu)
                interrupted = monitor.interrupted_pc(regs, same_function)
                if interrupted is not None:
                    regs["pc"] = interrupted
                frames = monitor.walk_stack(
                    regs, lambda address, satp=regs.get("satp", 0):
                    qmp.read_virtual(satp, address), is_code, same_function)
                stacks.append((cpu, regs, frames))
    except monitor.MonitorError as error:
        return ["(could not ask QEMU where the harts were: {})".format(error)]
    panicking = [s for s in stacks if _function(symbolizer, s[1].get("pc", 0)) == "panic"]
    if only_panicked and panicking:
        stacks, lines = panicking, ["the panicking hart:"]
    else:
        lines = ["where the harts were:"]
    for cpu, regs, frames in stacks:
        lines += _describe_hart(cpu, regs, frames, symbolizer)
    return lines


def _function(symbolizer: symbolize.Symbolizer, address: int) -> Optional[str]:
    """The (outermost, not inlined) function that holds a kernel address."""
    frames = symbolizer.symbolize(address).frames
    return frames[-1].function if frames else None


def _describe_hart(cpu: int, regs: dict, frames: List[int],
                   symbolizer: symbolize.Symbolizer) -> List[str]:
    pc = regs.get("pc", 0)
    if pc < symbolize.KERNEL_BASE:
        return ["  hart {}: in user space, pc=0x{:x}".format(cpu, pc)]
    here = symbolizer.symbolize(pc)
    lines = ["  hart {}: {}  pc=0x{:x}".format(cpu, here.describe(), pc)]
    callers = symbolizer.symbolize_many([(ra, None, True) for ra in frames])
    lines += ["          called from {}".format(c.describe()) for c in callers]
    return lines


# ---- running tests ----

def run_test(test: Test, settings: Settings) -> Result:
    """Run one test and turn whatever happened into a Result."""
    run = Run(test, settings)
    watchdog = threading.Timer(test.timeout + WATCHDOG_GRACE, run.watchdog)
    watchdog.daemon = True
    watchdog.start()
    status, reason, console = PASSED, "", ""
    try:
        test.body(run)
    except TestTimeout as error:
        run.look_at_harts()
        status, reason = TIMEOUT, "{}; QEMU was killed".format(error)
        console = error.output
    except qemu.KernelPanic as panic:
        run.look_at_harts(only_panicked=True)
        status, reason, console = FAILED, "the kernel panicked: " + panic.panic_line, panic.output
    except qemu.Timeout as error:
        run.look_at_harts()
        status, reason, console = TIMEOUT, "timed out: {}".format(error), error.output
    except qemu.QemuError as error:
        if settings.stopping.is_set():
            status, reason = TIMEOUT, "stopped: {}; QEMU was killed".format(
                settings.stopping.reason)
        elif run.killed_by_watchdog:
            status, reason = TIMEOUT, "the test overran its time limit of {:g} s; QEMU was " \
                "killed".format(test.timeout)
        else:
            status, reason = FAILED, str(error)
        console = error.output
    except TestFailure as failure:
        status, reason, console = FAILED, str(failure), failure.console
    except GradingInterrupted as interrupted:
        status, reason = ERROR, str(interrupted)
    except fsimage.FsImageError as error:
        status, reason = ERROR, "could not write the token into fs.img: {}".format(error)
    except Exception as error:  # a bug in the grader: show where
        status = ERROR
        reason = "the grader itself failed: {!r}\n{}".format(
            error, traceback.format_exc().rstrip())
    finally:
        watchdog.cancel()
        if run.session is not None:
            run.session.close()
    seconds = time.monotonic() - run.started
    details = list(run.where)
    console = settings.symbolizer.annotate(qemu.tail(console, CONSOLE_TAIL)) if console else ""
    result = Result(test.name, test.title, test.points, status, seconds, reason,
                    details, console, run.log_path)
    _append_to_log(result)
    return result


def _append_to_log(result: Result) -> None:
    """End the test's log with the verdict, so that the log alone tells the story."""
    lines = ["", "==== grader: {}: {} ====".format(result.name, report.LABELS[result.status])]
    lines += report.explanation(result._replace(log_path=None), 0)
    os.makedirs(os.path.dirname(result.log_path), exist_ok=True)
    with open(result.log_path, "a", encoding="utf-8", errors="replace") as log:
        log.write("\n".join(lines) + "\n")


def _usertests_failure(out: str) -> str:
    """The lines of usertests' output that say which tests failed, and why."""
    failures = [line.strip() for line in out.split("\n")
                if "FAIL" in line and not re.search(r"SOME TESTS FAILED|test\(s\) failed", line)]
    if failures:
        return "\n".join(failures[:6])
    return "it returned to the shell without printing ALL TESTS PASSED"


class Lab:
    """A lab's grader: its tests, and the program that runs them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tests: List[Test] = []
        _labs.append(self)

    def test(self, points: float, title: Optional[str] = None,
             timeout: float = DEFAULT_TIMEOUT, cpus: int = DEFAULT_CPUS,
             name: Optional[str] = None) -> Callable:
        """Decorator that declares a test; the function's name names it (and its log)."""
        def declare(body: Callable[[Run], None]) -> Callable[[Run], None]:
            self.add(Test(name or body.__name__, title or body.__name__, points,
                          timeout, cpus, body))
            return body
        return declare

    def add(self, test: Test) -> None:
        if any(t.name == test.name for t in self.tests):
            raise ValueError("lab {} has two tests named {}".format(self.name, test.name))
        if not re.match(r"^[A-Za-z0-9_.-]+$", test.name):
            raise ValueError("test name {!r} cannot name a log file".format(test.name))
        self.tests.append(test)

    def usertests(self, points: float, quick: bool = True, cpus: Optional[int] = None,
                  timeout: Optional[float] = None, name: Optional[str] = None) -> None:
        """Declare the regression test: usertests must print "ALL TESTS PASSED <token>"."""
        command = "usertests -q" if quick else "usertests"
        harts = cpus or DEFAULT_CPUS
        default_name = "usertests" + ("_quick" if quick else "") + \
            ("_cpus{}".format(cpus) if cpus else "")
        limit = timeout or (300 if quick else 600)

        def body(run: Run) -> None:
            run.boot(harts)
            out = run.shell(command)
            if "ALL TESTS PASSED" not in out:
                raise TestFailure("`{}` failed: {}".format(command, _usertests_failure(out)),
                                  console=out)
            run.token_line("ALL TESTS PASSED", out)

        # The same command on the same number of harts is the same test in
        # every lab, whatever its name or points there.
        self.add(Test(name or default_name, "{} (CPUS={})".format(command, harts),
                      points, limit, harts, body, shared="{} CPUS={}".format(command, harts)))

    def main(self, argv: Optional[Sequence[str]] = None) -> None:
        """Grade this lab with the options of python3 -m grade (see grade/cli.py).

        For a grader run as a module: python3 -m grade.grade_<lab> [options].
        """
        from . import cli  # the command line imports this module: import it late
        sys.exit(cli.main_for_lab(self, sys.argv[1:] if argv is None else argv))


# Every Lab created, so that the command line can find the one a grader made.
_labs: List[Lab] = []


def created_labs() -> List[Lab]:
    return list(_labs)


def select(tests: Sequence[Test], patterns: Sequence[str]) -> List[Test]:
    """The tests whose name matches any pattern (all of them without patterns)."""
    if not patterns:
        return list(tests)
    return [t for t in tests if any(re.search(p, t.name) for p in patterns)]


def run_all(tests: Sequence[Test], settings: Settings, jobs: int,
            on_result: Optional[Callable[[int, Result], None]] = None,
            time_limit: Optional[float] = None) -> List[Result]:
    """Run tests `jobs` at a time; return their results in the order of tests.

    on_result(index, result) is called as each test ends. Past time_limit
    seconds every QEMU is stopped: a test still running ends as a time-out,
    one not yet started as not run. Ctrl-C (or SIGTERM) stops everything
    and is raised again.
    """
    qemu.interrupt_on_termination()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    futures = [pool.submit(run_test, test, settings) for test in tests]
    index_of = {future: index for index, future in enumerate(futures)}
    results: List[Optional[Result]] = [None] * len(tests)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    pending = set(futures)
    try:
        while pending:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, pending = concurrent.futures.wait(
                pending, timeout=wait, return_when=concurrent.futures.FIRST_COMPLETED)
            if not done:
                _stop_all(settings, futures, "the time limit of the whole grading run "
                          "({:g} s) ran out".format(time_limit))
                deadline = None
                continue
            for future in done:
                index = index_of[future]
                if future.cancelled():
                    test = tests[index]
                    result = Result(test.name, test.title, test.points, ERROR, 0.0,
                                    "not run: " + settings.stopping.reason)
                else:
                    result = future.result()
                results[index] = result
                if on_result is not None:
                    on_result(index, result)
    except BaseException:
        _stop_all(settings, futures, "grading was interrupted")
        raise
    finally:
        pool.shutdown(wait=True)
    return [result for result in results if result is not None]


def _stop_all(settings: Settings, futures: Sequence["concurrent.futures.Future[Result]"],
              reason: str) -> None:
    """Start no more tests, and end the running ones by closing their QEMUs."""
    settings.stopping.stop(reason)
    for future in futures:
        future.cancel()
    qemu.close_all()
