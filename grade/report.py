"""The three forms of a grading report: text for people, JSON for Gradescope,
JUnit XML for CI services.

A Result holds everything known about one test; the writers below only
format. The text report prints one line per test as the test ends, then the
score and the closing line "N passed, N failed":

    usertests -q (CPUS=3) ............................ OK     10/10  (52.1 s)
    trace read calls of grep ......................... FAIL    0/10  (4.2 s)
        no line matches /^\\d+: syscall read -> \\d+$/
        log: grade-logs/trace_read.log
        ...

Gradescope reads results.json: {"score", "max_score", "output",
"execution_time", "tests": [{"name", "score", "max_score", "status",
"output"}]}, status being "passed" or "failed".
"""

import json
import os
import re
import xml.etree.ElementTree as ElementTree
from typing import List, NamedTuple, Optional, Sequence

PASSED, FAILED, TIMEOUT, ERROR = "passed", "failed", "timeout", "error"
LABELS = {PASSED: "OK", FAILED: "FAIL", TIMEOUT: "TIMEOUT", ERROR: "ERROR"}
LINE_WIDTH = 58
# A kernel may print any byte; XML 1.0 has no way to write these.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
INDENT = "    "


class Result(NamedTuple):
    """How one test went.

    status is PASSED, FAILED (the kernel misbehaved or panicked), TIMEOUT
    (killed at its time limit; always zero points) or ERROR (the grader
    itself broke). details are extra lines under the reason (where the harts
    were, the panic's backtrace); console is the end of the console output,
    symbolized.
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


def number(value: float) -> str:
    """Points as people write them: 10, not 10.0; 2.5 stays 2.5."""
    return "{:g}".format(value)


def show_path(path: str) -> str:
    """A path relative to the working directory when it lies beneath it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


# ---- text ----

def header(lab: str, tests: int, jobs: int, log_dir: str) -> str:
    return "== Grading lab {}: {} test{}, {} at a time; logs in {}/ ==".format(
        lab, tests, "" if tests == 1 else "s", jobs, show_path(log_dir))


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


def summary(results: Sequence[Result]) -> str:
    """The score and the closing line."""
    score = sum(r.score for r in results)
    possible = sum(r.points for r in results)
    passed = sum(1 for r in results if r.passed)
    return "Score: {}/{}\n{} passed, {} failed".format(
        number(score), number(possible), passed, len(results) - passed)


def full_marks(results: Sequence[Result]) -> bool:
    return all(r.passed for r in results)


# ---- Gradescope ----

def gradescope(results: Sequence[Result], lab: str, preamble: str = "",
               seconds: float = 0.0) -> dict:
    """Gradescope's results.json as a dict."""
    output = "\n".join(part for part in (preamble, summary(results)) if part)
    return {
        "score": sum(r.score for r in results),
        "max_score": sum(r.points for r in results),
        "execution_time": round(seconds, 1),
        "output": "Lab {}\n{}".format(lab, output),
        "tests": [{
            "name": r.title,
            "score": r.score,
            "max_score": r.points,
            "status": "passed" if r.passed else "failed",
            "output": _test_output(r),
        } for r in results],
    }


def _test_output(result: Result) -> str:
    lines = ["{} in {:.1f} s".format(LABELS[result.status], result.seconds)]
    lines += [line[len(INDENT):] for line in explanation(result, console_lines=60)]
    return "\n".join(lines)


def crash_gradescope(lab: str, reason: str) -> dict:
    """results.json for a run that could not grade at all: zero, and why."""
    return {"score": 0, "output": "Lab {}: grading failed, so the score is 0.\n{}"
            .format(lab, reason), "tests": []}


# ---- JUnit ----

def junit(results: Sequence[Result], lab: str, seconds: float = 0.0) -> str:
    """JUnit XML: one testsuite for the lab, a testcase per test."""
    failures = sum(1 for r in results if r.status in (FAILED, TIMEOUT))
    errors = sum(1 for r in results if r.status == ERROR)
    suites = ElementTree.Element("testsuites", name="kiln", tests=str(len(results)),
                                 failures=str(failures), errors=str(errors),
                                 time="{:.1f}".format(seconds))
    suite = ElementTree.SubElement(
        suites, "testsuite", name="lab " + lab, tests=str(len(results)),
        failures=str(failures), errors=str(errors), skipped="0",
        time="{:.1f}".format(seconds))
    properties = ElementTree.SubElement(suite, "properties")
    for key, value in (("score", sum(r.score for r in results)),
                       ("max_score", sum(r.points for r in results))):
        ElementTree.SubElement(properties, "property", name=key, value=number(value))
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
    return _xml_text(suites)


def crash_junit(lab: str, reason: str) -> str:
    suites = ElementTree.Element("testsuites", name="kiln", tests="1", failures="0",
                                 errors="1")
    suite = ElementTree.SubElement(suites, "testsuite", name="lab " + lab, tests="1",
                                   failures="0", errors="1", skipped="0")
    case = ElementTree.SubElement(suite, "testcase", classname="kiln." + lab, name="grading")
    error = ElementTree.SubElement(case, "error", type="crash",
                                   message=_xml_safe(reason.split("\n")[0]))
    error.text = _xml_safe(reason)
    return _xml_text(suites)


def _xml_safe(text: str) -> str:
    """text without the control characters that XML 1.0 cannot hold at all."""
    return INVALID_XML.sub("\ufffd", text)


def _xml_text(root: ElementTree.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + \
        ElementTree.tostring(root, encoding="unicode") + "\n"


# ---- files ----

def write_files(json_path: Optional[str], junit_path: Optional[str],
                results: Sequence[Result], lab: str, preamble: str, seconds: float) -> None:
    if json_path:
        _write(json_path, json.dumps(gradescope(results, lab, preamble, seconds), indent=2))
    if junit_path:
        _write(junit_path, junit(results, lab, seconds))


def write_crash_files(json_path: Optional[str], junit_path: Optional[str],
                      lab: str, reason: str) -> None:
    if json_path:
        _write(json_path, json.dumps(crash_gradescope(lab, reason), indent=2))
    if junit_path:
        _write(junit_path, crash_junit(lab, reason))


def _write(path: str, text: str) -> None:
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text + ("" if text.endswith("\n") else "\n"))
