"""Tests of releasing labs one at a time, and of what a student tree carries.

- `stage.py branches --until` and `stage.py release` on the synthetic
  repository of tests/test_stage.py: history between the lab branches, the
  errors that change nothing, the staff variant, a bare course remote and a
  student's clone that fetches the new branch;
- the student-only files of every branch: the student README and the GitHub
  workflow, whose YAML is checked for structure by a small parser of the
  subset it uses, and whose summary script runs on sample results;
- the real handouts say at the top where each lab starts from and how to
  get its branch.

Run: python3 -m unittest tests.test_release -v
"""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from typing import Any, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from test_stage import StageFixture, git, write  # noqa: E402

STUDENT_TREE = os.path.join(REPO, "labs", "student-tree")
WORKFLOW = os.path.join(STUDENT_TREE, ".github", "workflows", "grade.yml")
SUMMARY = os.path.join(STUDENT_TREE, ".github", "grade_summary.py")
STUDENT_README = os.path.join(STUDENT_TREE, "README.md")


class ReleaseTest(StageFixture):
    """branches --until, then release, on the synthetic repository."""

    def make_class(self, *options):
        dest = os.path.join(self.tmp, "class")
        self.ok("branches", *options, dest)
        return dest

    def state(self, repo):
        """Everything a failed release must leave alone: refs, objects, HEAD."""
        refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
        objects = git(repo, "count-objects", "-v")
        return refs, objects, git(repo, "status", "--porcelain")

    def release_fails(self, repo, lab, message, *options):
        before = self.state(repo)
        err = self.fails(1, *options, "release", lab, repo)
        self.assertIn(message, err)
        self.assertEqual(self.state(repo), before)
        return err

    def parent(self, repo, branch):
        return git(repo, "rev-parse", branch + "^").strip()

    def tip(self, repo, branch):
        return git(repo, "rev-parse", branch).strip()

    def test_until_holds_no_later_branch(self):
        dest = self.make_class("--until", "trace")
        self.assertEqual(self.branch_names(dest), ["base", "trace"])
        staff = os.path.join(self.tmp, "staff")
        self.ok("branches", "--staff", "--until", "trace", staff)
        self.assertEqual(self.branch_names(staff),
                         ["base", "trace", "trace-solved"])
        self.assertNotIn("kp.c", git(staff, "log", "--all", "--stat"))

    def test_until_must_name_an_available_lab(self):
        dest = os.path.join(self.tmp, "class")
        self.assertIn("unknown lab 'nosuch'",
                      self.fails(2, "branches", "--until", "nosuch", dest))
        self.assertIn("lab alarm is not available yet",
                      self.fails(1, "branches", "--until", "alarm", dest))
        self.assertFalse(os.path.exists(dest))

    def test_release_adds_the_next_lab_on_top_of_the_previous(self):
        dest = self.make_class()
        out = self.ok("release", "kpgtbl", dest)
        self.assertIn("new branch kpgtbl", out)
        self.assertIn("push origin kpgtbl", out)
        self.assertEqual(self.branch_names(dest), ["base", "kpgtbl", "trace"])
        self.assertEqual(self.parent(dest, "kpgtbl"), self.tip(dest, "trace"))
        self.assert_branch_is_projection(dest, "kpgtbl")
        # What the lab brings: trace's solution and kpgtbl's scaffolding.
        diff = git(dest, "diff", "trace", "kpgtbl")
        for added in ("+int trace_solved;", "+int kpgtbl_scaffold;",
                      "+++ b/user/kp.c", "+++ b/kernel/tracesol.c"):
            self.assertIn(added, diff)
        self.assertIn("-int trace_stub;", diff)
        self.assertNotIn("kpgtbl_solved", diff)
        # The work tree and HEAD are the student's; release leaves them.
        self.assertEqual(git(dest, "symbolic-ref", "--short", "HEAD").strip(),
                         "trace")
        self.assertEqual(git(dest, "status", "--porcelain"), "")
        self.assertIn("starter", git(dest, "log", "-1", "--format=%B",
                                     "kpgtbl"))

    def test_released_later_or_made_at_once_give_the_same_commits(self):
        later = self.make_class()
        self.ok("release", "kpgtbl", later)
        at_once = os.path.join(self.tmp, "at-once")
        self.ok("branches", "--until", "kpgtbl", at_once)
        for branch in ("base", "trace", "kpgtbl"):
            self.assertEqual(self.tip(later, branch), self.tip(at_once, branch))

    def test_release_errors_change_nothing(self):
        dest = self.make_class()
        self.release_fails(dest, "alarm", "lab alarm is not available yet")
        self.release_fails(dest, "trace", "already has a branch trace")
        self.release_fails(dest, "alarm", "has no branch kpgtbl: release "
                           "kpgtbl first", "--unreleased")
        self.assertIn("unknown lab 'nosuch'",
                      self.fails(2, "release", "nosuch", dest))
        self.ok("release", "kpgtbl", dest)
        self.release_fails(dest, "kpgtbl", "already has a branch kpgtbl")

    def test_release_refuses_a_dirty_repository(self):
        dest = self.make_class()
        write(dest, "kernel/x.c", "changed\n")
        self.release_fails(dest, "kpgtbl", "has changes not committed")
        git(dest, "checkout", "kernel/x.c")
        write(dest, "mynotes.txt", "untracked\n")
        self.release_fails(dest, "kpgtbl", "has changes not committed "
                           "(?? mynotes.txt)")

    def test_release_refuses_what_is_not_a_student_repository(self):
        plain = os.path.join(self.tmp, "plain")
        os.mkdir(plain)
        self.assertIn("is not a git repository",
                      self.fails(1, "release", "kpgtbl", plain))
        inside = os.path.join(self.root, "kernel")
        self.assertIn("is not a git repository",
                      self.fails(1, "release", "kpgtbl", inside))
        self.assertIn("is not a directory",
                      self.fails(1, "release", "kpgtbl",
                                 os.path.join(self.tmp, "none")))
        self.release_fails(self.root, "kpgtbl",
                           "is not a Kiln student repository")
        # A clone has only its checked-out branch: release goes to the origin.
        dest = self.make_class()
        clone = os.path.join(self.tmp, "clone")
        git(self.tmp, "clone", "-q", dest, clone)
        self.release_fails(clone, "kpgtbl", "not into a clone of it")

    def test_release_checks_the_previous_branch_is_a_starter(self):
        dest = self.make_class()
        git(dest, "checkout", "-q", "-b", "mine", "base")
        git(dest, "branch", "-q", "-D", "trace")
        git(dest, "branch", "-q", "trace", "mine")
        self.release_fails(dest, "kpgtbl", "records lab 'base' in conf/lab, "
                           "not trace")

    def test_staff_repositories_get_the_solution_too(self):
        dest = self.make_class("--staff")
        out = self.ok("release", "kpgtbl", dest)
        self.assertIn("kpgtbl, kpgtbl-solved", out)
        self.assertEqual(self.branch_names(dest),
                         ["base", "kpgtbl", "kpgtbl-solved", "trace",
                          "trace-solved"])
        self.assertEqual(self.parent(dest, "kpgtbl"), self.tip(dest, "trace"))
        self.assertEqual(self.parent(dest, "kpgtbl-solved"),
                         self.tip(dest, "kpgtbl"))
        self.assert_branch_is_projection(dest, "kpgtbl-solved")

    def test_a_bare_course_remote_and_a_students_clone(self):
        made = self.make_class()
        remote = os.path.join(self.tmp, "course.git")
        git(self.tmp, "clone", "-q", "--bare", made, remote)
        student = os.path.join(self.tmp, "student")
        git(self.tmp, "clone", "-q", remote, student)
        write(student, "notes.txt", "my notes\n")
        git(student, "add", "notes.txt")
        git(student, "commit", "-q", "-m", "notes")
        self.assertIn("is bare: students who fetch from it get kpgtbl now",
                      self.ok("release", "kpgtbl", remote))
        git(student, "fetch", "-q")
        git(student, "checkout", "-q", "kpgtbl")
        self.assertEqual(self.read(student, "conf/lab"), "kpgtbl\n")
        self.assertIn("int trace_solved;", self.read(student, "kernel/x.c"))
        git(student, "checkout", "-q", "trace", "--", "notes.txt")
        self.assertEqual(self.read(student, "notes.txt"), "my notes\n")

    def test_every_branch_carries_the_student_files(self):
        dest = os.path.join(self.tmp, "staff")
        self.ok("branches", "--staff", "--until", "kpgtbl", dest)
        with open(WORKFLOW) as f:
            workflow = f.read()
        for branch in self.branch_names(dest):
            with self.subTest(branch=branch):
                self.assertEqual(git(dest, "show", branch +
                                     ":.github/workflows/grade.yml"), workflow)
                git(dest, "show", branch + ":.github/grade_summary.py")
                readme = git(dest, "show", branch + ":README.md")
                self.assertNotIn("Kiln (synthetic)", readme)
                self.assertIn("make grade", readme)
                self.assertNotIn("{{", readme)
        trace_readme = git(dest, "show", "trace:README.md")
        self.assertIn("# Kiln: lab 1, Tracing", trace_readme)
        self.assertIn("git checkout kpgtbl", trace_readme)
        kp_readme = git(dest, "show", "kpgtbl:README.md")
        self.assertIn("reference solution of every earlier lab", kp_readme)
        labs = json.loads(git(dest, "show", "kpgtbl:conf/labs.json"))
        self.assertEqual([lab["name"] for lab in labs["labs"]],
                         ["trace", "kpgtbl"])

    def test_missing_student_readme_is_reported(self):
        os.remove(os.path.join(self.root, "labs", "student-tree", "README.md"))
        err = self.fails(1, "project", "trace", os.path.join(self.tmp, "t"))
        self.assertIn("a student tree needs its own README", err)


# ---- the workflow's YAML ----

class YamlError(Exception):
    """The text is not in the YAML subset that the workflow uses."""


# "key:" or "key: value", the key plain or quoted.
KEY = re.compile(r'^("[^"]*"|\'[^\']*\'|[^\s:"\'#-][^:]*?):(?: (.*))?$')


def parse_yaml(text: str) -> Any:
    """Parse block mappings, block sequences, | blocks and plain or quoted
    scalars: the subset of YAML that .github/workflows/grade.yml uses."""
    if "\t" in text:
        raise YamlError("YAML does not allow tabs for indentation")
    lines: List[Tuple[int, str]] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#"):
            raw = stripped = ""
        lines.append((len(raw) - len(raw.lstrip(" ")), raw))
    value, end = _block(lines, _next(lines, 0), None)
    if _next(lines, end) < len(lines):
        raise YamlError("line %d: unexpected indentation" % (end + 1))
    return value


def _next(lines: List[Tuple[int, str]], i: int) -> int:
    """The index of the first non-blank line at or after i."""
    while i < len(lines) and not lines[i][1].strip():
        i += 1
    return i


def _block(lines: List[Tuple[int, str]], i: int, parent_indent) -> Tuple[Any, int]:
    if i >= len(lines):
        return None, i
    indent, raw = lines[i]
    if parent_indent is not None and indent <= parent_indent and \
            not raw.lstrip().startswith("- "):
        return None, i
    if raw.lstrip().startswith("- "):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _sequence(lines, i, indent) -> Tuple[List[Any], int]:
    items = []
    while i < len(lines) and lines[i][0] == indent and \
            lines[i][1].lstrip().startswith("- "):
        text = lines[i][1].lstrip()[2:].strip()
        if KEY.match(text) or text.startswith("- "):
            # The item becomes a block of its own, two columns further in.
            lines[i] = (indent + 2, " " * (indent + 2) + text)
            item, i = _block(lines, i, indent)
        else:
            item, i = _scalar(text), i + 1
        items.append(item)
        i = _next(lines, i)
    return items, i


def _mapping(lines, i, indent) -> Tuple[Dict[str, Any], int]:
    result: Dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        text = lines[i][1].strip()
        if text.startswith("- "):
            break
        match = KEY.match(text)
        if not match:
            raise YamlError("line %d: expected 'key: value': %s" % (i + 1, text))
        key, rest = _scalar(match.group(1)), (match.group(2) or "").strip()
        if key in result:
            raise YamlError("line %d: key %s repeated" % (i + 1, key))
        if rest in ("|", "|-"):
            result[key], i = _literal(lines, i + 1, indent, rest == "|")
        elif rest:
            result[key], i = _scalar(rest), i + 1
        else:
            nested = _next(lines, i + 1)
            result[key], i = _block(lines, nested, indent) if nested < len(
                lines) and lines[nested][0] > indent else (None, i + 1)
        i = _next(lines, i)
    if i < len(lines) and lines[i][0] > indent:
        raise YamlError("line %d: unexpected indentation" % (i + 1))
    return result, i


def _literal(lines, i, indent, keep_newline) -> Tuple[str, int]:
    body: List[str] = []
    first = _next(lines, i)
    if first >= len(lines) or lines[first][0] <= indent:
        return "", i
    margin = lines[first][0]
    while i < len(lines) and (not lines[i][1].strip() or lines[i][0] >= margin):
        body.append(lines[i][1][margin:])
        i += 1
    text = "\n".join(body).rstrip("\n")
    return text + ("\n" if keep_newline else ""), i


def _scalar(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if " #" in text:
        text = text[:text.index(" #")].rstrip()
    return text


def readme_packages(path: str) -> List[str]:
    """The packages of the `sudo apt-get install` line in a README."""
    with open(path) as f:
        for line in f:
            if "apt-get install" in line:
                return line.split("apt-get install", 1)[1].split()
    raise AssertionError("%s has no apt-get install line" % path)


class WorkflowTest(unittest.TestCase):
    """.github/workflows/grade.yml, as GitHub Actions would read it."""

    @classmethod
    def setUpClass(cls):
        with open(WORKFLOW) as f:
            cls.text = f.read()
        cls.workflow = parse_yaml(cls.text)

    def steps(self):
        return self.workflow["jobs"]["grade"]["steps"]

    def step(self, name_part):
        found = [s for s in self.steps() if name_part in s.get("name", "")]
        self.assertEqual(len(found), 1, name_part)
        return found[0]

    def test_parser_reads_the_subset(self):
        parsed = parse_yaml('a: 1\n"on":\n  - push\nb:\n  c: |\n    x\n    y\n'
                            '  d:\n    - e: f\n      g: "h: i"\n    - j\n')
        self.assertEqual(parsed, {"a": "1", "on": ["push"],
                                  "b": {"c": "x\ny\n",
                                        "d": [{"e": "f", "g": "h: i"}, "j"]}})
        for bad in ("a: 1\n  b: 2\n", "a:\n\t- b\n", "a: 1\na: 2\n", "- a\nb: c\n"):
            with self.assertRaises(YamlError, msg=bad):
                parse_yaml(bad)

    def test_top_level(self):
        self.assertEqual(set(self.workflow), {"name", "on", "permissions", "jobs"})
        self.assertIn("push", self.workflow["on"])
        self.assertEqual(self.workflow["permissions"]["checks"], "write")
        job = self.workflow["jobs"]["grade"]
        self.assertTrue(job["runs-on"].startswith("ubuntu-"))
        for step in job["steps"]:
            self.assertTrue(set(step) <= {"name", "id", "if", "uses", "run",
                                          "with", "env"}, step)
            self.assertTrue(("uses" in step) != ("run" in step), step)

    def test_it_installs_what_the_student_readme_says(self):
        run = self.step("Install")["run"]
        line = [l for l in run.splitlines() if "apt-get install" in l][0]
        installed = [p for p in line.split("apt-get install", 1)[1].split()
                     if not p.startswith("-")]
        self.assertEqual(installed, readme_packages(STUDENT_README))

    def test_it_grades_with_flags_that_exist(self):
        run = self.step("Grade")["run"]
        self.assertEqual(run, 'make grade GRADEFLAGS="--json results.json '
                              '--junit junit.xml"')
        usage = subprocess.run([sys.executable, "grade/grade.py", "--help"],
                               cwd=REPO, stdout=subprocess.PIPE,
                               universal_newlines=True).stdout
        for flag in ("--json", "--junit"):
            self.assertIn(flag, usage)

    def test_reports_and_logs_come_whatever_the_grade(self):
        score = self.step("Report the score")
        self.assertEqual(score["if"], "always()")
        self.assertEqual(score["id"], "score")
        script = score["run"].split()[1]
        self.assertTrue(os.path.isfile(os.path.join(STUDENT_TREE, script)))
        logs = self.step("Keep the logs")
        self.assertEqual(logs["if"], "always()")
        self.assertTrue(logs["uses"].startswith("actions/upload-artifact@"))
        self.assertIn("grade-logs/", logs["with"]["path"].split())
        classroom = self.step("Classroom")
        self.assertIn("steps.score.outputs.result", classroom["env"]["KILN_RESULTS"])
        self.assertEqual(classroom["with"]["runners"], "kiln")


class SummaryTest(unittest.TestCase):
    """.github/grade_summary.py on sample results, as a workflow step."""

    def run_summary(self, results):
        with tempfile.TemporaryDirectory() as work:
            summary = os.path.join(work, "summary.md")
            output = os.path.join(work, "output")
            path = os.path.join(work, "results.json")
            if results is not None:
                write(work, "results.json", results if isinstance(results, str)
                      else json.dumps(results))
            env = dict(os.environ, GITHUB_STEP_SUMMARY=summary, GITHUB_OUTPUT=output)
            proc = subprocess.run([sys.executable, SUMMARY, path], env=env,
                                  stdout=subprocess.PIPE, universal_newlines=True)
            self.assertEqual(proc.returncode, 0)
            with open(summary) as f:
                markdown = f.read()
            with open(output) as f:
                name, _, encoded = f.read().strip().partition("=")
            self.assertEqual(name, "result")
            return proc.stdout, markdown, json.loads(base64.b64decode(encoded))

    def test_a_partial_score(self):
        results = {"score": 15, "max_score": 25, "output": "Lab trace\n1 passed, 1 failed",
                   "tests": [
                       {"name": "trace_read", "score": 15, "max_score": 15,
                        "status": "passed", "output": "PASS"},
                       {"name": "sysinfo", "score": 0, "max_score": 10,
                        "status": "failed", "output": "FAIL: freemem is wrong"}]}
        printed, markdown, classroom = self.run_summary(results)
        self.assertIn("Score: 15 / 25", printed)
        self.assertIn("## Score: 15 / 25", markdown)
        self.assertIn("| trace_read | passed | 15 / 15 |", markdown)
        self.assertIn("| sysinfo | **failed** | 0 / 10 |", markdown)
        self.assertIn("1 passed, 1 failed", markdown)
        self.assertEqual(classroom["version"], 1)
        self.assertEqual(classroom["status"], "fail")
        self.assertEqual(classroom["max_score"], 25)
        self.assertEqual([(t["name"], t["status"], t["score"]) for t in classroom["tests"]],
                         [("trace_read", "pass", 15), ("sysinfo", "fail", 0)])
        self.assertIn("freemem is wrong", classroom["tests"][1]["message"])

    def test_no_results_scores_zero_with_the_reason(self):
        printed, markdown, classroom = self.run_summary(None)
        self.assertIn("Score: 0 / 0", printed)
        self.assertIn("was not written", markdown)
        self.assertEqual(classroom["status"], "error")
        for broken in ("{not json", "[]"):
            printed, markdown, classroom = self.run_summary(broken)
            self.assertEqual(classroom["status"], "error", broken)


# ---- the handouts ----

class HandoutTopTest(unittest.TestCase):
    """Each released lab's handout says where it starts and how to get it."""

    def test_handouts_say_how_to_get_the_lab(self):
        with open(os.path.join(REPO, "labs", "catalogue.json")) as f:
            labs = [lab for lab in json.load(f)["labs"] if lab["available"]]
        for lab in labs:
            with self.subTest(lab=lab["name"]):
                with open(os.path.join(REPO, lab["handout"])) as f:
                    top = f.read().split("\n## ", 1)[0]
                self.assertIn("reference solution", top)
                for command in ("git fetch", "git checkout %s" % lab["name"],
                                "make clean"):
                    self.assertIn(command, top)


if __name__ == "__main__":
    unittest.main()
