"""The three forms of a grading report: text for people, JSON for Gradescope,
JUnit XML for CI services.

A Result holds everything known about one test, and a LabReport everything
about one lab's run: its results in the grader's order, the tests that -k
left out, and the protected files that differ from the tree as it was
handed out (which make the run not official). The writers below only
format. The text report prints one line per test, in the grader's order,
then the score and the closing line "N passed, N failed":

    usertests -q (CPUS=3) ............................ OK     10/10  (52.1 s)
    trace read calls of grep ......................... FAIL    0/10  (4.2 s)
        expected a line "N: syscall read -> N" (N stands for a number) in ...
        log: grade-logs/trace_read.log
        ...

Gradescope reads results.json: {"score", "output", "execution_time",
"extra_data", "tests": [{"name", "score", "max_score", "status", "output"}]},
status being "passed" or "failed"; the maximum score is the tests' sum (and
extra_data's max_score, for other readers). A run that could
not grade at all (a failed build, a missing or broken grader) is written by
the same writers: every test it should have run fails with the reason, or,
when not even the tests are known, one test named "grading" does.
"""

import json
import os
import re
import xml.etree.ElementTree as ElementTree
from typing import Iterable, List, NamedTuple, Optional, Sequence

from .tamper import Tampered, warning

PASSED, FAILED, TIMEOUT, ERROR = "passed", "failed", "timeout", "error"
LABELS = {PASSED: "OK", FAILED: "FAIL", TIMEOUT: "TIMEOUT", ERROR: "ERROR"}
LINE_WIDTH = 58
# A kernel may print any byte; XML 1.0 has no way to write these.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
INDENT = "    "
# The name of the one test of a run that could not even list its tests.
GRADING = "grading"


class Result(NamedTuple):
    """How one test went.

    status is PASSED, FAILED (the kernel misbehaved or panicked), TIMEOUT
    (killed at its time limit; always zero points) or ERROR (the grader
    itself broke, or the test could not run). details are extra lines under
    the reason (where the harts were, the panic's backtrace); console is
    the end of the console output, symbolized.
    """
    name: str
    title: str
    points: float
    status: str
    seconds: float
    reason: str = ""
    details: Sequence[str] = ()
    console: str = ""
    log_path: Optional[str] = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def score(self) -> float:
        return self.points if self.passed else 0


class Listed(NamedTuple):
    """A test as its grader declares it, whether or not it ran."""
    name: str
    title: str
    points: float


class LabReport(NamedTuple):
    """One lab's run: what every writer needs."""
    lab: str
    results: Sequence[Result]
    seconds: float = 0.0
    skipped: Sequence[Listed] = ()      # left out with -k
    tampered: Sequence[Tampered] = ()   # protected files not as handed out
    notes: str = ""                     # more for the top of the report

    @property
    def official(self) -> bool:
        """Whether the score can stand: all tests ran on the tree as handed out."""
        return not self.tampered

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.points for r in self.results)


def number(value: float) -> str:
    """Points as people write them: 10, not 10.0; 2.5 stays 2.5."""
    return "{:g}".format(value)


def show_path(path: str) -> str:
    """A path relative to the working directory when it lies beneath it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def not_run(tests: Iterable[Listed], reason: str) -> List[Result]:
    """Results for tests that could not run, each failing with the reason."""
    return [Result(t.name, t.title, t.points, ERROR, 0.0, "not run: " + reason)
            for t in tests]


def crash_report(lab: str, reason: str, tests: Sequence[Listed] = (),
                 seconds: float = 0.0) -> LabReport:
    """The report of a run that could not grade: zero, and why.

    With the lab's tests known, each fails with the reason (so the maximum
    score is still right); without, a single test named "grading" does.
    """
    if tests:
        return LabReport(lab, not_run(tests, reason), seconds, notes=reason)
    return LabReport(lab, [Result(GRADING, "grading lab " + lab, 0, ERROR, 0.0, reason)],
                     seconds, notes=reason)


# ---- text ----

def header(labs: Sequence[str], tests: int, jobs: int, log_dir: str, skipped: int = 0,
           runs: Optional[int] = None) -> str:
    """The line that opens a run: labs, number of tests, parallelism, logs.

    runs, when fewer than tests, is how many run: a test that is the same in
    several labs runs once for all of them.
    """
    what = "{} test{}".format(tests, "" if tests == 1 else "s")
    if skipped:
        what = "{} of {} tests (-k skips {})".format(tests, tests + skipped, skipped)
    if runs is not None and runs < tests:
        what += " in {} runs (a test the same in several labs runs once)".format(runs)
    return "== Grading lab{} {}: {}, {} at a time; logs in {}/ ==".format(
        "s" if len(labs) > 1 else "", ", ".join(labs), what, jobs, show_path(log_dir))


def lab_header(lab: str) -> str:
    """The line that opens one lab's part of a run of several labs."""
    return "== Lab {} ==".format(lab)


def result_line(result: Result) -> str:
    label = "{} ".format(result.title).ljust(LINE_WIDTH, ".")
    return "{} {:7} {:>3}/{:<3} ({:.1f} s)".format(
        label, LABELS[result.status], number(result.score), number(result.points),
        result.seconds)


def explanation(result: Result, console_lines: int = 25) -> List[str]:
    """The lines under a failed test's line: reason, details, log, console."""
    if result.passed:
        return []
    lines = [INDENT + line for line in result.reason.split("\n")]
    lines += [INDENT + line for line in result.details]
    if result.log_path:
        lines.append(INDENT + "log: " + show_path(result.log_path))
    if console_lines > 0 and result.console.strip():
        tail = result.console.rstrip("\n").split("\n")[-console_lines:]
        lines.append(INDENT + "last lines of the console:")
        lines += [INDENT + "| " + line for line in tail]
    return lines


def format_result(result: Result) -> str:
    return "\n".join([result_line(result)] + explanation(result))


def preamble(report: LabReport) -> str:
    """What opens a lab's report: why it is not official, and any notes."""
    return "\n\n".join(part for part in (warning(report.tampered), report.notes) if part)


def summary(report: LabReport) -> str:
    """The score, what -k left out, whether it is official, and the closing line."""
    passed = sum(1 for r in report.results if r.passed)
    score = "Score: {}/{}".format(number(report.score), number(report.max_score))
    if report.skipped:
        score += " (-k skipped {} test{} worth {} points)".format(
            len(report.skipped), "" if len(report.skipped) == 1 else "s",
            number(sum(t.points for t in report.skipped)))
    if not report.official:
        score += "; NOT OFFICIAL: files not yours to change were changed (see the top)"
    return "{}\n{} passed, {} failed".format(score, passed, len(report.results) - passed)


def full_marks(results: Sequence[Result]) -> bool:
    return all(r.passed for r in results)


# ---- Gradescope ----

def gradescope(report: LabReport) -> dict:
    """Gradescope's results.json as a dict."""
    output = "\n\n".join(part for part in (preamble(report), summary(report)) if part)
    return {
        "score": report.score,
        "execution_time": round(report.seconds, 1),
        "output": "Lab {}\n{}".format(report.lab, output),
        "extra_data": {
            "lab": report.lab,
            "max_score": report.max_score,
            "official": report.official,
            "changed_files": ["{} ({})".format(t.path, t.problem) for t in report.tampered],
            "skipped_tests": [t.name for t in report.skipped],
        },
        "tests": [{
            "name": r.title,
            "score": r.score,
            "max_score": r.points,
            "status": "passed" if r.passed else "failed",
            "output": _test_output(r),
        } for r in report.results],
    }


def _test_output(result: Result) -> str:
    lines = ["{} in {:.1f} s".format(LABELS[result.status], result.seconds)]
    lines += [line[len(INDENT):] for line in explanation(result, console_lines=60)]
    return "\n".join(lines)


def max_score(results: dict) -> float:
    """The most a results.json could have scored: its tests' maximums."""
    return sum(test.get("max_score", 0) for test in results.get("tests", []))


# ---- JUnit ----

def junit(report: LabReport) -> str:
    """JUnit XML: one testsuite for the lab, a testcase per test.

    Tests skipped with -k are testcases marked skipped. A run that is not
    official has one more testcase, "official", that fails and names the
    changed files, so that CI shows it as failed whatever the score.
    """
    results, lab = report.results, report.lab
    failures = sum(1 for r in results if r.status in (FAILED, TIMEOUT))
    failures += 0 if report.official else 1
    errors = sum(1 for r in results if r.status == ERROR)
    count = len(results) + len(report.skipped) + (0 if report.official else 1)
    seconds = "{:.1f}".format(report.seconds)
    suites = ElementTree.Element("testsuites", name="kiln", tests=str(count),
                                 failures=str(failures), errors=str(errors), time=seconds)
    suite = ElementTree.SubElement(
        suites, "testsuite", name="lab " + lab, tests=str(count), failures=str(failures),
        errors=str(errors), skipped=str(len(report.skipped)), time=seconds)
    properties = ElementTree.SubElement(suite, "properties")
    for key, value in (("score", number(report.score)),
                       ("max_score", number(report.max_score)),
                       ("official", "true" if report.official else "false")):
        ElementTree.SubElement(properties, "property", name=key, value=value)
    if not report.official:
        case = ElementTree.SubElement(suite, "testcase", classname="kiln." + lab,
                                      name="official", time="0.0")
        text = warning(report.tampered)
        failure = ElementTree.SubElement(case, "failure", type="not-official",
                                         message=text.split("\n")[0])
        failure.text = _xml_safe(text)
    for result in results:
        case = ElementTree.SubElement(suite, "testcase", classname="kiln." + lab,
                                      name=result.name, time="{:.1f}".format(result.seconds))
        if not result.passed:
            kind = "error" if result.status == ERROR else "failure"
            failure = ElementTree.SubElement(case, kind, type=result.status,
                                             message=_xml_safe(result.reason.split("\n")[0]))
            failure.text = _xml_safe("\n".join(line[len(INDENT):]
                                                for line in explanation(result, 0)))
        if result.console:
            ElementTree.SubElement(case, "system-out").text = _xml_safe(result.console)
    for test in report.skipped:
        case = ElementTree.SubElement(suite, "testcase", classname="kiln." + lab,
                                      name=test.name, time="0.0")
        ElementTree.SubElement(case, "skipped", message="skipped with -k")
    return _xml_text(suites)


def _xml_safe(text: str) -> str:
    """text without the control characters that XML 1.0 cannot hold at all."""
    return INVALID_XML.sub("\ufffd", text)


def _xml_text(root: ElementTree.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + \
        ElementTree.tostring(root, encoding="unicode") + "\n"


# ---- files ----

def write_files(json_path: Optional[str], junit_path: Optional[str],
                report: LabReport) -> None:
    """Write results.json and the JUnit file, each if a path is given."""
    if json_path:
        write_text(json_path, json.dumps(gradescope(report), indent=2))
    if junit_path:
        write_text(junit_path, junit(report))


def write_text(path: str, text: str) -> None:
    """Write text to path (creating its folder), ending it with a newline."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text + ("" if text.endswith("\n") else "\n"))
