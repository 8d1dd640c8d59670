"""Official grading of one submission, as every official path runs it
(Gradescope's run_autograder, `make grade-class`):

    cd STARTER && python3 -m grade.autograder --submission PATH --results FILE
        [--report FILE] [--work DIR] [--time-limit SECONDS] [-j N]

STARTER is a pristine starter tree of the lab, projected by the stage tool
(so it records conf/student-files); this package is its grade/. The steps:

1. assemble (grade/submission.py): a copy of the starter with the
   submission's student files in it, and nothing else of the submission;
2. build it: `make all fs-pristine.img`, within a time limit (the Makefile,
   and so every recipe the host runs while building, is the starter's);
3. grade its kernel and disk with the starter's own graders, from STARTER:
   python3 -m grade LAB --kernel ... --fs ...;
4. write the results in Gradescope's format, and a text report.

A student's C never runs on the host, with one exception: mkfs, a host
program, is compiled with kernel/fs.h, param.h, types.h and stat.h, which
a lab may hand to students. So when this runs as root and the account
KILN_BUILD_USER (default kiln-build; Gradescope's setup.sh makes it)
exists, the build runs as that account, in a tree it owns, and every
process it leaves is killed before grading; it can write neither the
starter, nor the results, nor the grader that reads its build.

Whatever happens (no tree in the submission, a failed or endless build, a
grader that crashes or runs out of time, a bug here) the results file is
written: every test scores zero and the report says why. The whole run
keeps to --time-limit, so that it ends before the platform's own limit.
"""

import argparse
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from typing import Callable, Dict, List, Optional, Tuple

from . import cli, gradelib, report
from .report import Listed
from .submission import Assembly, assemble

STARTER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TIME_LIMIT = 540.0     # Gradescope stops an autograder after 10 minutes
BUILD_LIMIT = 600.0
# Time kept back from the grading for what comes after it: collecting results.
MARGIN = 20.0
# How long the grader may overrun its own time limit before it is killed
# (within MARGIN, so that the whole run still keeps to its time limit).
KILL_GRACE = 15.0
BUILD_TAIL = 30                # lines of a failed build's output in the report
# make variables from a calling make (make grade-class) must not reach the build.
MAKE_ENVIRONMENT = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "GRADEFLAGS")
BUILD_USER = os.environ.get("KILN_BUILD_USER", "kiln-build")


class Outcome:
    """What the run has found so far; it always becomes a results file."""

    def __init__(self, lab: str, tests: List[Listed]) -> None:
        self.lab = lab
        self.tests = tests
        self.assembly: Optional[Assembly] = None
        self.sections: List[str] = []  # the text report, part by part

    def notes(self) -> str:
        return self.assembly.describe() if self.assembly else ""

    def failed(self, reason: str, seconds: float) -> dict:
        """results.json for a run that stopped at reason: every test zero."""
        crash = report.crash_report(self.lab, reason, self.tests, seconds)
        parts = [self.notes()] + ([reason] if reason != self.notes() else [])
        crash = crash._replace(notes="\n\n".join(part for part in parts if part))
        if reason != self.notes():
            self.sections.append(reason)
        results = with_test_names(report.gradescope(crash), self.tests)
        results["extra_data"]["problem"] = reason.split("\n")[0]
        return results


def with_test_names(results: dict, tests: List[Listed]) -> dict:
    """results.json with each test's short name in its extra_data (for CSVs)."""
    by_title = {test.title: test.name for test in tests}
    for entry in results.get("tests", []):
        name = by_title.get(entry.get("name"))
        if name:
            entry.setdefault("extra_data", {})["test"] = name
    return results


# ---- the steps ----

def build_account() -> Optional[pwd.struct_passwd]:
    """The account to build as: BUILD_USER, when this runs as root and it exists."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(BUILD_USER)
    except KeyError:
        return None


def hand_over(tree: str, account: pwd.struct_passwd) -> None:
    """Give the tree to the account, and let it through the work folder to it.

    (The folders above the work folder must let it through already, as
    /tmp does.)
    """
    for top, dirs, files in os.walk(tree):
        for name in [top] + [os.path.join(top, entry) for entry in dirs + files]:
            os.lchown(name, account.pw_uid, account.pw_gid)
    work = os.path.dirname(os.path.abspath(tree))
    os.chmod(work, os.stat(work).st_mode | 0o001)


def becoming(account: pwd.struct_passwd) -> Callable[[], None]:
    """What a child runs before make, to be the account and nothing more."""
    def become() -> None:
        os.setgroups([])
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)
    return become


def processes_of(uid: int) -> List[int]:
    """The live processes (not zombies) that the account runs."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/{}/stat".format(entry)) as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
            if os.stat("/proc/" + entry).st_uid == uid and state != "Z":
                found.append(int(entry))
        except (OSError, IndexError):
            continue
    return found


def kill_processes_of(uid: int) -> None:
    """Kill every process the account still runs (a build's leftovers)."""
    for _ in range(50):
        found = processes_of(uid)
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.1)


def build(tree: str, jobs: int, limit: float) -> Tuple[bool, str]:
    """make all fs-pristine.img in tree; (success, the output or why it stopped)."""
    environment = {k: v for k, v in os.environ.items() if k not in MAKE_ENVIRONMENT}
    command = ["make", "-j{}".format(jobs), "all", "fs-pristine.img"]
    account = build_account()
    if account is not None:
        hand_over(tree, account)
        environment["HOME"] = tree
    try:
        finished, status, output = run_limited(
            command, tree, environment, limit,
            becoming(account) if account is not None else None)
    finally:
        if account is not None:
            kill_processes_of(account.pw_uid)
    if not finished:
        return False, "The build did not finish within {:g} s, so it was stopped.\n{}".format(
            limit, tail(output))
    if status != 0:
        return False, "The build failed (make exited with status {}). The last lines " \
            "of its output:\n{}".format(status, tail(output))
    return True, output


def run_limited(command: List[str], cwd: str, environment: Dict[str, str], limit: float,
                before: Optional[Callable[[], None]] = None) -> Tuple[bool, int, str]:
    """Run command in a session of its own; kill all of it after limit seconds.

    before, if given, runs in the child first. Returns (finished in time,
    exit status, output).
    """
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, preexec_fn=before)
    try:
        output, _ = process.communicate(timeout=max(1.0, limit))
        return True, process.returncode, output.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        _kill_session(process)
        return False, -1, _rest_of_output(process)
    except BaseException:
        _kill_session(process)
        raise


def _rest_of_output(process: "subprocess.Popen[bytes]") -> str:
    """What a killed process printed; nothing, if something it started holds the pipe."""
    try:
        output, _ = process.communicate(timeout=5)
        return output.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        process.stdout.close()
        process.wait()
        return "(its output could not be read: something it started still holds it)"


def _kill_session(process: "subprocess.Popen[bytes]") -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def tail(text: str, lines: int = BUILD_TAIL) -> str:
    shown = text.rstrip("\n").split("\n")[-lines:]
    return "\n".join("    " + line for line in shown) if text.strip() else "    (no output)"


def grade(tree: str, lab: str, work: str, jobs: int, limit: float,
          patterns: List[str]) -> Tuple[Optional[dict], str]:
    """Grade the tree's build with the starter's grader; (its results.json, or
    None, and its report)."""
    results = os.path.join(work, "grade.json")
    if os.path.exists(results):
        os.remove(results)  # an earlier run's must not pass for this one's
    command = [sys.executable, "-m", "grade", lab,
               "--kernel", os.path.join(tree, "kernel", "kernel"),
               "--fs", os.path.join(tree, "fs-pristine.img"),
               "--json", results, "--logs", os.path.join(work, "logs"),
               "-j", str(jobs), "--time-limit", "{:g}".format(limit)]
    for pattern in patterns:
        command += ["-k", pattern]
    finished, status, output = run_limited(command, STARTER, dict(os.environ),
                                           limit + KILL_GRACE)
    if not finished:
        output += "\nThe grader overran its time limit and was stopped."
    try:
        with open(results, encoding="utf-8") as f:
            return json.load(f), output
    except (OSError, ValueError):
        return None, output


# ---- the run ----

def run(options: argparse.Namespace) -> Tuple[dict, str]:
    """Grade the submission; return (results.json as a dict, the text report)."""
    started = time.monotonic()
    lab = read_lab(STARTER)
    tests = gradelib.select(cli.load_lab(lab).tests, options.patterns)
    outcome = Outcome(lab, cli.listed(tests))
    work = options.work or tempfile.mkdtemp(prefix="kiln-autograder-")
    tree = os.path.join(work, "tree")
    if os.path.lexists(tree):
        shutil.rmtree(tree)
    try:
        results = grade_submission(options, outcome, tree, work, started)
    finally:
        if not options.keep_tree:
            shutil.rmtree(tree, ignore_errors=True)
    results["execution_time"] = round(time.monotonic() - started, 1)
    text = "\n\n".join(part for part in [outcome.notes()] + outcome.sections if part)
    return results, text


def grade_submission(options: argparse.Namespace, outcome: Outcome, tree: str, work: str,
                     started: float) -> dict:
    """Steps 1 to 3; results.json as a dict, whatever happened."""
    def remaining() -> float:
        return options.time_limit - (time.monotonic() - started)

    outcome.assembly = assemble(STARTER, options.submission, tree)
    if outcome.assembly.problem:
        return outcome.failed(outcome.assembly.problem, time.monotonic() - started)
    built, output = build(tree, options.jobs, min(BUILD_LIMIT, remaining() - MARGIN))
    if not built:
        return outcome.failed(output, time.monotonic() - started)
    results, text = grade(tree, outcome.lab, work, options.jobs, remaining() - MARGIN,
                          options.patterns)
    outcome.sections.append(text.rstrip("\n"))
    if results is None:
        return outcome.failed("The grader wrote no results. Its last lines:\n" + tail(text),
                              time.monotonic() - started)
    notes = outcome.notes()
    results["output"] = notes + "\n\n" + results.get("output", "") if notes else \
        results.get("output", "")
    results.setdefault("extra_data", {})["submission"] = {
        "copied": outcome.assembly.copied, "missing": outcome.assembly.missing,
        "ignored": outcome.assembly.ignored}
    return with_test_names(results, outcome.tests)


def read_lab(starter: str) -> str:
    with open(os.path.join(starter, "conf", "lab"), encoding="utf-8") as f:
        return f.read().strip()


def last_resort(reason: str) -> dict:
    """results.json when even the lab's tests cannot be listed."""
    lab = "unknown"
    try:
        lab = read_lab(STARTER)
    except OSError:
        pass
    results = report.gradescope(report.crash_report(lab, reason))
    results["extra_data"]["problem"] = reason.split("\n")[0]
    return results


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m grade.autograder",
        description="Grade one submission officially: its student files in this "
                    "pristine starter, built and graded; the results are always written.")
    parser.add_argument("--submission", required=True,
                        help="the submission: a folder, a git repository or a zip file")
    parser.add_argument("--results", required=True, help="where results.json goes")
    parser.add_argument("--report", help="where the text report goes")
    parser.add_argument("--work", help="a folder for the build and the logs "
                                       "(default: a new temporary folder)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                        metavar="SECONDS", help="for the whole run (default: %(default)g)")
    parser.add_argument("-j", dest="jobs", type=int, default=os.cpu_count() or 1,
                        metavar="N", help="build with N jobs and run N tests at a time")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        metavar="PATTERN", help="grade only matching tests (to try the "
                        "autograder itself out; an official run grades every test)")
    parser.add_argument("--keep-tree", action="store_true",
                        help="keep the assembled tree in the work folder")
    options = parser.parse_args(argv)
    try:
        results, text = run(options)
    except BaseException as error:  # anything at all: the results must be written
        reason = "The autograder itself failed: {!r}\n{}".format(error, traceback.format_exc())
        results, text = last_resort(reason), reason
    report.write_text(options.results, json.dumps(results, indent=2))
    if options.report:
        report.write_text(options.report, text)
    print(text)
    print("Score: {}/{}".format(report.number(results.get("score", 0)),
                                report.number(report.max_score(results))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
