"""The lab matrix: the checks that keep every available lab sound.

For each available lab, in a freshly projected tree (what a student gets):
- the starter builds, its earlier labs' graders give full marks, its own
  regression tests pass, and its own grader gives less than full marks;
- the solved stage builds and its grader gives full marks.
In the instructor tree as it stands (the final stage), every available lab's
grader gives full marks, and solutions/ matches what the stage tool makes.

tests/run_tests.py lists these checks beside its own; each raises
CheckFailed with the grader's report when something is wrong.
"""

import json
import os
import subprocess
import sys
import tempfile
from typing import Callable, Dict, List, NamedTuple, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from labs import catalogue  # noqa: E402

# The disk `make grade` boots: fresh from mkfs, whatever fs.img holds.
GRADE_DISK = "fs-pristine.img"


class Score(NamedTuple):
    """What one run of a lab's grader gave."""
    score: float
    max_score: float
    failed_tests: List[str]
    report: str


class LabCheckFailed(Exception):
    """A lab check found something wrong; `output` is the evidence."""

    def __init__(self, reason: str, output: str = "") -> None:
        super().__init__(reason)
        self.output = output


def available_labs() -> List[str]:
    """Names of the labs the catalogue marks available, in order."""
    labs = catalogue.load(ROOT)
    return [lab.name for lab in labs.labs if lab.available]


def _run(command: Sequence[str], cwd: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, universal_newlines=True)


def project(stage: str, dest: str) -> None:
    """Project a stage into dest (which must not exist yet) and build it there."""
    result = _run([sys.executable, "labs/stage.py", "project", stage, dest], ROOT, 120)
    if result.returncode != 0:
        raise LabCheckFailed("projecting {} failed".format(stage), result.stdout)
    result = _run(["make", "-j2", "all", GRADE_DISK], dest, 300)
    if result.returncode != 0:
        raise LabCheckFailed("the projected {} tree does not build".format(stage),
                             result.stdout)


def grade(tree: str, labs: Sequence[str], log_dir: str, timeout: float) -> Dict[str, Score]:
    """Run the labs' graders in one run in a built tree (tests the labs share run
    once); read back each lab's JSON results."""
    results_dir = os.path.join(log_dir, "results")
    command = [sys.executable, "grade/grade.py"] + list(labs) + [
        "-j", "2", "--fs", GRADE_DISK, "--json-dir", results_dir,
        "--logs", os.path.join(log_dir, "grade-" + "-".join(labs))]
    try:
        report = _run(command, tree, timeout).stdout
    except subprocess.TimeoutExpired as expired:
        raise LabCheckFailed("grading {} did not finish within {:g} s".format(
            ", ".join(labs), timeout), expired.output or "") from None
    scores = {}
    for lab in labs:
        try:
            with open(os.path.join(results_dir, "results-{}.json".format(lab))) as file:
                data = json.load(file)
        except (OSError, ValueError) as error:
            raise LabCheckFailed("the {} grader wrote no readable results ({})".format(
                lab, error), report) from None
        failed = [test["name"] for test in data.get("tests", [])
                  if test.get("status") != "passed"]
        maximum = sum(test["max_score"] for test in data.get("tests", []))
        scores[lab] = Score(data["score"], maximum, failed, report)
    return scores


def require_full_marks(score: Score, what: str) -> None:
    if score.score < score.max_score or score.failed_tests:
        raise LabCheckFailed("{} scored {:g}/{:g} (failed: {})".format(
            what, score.score, score.max_score, ", ".join(score.failed_tests) or "none"),
            score.report)


def starter_check(lab: str, earlier: Sequence[str], log_dir: str) -> None:
    """The starter of `lab` builds, keeps earlier labs and regressions, and is unsolved."""
    with tempfile.TemporaryDirectory(prefix="kiln-{}-".format(lab)) as work:
        tree = os.path.join(work, "tree")
        project(lab, tree)
        scores = grade(tree, list(earlier) + [lab], log_dir, 900 * (len(earlier) + 1))
        for done in earlier:
            require_full_marks(scores[done],
                               "lab {}'s grader on the {} starter".format(done, lab))
        score = scores[lab]
        regressions = [name for name in score.failed_tests if "usertests" in name]
        if regressions:
            raise LabCheckFailed("the {} starter fails its regression tests: {}".format(
                lab, ", ".join(regressions)), score.report)
        if score.score >= score.max_score:
            raise LabCheckFailed("the {} starter already scores full marks ({:g}/{:g}): "
                                 "its grader cannot tell a solution from none".format(
                                     lab, score.score, score.max_score), score.report)


def solved_check(lab: str, log_dir: str) -> None:
    """The projected solved stage of `lab` gets full marks."""
    with tempfile.TemporaryDirectory(prefix="kiln-{}-solved-".format(lab)) as work:
        tree = os.path.join(work, "tree")
        project(lab + "-solved", tree)
        require_full_marks(grade(tree, [lab], log_dir, 900)[lab],
                           "the {} solution".format(lab))


def final_stage_check(labs: Sequence[str], log_dir: str) -> None:
    """In the instructor tree as built, every available lab's grader gives full marks
    (graded in one run, so the usertests the labs share run once)."""
    scores = grade(ROOT, labs, log_dir, 900 * len(labs))
    for lab in labs:
        require_full_marks(scores[lab], "lab {}'s grader on the final stage".format(lab))


def solutions_fresh_check() -> None:
    """solutions/<lab>.diff are exactly what the stage tool makes now."""
    result = _run([sys.executable, "labs/stage.py", "solutions", "--check"], ROOT, 300)
    if result.returncode != 0:
        raise LabCheckFailed("solutions/ is stale: run `make solutions`", result.stdout)


class LabCheck(NamedTuple):
    """One check of the matrix: a name, a title, a time limit, and its body."""
    name: str
    title: str
    time_limit: float
    body: Callable[[str], None]  # takes the directory for its logs


def lab_checks() -> List[LabCheck]:
    """Every check of the matrix, for the labs available now."""
    labs = available_labs()
    checks = [
        LabCheck("solutions-fresh", "solutions/ matches the stage tool", 300,
                 lambda log_dir: solutions_fresh_check()),
    ]
    if labs:
        checks.append(LabCheck("final-stage-graders",
                               "every lab's grader gives full marks on the final stage",
                               900 * len(labs), lambda log_dir: final_stage_check(labs, log_dir)))
    for index, lab in enumerate(labs):
        checks.append(LabCheck(
            "lab-{}-starter".format(lab),
            "the {} starter builds, keeps earlier labs, and scores less than full".format(lab),
            900 * (index + 1),
            lambda log_dir, lab=lab, earlier=labs[:index]: starter_check(lab, earlier, log_dir)))
        checks.append(LabCheck(
            "lab-{}-solved".format(lab), "the {} solution scores full marks".format(lab), 900,
            lambda log_dir, lab=lab: solved_check(lab, log_dir)))
    return checks

