"""The grader's command line: python3 -m grade [LAB ...] [options]
(python3 grade/grade.py, which the Makefile runs, is the same program).

    python3 -m grade                  the lab named in conf/lab
    python3 -m grade trace            one lab: grade/grade_trace.py
    python3 -m grade trace kpgtbl     several labs in one run of this tree

The kernel and fs image must be built already (`make grade` builds them
first). With several labs, a test that is the same in several of them (the
usertests on the same number of harts) runs once and counts for each, and
the report has a part per lab. Reports list the tests in the grader's order.

Whatever goes wrong, the --json/--junit files (and --json-dir/--junit-dir,
one results-<lab>.json / .xml per lab) are written: a failed build
(--build-status), a missing or broken grader, a crash or an interruption
scores zero and says why.

Exit status: 0 full marks, 1 less than full marks, 2 could not grade (a
lab scores zero), 3 not official (files not the student's to change were
changed; see grade/tamper.py), whatever the score.
"""

import argparse
import importlib
import os
import re
import sys
import time
import traceback
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from . import gradelib, qemu, qemu_version, report, symbolize, tamper
from .gradelib import Lab, Settings, Stopping, Test
from .report import LabReport, Listed, Result

ROOT = gradelib.ROOT
CONF_LAB = os.path.join(ROOT, "conf", "lab")
LOG_DIR = os.path.join(ROOT, "grade-logs")
# What the Makefile builds that the grader boots, as the user may name it.
MAKE_TARGETS = ("kernel/kernel", "fs.img", "fs-pristine.img")
LAB_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

EXIT_FULL, EXIT_SHORT, EXIT_BROKEN, EXIT_UNOFFICIAL = 0, 1, 2, 3


class NotGraded(Exception):
    """The run cannot grade (nothing to boot, a failed build); the message says why."""


# ---- options ----

def add_options(parser: argparse.ArgumentParser) -> None:
    """Every option but the labs: what to run, where results go, what to boot."""
    parser.add_argument("-j", dest="jobs", type=int, default=os.cpu_count() or 1,
                        metavar="N", help="run N tests at a time (default: number of cores)")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        metavar="PATTERN",
                        help="run only tests whose name matches regex PATTERN (repeatable)")
    parser.add_argument("--json", metavar="FILE", help="write Gradescope's results.json here")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML here")
    parser.add_argument("--json-dir", metavar="DIR",
                        help="write DIR/results-<lab>.json for every lab graded")
    parser.add_argument("--junit-dir", metavar="DIR",
                        help="write DIR/results-<lab>.xml for every lab graded")
    parser.add_argument("--logs", metavar="DIR", default=LOG_DIR,
                        help="folder of the per-test console logs (default: grade-logs/)")
    parser.add_argument("--time-limit", type=float, metavar="SECONDS",
                        help="stop the whole run after this long: tests still running "
                             "time out, tests not started score zero")
    parser.add_argument("--build-status", type=int, default=0, metavar="STATUS",
                        help="make's exit status; not 0 means the build failed, and the "
                             "run only writes its results (zero, and why)")
    qemu.add_boot_options(parser, ROOT)
    parser.add_argument("--list", action="store_true", help="list the tests and exit")


def parser_for(labs_argument: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m grade",
        description="Grade Kiln labs: boot the kernel in QEMU and run each lab's tests.")
    if labs_argument:
        parser.add_argument("labs", nargs="*", metavar="LAB",
                            help="the labs to grade (default: the one in conf/lab)")
    add_options(parser)
    return parser


# ---- finding the graders ----

def lab_from_conf() -> Optional[str]:
    """The lab named in conf/lab, or None outside a student tree."""
    try:
        with open(CONF_LAB) as conf:
            return conf.read().strip() or None
    except FileNotFoundError:
        return None


def known_labs() -> str:
    names = sorted(name[len("grade_"):-len(".py")] for name in os.listdir(gradelib.GRADE_DIR)
                   if name.startswith("grade_") and name.endswith(".py"))
    return ", ".join(names) or "none"


def load_lab(name: str) -> Lab:
    """Import grade/grade_<name>.py and return the Lab it declares.

    A grader may import the library as `from grade.gradelib import Lab`
    or, as graders written before the package did, `from gradelib import Lab`.
    """
    path = os.path.join(gradelib.GRADE_DIR, "grade_{}.py".format(name))
    if not LAB_NAME.match(name) or not os.path.isfile(path):
        raise NotGraded("There is no grader for lab '{}' ({} does not exist). Graders: {}."
                        .format(name, report.show_path(path), known_labs()))
    sys.modules.setdefault("gradelib", gradelib)
    try:
        importlib.import_module("{}.grade_{}".format(__package__, name))
    except Exception as error:
        raise NotGraded("The grader of lab {} could not be loaded: {!r}\n{}".format(
            name, error, traceback.format_exc().rstrip())) from None
    labs = [lab for lab in gradelib.created_labs() if lab.name == name]
    if len(labs) != 1:
        raise NotGraded("{} must create exactly one Lab(\"{}\")".format(
            report.show_path(path), name))
    return labs[0]


def listed(tests: Sequence[Test]) -> List[Listed]:
    return [Listed(t.name, t.title, t.points) for t in tests]


# ---- where results go ----

def result_paths(options: argparse.Namespace, lab: str) -> Tuple[Optional[str], Optional[str]]:
    """The JSON and JUnit files of one lab, as the options name them."""
    json_path, junit_path = options.json, options.junit
    if options.json_dir:
        json_path = os.path.join(options.json_dir, "results-{}.json".format(lab))
    if options.junit_dir:
        junit_path = os.path.join(options.junit_dir, "results-{}.xml".format(lab))
    return json_path, junit_path


def write_crash(options: argparse.Namespace, lab: str, reason: str,
                tests: Sequence[Test] = ()) -> None:
    """Write a lab's result files for a run that could not grade it."""
    json_path, junit_path = result_paths(options, lab)
    report.write_files(json_path, junit_path, report.crash_report(lab, reason, listed(tests)))


# ---- the program ----

def main(argv: Sequence[str]) -> int:
    """python3 -m grade: parse the command line, grade, return the exit status."""
    parser = parser_for(labs_argument=True)
    options = parser.parse_args(argv)
    names = options.labs or [lab_from_conf() or ""]
    if len(names) > 1 and (options.json or options.junit):
        parser.error("--json and --junit name one file: with several labs, use "
                     "--json-dir and --junit-dir")
    labs, broken = [], False
    for name in names:
        try:
            if not name:
                raise NotGraded("Which lab? This tree has no conf/lab; name one, e.g. `make "
                                "grade LAB=trace` (graders: {}).".format(known_labs()))
            labs.append(load_lab(name))
        except NotGraded as trouble:
            write_crash(options, name or "unknown", str(trouble))
            print(trouble, file=sys.stderr)
            broken = True
    status = grade_labs(labs, options) if labs else EXIT_BROKEN
    return EXIT_BROKEN if broken else status


def main_for_lab(lab: Lab, argv: Sequence[str]) -> int:
    """The command line of one grader run as a program (Lab.main)."""
    return grade_labs([lab], parser_for(labs_argument=False).parse_args(argv))


def grade_labs(labs: Sequence[Lab], options: argparse.Namespace) -> int:
    """Run the labs' tests as the options say; print the reports; return the exit status."""
    started = time.monotonic()
    plans = [(lab, gradelib.select(lab.tests, options.patterns)) for lab in labs]
    try:
        if options.list:
            print_listing(labs)
            return EXIT_FULL
        if not any(tests for _, tests in plans):
            raise NotGraded("No test of lab {} matches {}. The tests are: {}".format(
                ", ".join(lab.name for lab in labs), " or ".join(options.patterns),
                ", ".join(t.name for lab in labs for t in lab.tests)))
        if options.build_status:
            raise NotGraded("The build failed (make exited with status {}), so no test "
                            "could run; `make` shows why.".format(options.build_status))
        tampered = tamper.check(ROOT)
        settings = boot_settings(options)
        return run_and_report(plans, settings, options, tampered, started)
    except KeyboardInterrupt:
        reason = "Grading was interrupted (Ctrl-C or a time limit); every QEMU it started " \
            "has been stopped, and the score is 0."
        crash_all(plans, options, reason)
        print("\n" + reason, file=sys.stderr)
        return 130
    except NotGraded as trouble:
        crash_all(plans, options, str(trouble))
        print(trouble, file=sys.stderr)
        return EXIT_BROKEN
    except Exception as error:
        reason = "The grader crashed: {!r}\n{}".format(error, traceback.format_exc())
        crash_all(plans, options, reason)
        print(reason, file=sys.stderr)
        return EXIT_BROKEN


def crash_all(plans: Sequence[Tuple[Lab, List[Test]]], options: argparse.Namespace,
              reason: str) -> None:
    for lab, tests in plans:
        write_crash(options, lab.name, reason, tests)


def print_listing(labs: Sequence[Lab]) -> None:
    for lab in labs:
        if len(labs) > 1:
            print(report.lab_header(lab.name))
        for test in lab.tests:
            print("{:28} {:>4} pts {:>5g} s  {}".format(
                test.name, report.number(test.points), test.timeout, test.title))


def boot_settings(options: argparse.Namespace) -> Settings:
    """Check that everything a test needs is there, and bundle it."""
    for path, what in ((options.kernel, "kernel"), (options.fs, "file system image")):
        if not os.path.isfile(path):
            shown = report.show_path(path)
            command = "make " + shown if shown in MAKE_TARGETS else "make"
            raise NotGraded("The {} {} does not exist; build it with `{}` (or grade "
                            "with `make grade`).".format(what, shown, command))
    if isinstance(options.qemu, str):
        trouble = qemu_version.problem(options.qemu)
        if trouble:
            raise NotGraded(trouble)
    user_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(options.kernel))),
                            "user")
    return Settings(options.kernel, options.fs, options.logs, options.qemu,
                    symbolize.Symbolizer(options.kernel, user_dir), Stopping())


# ---- one run for several labs ----

class Schedule(NamedTuple):
    """What runs (each test once), and where each lab's tests are in it."""
    tests: List[Test]
    places: List[List[int]]  # places[lab][k]: index in tests of the lab's k-th test


def schedule(plans: Sequence[Tuple[Lab, List[Test]]]) -> Schedule:
    """The tests to run for these labs, in their order, each shared test once.

    With several labs, a lab's own tests log to <logs>/<lab>/<test>.log and
    a shared one to <logs>/<test>.log; it runs with the longest time limit
    any lab gives it.
    """
    several = len(plans) > 1
    tests: List[Test] = []
    places: List[List[int]] = []
    earlier: Dict[str, int] = {}  # shared key -> place, from the labs before
    for lab, lab_tests in plans:
        mine, keys = [], {}
        for test in lab_tests:
            place = earlier.get(test.shared) if test.shared else None
            if place is not None:
                tests[place] = tests[place]._replace(
                    timeout=max(tests[place].timeout, test.timeout))
            else:
                place = len(tests)
                own_log = several and not test.shared
                tests.append(test._replace(name=lab.name + "/" + test.name)
                             if own_log else test)
                if test.shared:
                    keys[test.shared] = place
            mine.append(place)
        places.append(mine)
        for key, place in keys.items():
            earlier.setdefault(key, place)
    return Schedule(tests, places)


class OrderedPrinter:
    """Prints each lab's part of the report in the grader's order, as results come."""

    def __init__(self, plans: Sequence[Tuple[Lab, List[Test]]], plan: Schedule,
                 reports: List[LabReport]) -> None:
        self.sequence = [(number, k) for number, (_, tests) in enumerate(plans)
                         for k in range(len(tests))]
        self.plans, self.plan, self.reports = plans, plan, reports
        self.results: Dict[int, Result] = {}
        self.printed = 0

    def add(self, place: int, result: Result) -> None:
        self.results[place] = result
        while self.printed < len(self.sequence):
            number, k = self.sequence[self.printed]
            place = self.plan.places[number][k]
            if place not in self.results:
                return
            lab, tests = self.plans[number]
            if k == 0 and len(self.plans) > 1:
                print(report.lab_header(lab.name), flush=True)
            print(report.format_result(as_lab_result(tests[k], self.results[place])),
                  flush=True)
            if k == len(tests) - 1:
                print(report.summary(self.reports[number]._replace(
                    results=lab_results(tests, self.plan.places[number], self.results))),
                    flush=True)
            self.printed += 1


def as_lab_result(test: Test, result: Result) -> Result:
    """A result as the lab that declared test sees it: its name, title and points."""
    return result._replace(name=test.name, title=test.title, points=test.points)


def lab_results(tests: Sequence[Test], places: Sequence[int],
                results: Dict[int, Result]) -> List[Result]:
    return [as_lab_result(test, results[place]) for test, place in zip(tests, places)]


def run_and_report(plans: Sequence[Tuple[Lab, List[Test]]], settings: Settings,
                   options: argparse.Namespace, tampered: List[tamper.Tampered],
                   started: float) -> int:
    """Run the scheduled tests, print the reports, write the files; the exit status."""
    plan = schedule(plans)
    jobs = max(1, min(options.jobs, len(plan.tests)))
    selected = sum(len(tests) for _, tests in plans)
    skipped = sum(len(lab.tests) for lab, _ in plans) - selected
    reports = [LabReport(lab.name, [], 0.0, listed([t for t in lab.tests if t not in tests]),
                         tampered) for lab, tests in plans]
    warning = tamper.warning(tampered)
    if warning:
        print(warning + "\n", flush=True)
    print(report.header([lab.name for lab, _ in plans], selected, jobs, options.logs,
                        skipped, len(plan.tests)), flush=True)
    printer = OrderedPrinter(plans, plan, reports)
    results = gradelib.run_all(plan.tests, settings, jobs, printer.add, options.time_limit)
    by_place = dict(enumerate(results))
    seconds = time.monotonic() - started
    statuses = []
    for (lab, tests), places, lab_report in zip(plans, plan.places, reports):
        lab_report = lab_report._replace(results=lab_results(tests, places, by_place),
                                         seconds=seconds)
        json_path, junit_path = result_paths(options, lab.name)
        report.write_files(json_path, junit_path, lab_report)
        statuses.append(EXIT_UNOFFICIAL if not lab_report.official else
                        EXIT_FULL if report.full_marks(lab_report.results) else EXIT_SHORT)
    return max(statuses)
