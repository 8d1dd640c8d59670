"""Tests of official grading, fast: no cross compiler, no real QEMU.

- grade/submission.py assembles submissions (folders, nested folders, zips,
  bare repositories, loose files; links, escapes and oversized files refused)
  into a pristine starter, taking the student's files and nothing else;
- the results it writes pass a check against Gradescope's documented format
  (tests/gradescope_schema.py);
- grade/autograder.py grades, in a small fake starter (a Makefile that only
  copies files, a grader of two tests, and a fake QEMU, this file run as a
  script, whose kernel does what the submitted file says: solve, hang or
  fail to build), a correct submission, the unchanged starter, one that does
  not build, one that hangs, one that edits the grader, a test program, the
  checksums and the Makefile, and one with files outside the allowed list;
- labs/course.py grades a folder of such submissions at once (CSV, reports,
  summary) and writes the Gradescope zip's scripts.

The same paths with the real kernel and QEMU are in tests/test_official_slow.py.
Run: python3 -m unittest tests.test_official
"""

import contextlib
import csv
import io
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile
from unittest import mock
from typing import Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import autograder, fsimage, report, submission, tamper  # noqa: E402
from labs import course  # noqa: E402
from tests import gradescope_schema  # noqa: E402
from tests.test_gradelib import make_image  # noqa: E402

THIS_FILE = os.path.abspath(__file__)

# ---- a small fake starter ----

MAKEFILE = """\
# A stand-in for Kiln's: the "kernel" is the student's answer, copied.
all: kernel/kernel
kernel/kernel: kernel/answer.c
\t@if grep -q BROKEN kernel/answer.c; then echo "kernel/answer.c:1: error: broken"; exit 1; fi
\tcp kernel/answer.c kernel/kernel
fs-pristine.img: base.img
\tcp base.img fs-pristine.img
"""

FAKE_GRADER = '''\
from grade.gradelib import Lab

lab = Lab("fake")


@lab.test(points=4, title="echo works", timeout=20)
def echo(run):
    run.match(r"^hi$", run.shell("echo hi"))


@lab.test(points=6, title="the check passes", timeout=20)
def check(run):
    run.token_line("check: OK", run.shell("check"))
'''

STARTER_FILES = {
    "Makefile": MAKEFILE,
    ".gitignore": "kernel/kernel\nfs-pristine.img\ngrade-logs/\n*.o\n",
    "conf/lab": "fake\n",
    "kernel/answer.c": "STARTER\n",
    "kernel/other.c": "int other;\n",
    "user/check.c": "int main(void) { return 0; }\n",
    "grade/grade_fake.py": FAKE_GRADER,
}
STUDENT_FILES = ["kernel/answer.c", "answers-fake.txt", "user/mine/"]


def write(root: str, relpath: str, text: str) -> None:
    path = os.path.join(root, *relpath.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(root: str, relpath: str) -> str:
    with open(os.path.join(root, *relpath.split("/"))) as f:
        return f.read()


def make_starter(dest: str) -> None:
    """A projected-looking starter: the grade package, conf files, checksums."""
    shutil.copytree(os.path.join(ROOT, "grade"), os.path.join(dest, "grade"),
                    ignore=shutil.ignore_patterns("__pycache__", "grade_*.py"))
    for relpath, text in STARTER_FILES.items():
        write(dest, relpath, text)
    write(dest, tamper.STUDENT_FILES, tamper.format_student_files(STUDENT_FILES))
    make_image(os.path.join(dest, "base.img"))
    files = {}
    for top, _, names in os.walk(dest):
        for name in names:
            relpath = os.path.relpath(os.path.join(top, name), dest).replace(os.sep, "/")
            if tamper.is_checked(relpath, STUDENT_FILES):
                with open(os.path.join(top, name), "rb") as f:
                    files[relpath] = f.read()
    checksums = tamper.format_checksums(files)
    write(dest, tamper.CHECKSUMS, checksums)
    write(dest, tamper.SEAL, tamper.seal_of(checksums.encode()))


def student_tree(starter: str, dest: str, answer: str) -> str:
    """A student's tree: the starter's files with kernel/answer.c as given."""
    shutil.copytree(starter, dest, ignore=shutil.ignore_patterns("__pycache__"))
    write(dest, "kernel/answer.c", answer)
    return dest


# ---- the fake QEMU: its kernel file says what the kernel does ----

def _say(text: str) -> None:
    os.write(1, text.encode())


def fake_qemu(argv: List[str]) -> None:
    if argv == ["--version"]:
        _say("QEMU emulator version 8.2.0 (fake)\n")
        return
    with open(argv[argv.index("-kernel") + 1]) as f:
        kernel = f.read()
    disk = re.search(r"file=([^,]+)", argv[argv.index("-drive") + 1]).group(1)
    _say("fake kernel booting\n")
    if "HANG" not in kernel:
        _say("$ ")
        for line in sys.stdin:
            command = line.strip()
            _say(command + "\n")
            if command.startswith("echo "):
                _say(command[5:] + "\n")
            elif command == "check" and "SOLVED" in kernel:
                _say("check: OK {}\n".format(fsimage.read_file(disk, "gradetoken").decode()))
            elif command == "check":
                _say("check: FAILED: not done yet\n")
            _say("$ ")
    while True:
        time.sleep(60)


class OfficialTestCase(unittest.TestCase):
    """A scratch folder with a fake starter in it, and the fake QEMU in $QEMU."""

    def setUp(self) -> None:
        self.scratch = tempfile.mkdtemp(prefix="kiln-official-test-")
        self.addCleanup(shutil.rmtree, self.scratch, True)
        self.starter = self.path("starter")
        make_starter(self.starter)
        fake = self.path("fake-qemu")
        write(self.scratch, "fake-qemu", '#!/bin/sh\nexec "{}" "{}" fake-qemu "$@"\n'.format(
            sys.executable, THIS_FILE))
        os.chmod(fake, 0o755)
        self.environment = dict(os.environ, QEMU=fake)

    def path(self, *parts: str) -> str:
        return os.path.join(self.scratch, *parts)

    def submit(self, name: str, answer: str) -> str:
        return student_tree(self.starter, self.path("submissions", name), answer)

    def assert_valid(self, results: dict) -> None:
        self.assertEqual(gradescope_schema.problems(results), [], json.dumps(results, indent=1))


class AssembleTests(OfficialTestCase):

    def assemble(self, submitted: str) -> submission.Assembly:
        return submission.assemble(self.starter, submitted, self.path("tree"))

    def test_only_the_student_files_are_taken(self) -> None:
        tree = self.submit("alice", "SOLVED\n")
        write(tree, "answers-fake.txt", "because\n")
        write(tree, "user/mine/t.c", "int t;\n")
        write(tree, "user/mine/run.py", "import os\n")
        write(tree, "grade/grade_fake.py", "everything passes\n")
        write(tree, "Makefile", "all:\n\ttrue\n")
        write(tree, "kernel/other.c", "int changed;\n")
        write(tree, "kernel/new.c", "int added;\n")
        write(tree, "kernel/answer.o", "build product\n")
        os.makedirs(os.path.join(tree, ".git"))
        done = self.assemble(tree)
        self.assertIsNone(done.problem)
        self.assertEqual(done.copied, ["kernel/answer.c", "answers-fake.txt", "user/mine/t.c"])
        self.assertEqual(done.ignored, ["Makefile (changed)", "grade/grade_fake.py (changed)",
                                        "kernel/new.c (added)", "kernel/other.c (changed)"])
        for relpath in ("Makefile", "grade/grade_fake.py", "kernel/other.c"):
            self.assertEqual(read(done.tree, relpath), read(self.starter, relpath))
        self.assertEqual(read(done.tree, "kernel/answer.c"), "SOLVED\n")
        self.assertFalse(os.path.exists(os.path.join(done.tree, "kernel/new.c")))
        self.assertFalse(os.path.exists(os.path.join(done.tree, "user/mine/run.py")))
        self.assertEqual(tamper.check(done.tree), [])
        self.assertIn("Ignored, as files you may not change or add", done.describe())

    def test_a_copied_file_is_newer_than_the_starter_build(self) -> None:
        tree = self.submit("old", "SOLVED\n")
        os.utime(os.path.join(tree, "kernel/answer.c"), (1000, 1000))
        done = self.assemble(tree)
        self.assertGreater(os.path.getmtime(os.path.join(done.tree, "kernel/answer.c")),
                           time.time() - 60)

    def test_links_and_missing_files(self) -> None:
        tree = self.path("links")
        os.makedirs(os.path.join(tree, "kernel"))
        os.symlink("/etc/passwd", os.path.join(tree, "kernel/answer.c"))
        write(tree, "conf/lab", "fake\n")
        done = self.assemble(tree)
        self.assertEqual(done.copied, [])
        self.assertIn("kernel/answer.c is not a regular file", done.describe())
        self.assertEqual(read(done.tree, "kernel/answer.c"), "STARTER\n")
        folder = self.path("folder-link")
        write(folder, "kernel/other.c", "x\n")
        write(folder, "conf/lab", "fake\n")
        os.makedirs(os.path.join(folder, "user"))
        os.symlink(os.path.join(tree, "kernel"), os.path.join(folder, "user", "mine"))
        missing = submission.assemble(self.starter, folder, self.path("t2"))
        self.assertEqual((missing.copied, missing.missing), ([], ["kernel/answer.c"]))
        self.assertIn("the starter's copies were used: kernel/answer.c", missing.describe())

    def test_a_tree_inside_a_folder_or_a_zip(self) -> None:
        tree = self.submit("nested/kiln-main", "SOLVED\n")
        self.assertEqual(self.assemble(self.path("submissions", "nested")).copied,
                         ["kernel/answer.c"])
        archive = self.path("bob.zip")
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.write(os.path.join(tree, "kernel/answer.c"), "kiln/kernel/answer.c")
            zipped.writestr("kiln/conf/lab", "fake\n")
            zipped.writestr("../escape.c", "outside\n")
            zipped.writestr("/absolute.c", "outside\n")
            link = zipfile.ZipInfo("kiln/user/mine/link.c")
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(link, "/etc/passwd")
        done = submission.assemble(self.starter, archive, self.path("t-zip"))
        self.assertEqual(done.copied, ["kernel/answer.c"])
        self.assertEqual(read(done.tree, "kernel/answer.c"), "SOLVED\n")
        self.assertIn("3 members of the zip (links, or paths outside it) were skipped",
                      done.describe())
        self.assertFalse(os.path.exists(self.path("escape.c")))
        # Gradescope unpacks an uploaded zip itself, but a zip inside a folder works too.
        os.makedirs(self.path("upload"))
        shutil.copy(archive, self.path("upload", "mine.zip"))
        self.assertEqual(submission.assemble(self.starter, self.path("upload"),
                                             self.path("t-up")).copied, ["kernel/answer.c"])

    def test_a_zip_too_big_or_broken_is_refused(self) -> None:
        archive = self.path("big.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("kernel/answer.c", "x" * 100000)
        self.addCleanup(setattr, submission, "MAX_UNPACKED_BYTES",
                        submission.MAX_UNPACKED_BYTES)
        submission.MAX_UNPACKED_BYTES = 50000
        self.assertIn("holds more than", self.assemble(archive).problem)
        write(self.scratch, "bad.zip", "PK\x03\x04 not really")
        problem = submission.assemble(self.starter, self.path("bad.zip"), self.path("t2")).problem
        self.assertRegex(problem, "not a zip file|cannot be read")

    def test_zips_in_zips_end(self) -> None:
        inner = self.path("level0.zip")
        with zipfile.ZipFile(inner, "w") as zipped:
            zipped.writestr("kernel/answer.c", "SOLVED\n")
        for level in range(1, 6):
            outer = self.path("level{}.zip".format(level))
            with zipfile.ZipFile(outer, "w") as zipped:
                zipped.write(inner, "inner.zip")
            inner = outer
        self.assertIn("packed more than", self.assemble(inner).problem)

    def test_a_bare_repository_gives_the_lab_branch(self) -> None:
        work = self.submit("carol", "SOLVED\n")
        environment = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@x.invalid",
                           GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@x.invalid")
        for command in (["init", "-q", "-b", "fake"], ["add", "-A"],
                        ["commit", "-q", "-m", "mine"]):
            subprocess.run(["git"] + command, cwd=work, env=environment, check=True)
        bare = self.path("carol.git")
        subprocess.run(["git", "clone", "-q", "--bare", work, bare], check=True)
        done = self.assemble(bare)
        self.assertEqual((done.problem, done.copied), (None, ["kernel/answer.c"]))
        self.assertEqual(read(done.tree, "kernel/answer.c"), "SOLVED\n")
        subprocess.run(["git", "--git-dir", bare, "branch", "-q", "-m", "fake", "main"],
                       check=True)
        other = submission.assemble(self.starter, bare, self.path("t2"))
        self.assertIn("has no branch fake; its HEAD was graded", other.describe())

    def test_loose_files_are_matched_by_name(self) -> None:
        write(self.scratch, "loose/answer.c", "SOLVED\n")
        done = self.assemble(self.path("loose"))
        self.assertEqual(done.copied, ["kernel/answer.c"])

    def test_nothing_to_grade(self) -> None:
        os.makedirs(self.path("empty"))
        self.assertIn("No Kiln tree was found", self.assemble(self.path("empty")).problem)
        self.assertIn("There is no submission",
                      submission.assemble(self.starter, self.path("none"), self.path("t")).problem)

    def test_another_lab_is_noticed(self) -> None:
        tree = self.submit("wrong", "SOLVED\n")
        write(tree, "conf/lab", "other\n")
        self.assertIn("conf/lab names lab other, but this is lab fake",
                      self.assemble(tree).describe())


class SchemaTests(unittest.TestCase):

    def test_the_checker_finds_what_gradescope_refuses(self) -> None:
        self.assertEqual(gradescope_schema.problems({"score": 1, "tests": []}), [])
        self.assertEqual(gradescope_schema.problems({"tests": [{"score": 1}]}), [])
        for bad, complaint in (
                ({"tests": []}, "a score is required"),
                ({"score": "10"}, "score must be a number"),
                ({"score": 1, "max_score": 2}, "unknown top-level key 'max_score'"),
                ({"score": 1, "tests": [{"score": 1, "status": "ok"}]}, "status must be"),
                ({"score": 1, "visibility": "public"}, "visibility must be"),
                ({"score": float("nan")}, "not JSON")):
            with self.subTest(complaint=complaint):
                self.assertTrue(any(complaint in p for p in gradescope_schema.problems(bad)),
                                gradescope_schema.problems(bad))

    def test_every_report_the_grader_writes_passes(self) -> None:
        from tests.test_gradelib import sample_report
        for data in (report.gradescope(sample_report()),
                     report.gradescope(sample_report(tampered=[
                         tamper.Tampered("Makefile", "changed")])),
                     report.gradescope(report.crash_report("x", "no grader")),
                     report.gradescope(report.crash_report(
                         "x", "build failed", [report.Listed("a", "test a", 3)]))):
            self.assertEqual(gradescope_schema.problems(data), [])


class AutograderTests(OfficialTestCase):
    """python3 -m grade.autograder in the fake starter, as run_autograder runs it."""

    def autograde(self, submitted: str, time_limit: float = 60) -> dict:
        out = self.path("out", os.path.basename(submitted))
        result = subprocess.run(
            [sys.executable, "-m", "grade.autograder", "--submission", submitted,
             "--results", os.path.join(out, "results.json"),
             "--report", os.path.join(out, "report.txt"), "--work", os.path.join(out, "work"),
             "--time-limit", str(time_limit), "-j", "2"],
            cwd=self.starter, env=self.environment, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, universal_newlines=True, timeout=time_limit + 120)
        self.assertEqual(result.returncode, 0, result.stdout)
        with open(os.path.join(out, "results.json")) as f:
            results = json.load(f)
        self.assert_valid(results)
        self.assertFalse(os.path.exists(os.path.join(out, "work", "tree")))
        return results

    def scores(self, results: dict) -> Dict[str, float]:
        return {t["extra_data"]["test"]: t["score"] for t in results["tests"]}

    def test_a_correct_submission_gets_full_marks(self) -> None:
        results = self.autograde(self.submit("good", "SOLVED\n"))
        self.assertEqual((results["score"], report.max_score(results)), (10, 10))
        self.assertEqual(self.scores(results), {"echo": 4, "check": 6})
        self.assertIn("Graded: the fake starter with your file (kernel/answer.c)",
                      results["output"])
        self.assertTrue(results["extra_data"]["official"])

    def test_the_unchanged_starter_falls_short(self) -> None:
        results = self.autograde(self.submit("starter", "STARTER\n"))
        self.assertEqual(self.scores(results), {"echo": 4, "check": 0})
        self.assertIn("not done yet", results["tests"][1]["output"])

    def test_a_build_failure_scores_zero_and_says_why(self) -> None:
        results = self.autograde(self.submit("broken", "BROKEN\n"))
        self.assertEqual((results["score"], report.max_score(results)), (0, 10))
        self.assertIn("The build failed (make exited with status 2)", results["output"])
        self.assertIn("kernel/answer.c:1: error: broken", results["output"])
        self.assertTrue(all("not run: The build failed" in t["output"]
                            for t in results["tests"]))
        self.assertIn("The build failed", results["extra_data"]["problem"])

    def test_a_hang_ends_within_the_time_limit(self) -> None:
        started = time.monotonic()
        results = self.autograde(self.submit("hang", "HANG\n"), time_limit=25)
        self.assertLess(time.monotonic() - started, 60)
        self.assertEqual(results["score"], 0)
        self.assertIn("time limit", results["tests"][0]["output"])

    def test_edited_graders_tests_checksums_and_makefile_do_not_count(self) -> None:
        tree = self.submit("cheat", "STARTER\n")
        write(tree, "grade/grade_fake.py", FAKE_GRADER.replace(
            'run.token_line("check: OK", run.shell("check"))', "pass"))
        write(tree, "user/check.c", "int main(void) { printf(\"check: OK\"); }\n")
        write(tree, "Makefile", MAKEFILE.replace("STARTER", "SOLVED") + "\n# -k echo\n")
        files = {path: b"x" for path in ("grade/grade_fake.py", "user/check.c", "Makefile")}
        write(tree, "conf/checksums", tamper.format_checksums(files))
        results = self.autograde(tree)
        self.assertEqual(self.scores(results), {"echo": 4, "check": 0})
        for path in ("Makefile", "conf/checksums", "grade/grade_fake.py", "user/check.c"):
            self.assertIn(path + " (changed)", results["output"])
        self.assertTrue(results["extra_data"]["official"])

    def test_files_outside_the_list_are_ignored(self) -> None:
        tree = self.submit("outside", "SOLVED\n")
        write(tree, "kernel/other.c", "BROKEN\n")
        results = self.autograde(tree)
        self.assertEqual(results["score"], 10)
        self.assertIn("kernel/other.c (changed)", results["extra_data"]["submission"]["ignored"])

    def test_nothing_to_grade_still_writes_results(self) -> None:
        os.makedirs(self.path("submissions", "empty"))
        results = self.autograde(self.path("submissions", "empty"))
        self.assertEqual((results["score"], report.max_score(results)), (0, 10))
        self.assertIn("No Kiln tree was found", results["output"])

    def test_a_broken_autograder_still_writes_results(self) -> None:
        write(self.starter, "grade/grade_fake.py", "raise RuntimeError('grader typo')\n")
        results = self.autograde(self.submit("any", "SOLVED\n"))
        self.assertEqual(results["score"], 0)
        self.assertIn("The autograder itself failed", results["output"])
        self.assertIn("grader typo", results["output"])


class BuildAccountTests(OfficialTestCase):
    """As root, the build runs as the build account, and what it leaves is killed."""

    UID = 54321  # an account nobody has: root may become any uid

    @unittest.skipUnless(os.geteuid() == 0, "only root can build as another account")
    def test_the_build_runs_as_the_account_and_leaves_nothing(self) -> None:
        account = pwd.struct_passwd(("kiln-test", "x", self.UID, self.UID, "", "/", "/bin/sh"))
        write(self.starter, "Makefile", MAKEFILE.replace(
            "\tcp kernel/answer.c kernel/kernel\n",
            "\tcp kernel/answer.c kernel/kernel\n\tid -u > built-by\n"
            "\tsetsid sleep 300 > /dev/null 2>&1 < /dev/null &\n"))
        tree = self.path("work", "tree")
        submission.assemble(self.starter, self.submit("mine", "SOLVED\n"), tree)
        os.chmod(self.scratch, 0o711)
        with mock.patch.object(autograder, "build_account", return_value=account):
            built, output = autograder.build(tree, 1, 60)
        self.assertTrue(built, output)
        self.assertEqual(read(tree, "built-by"), "{}\n".format(self.UID))
        self.assertEqual(os.stat(os.path.join(tree, "kernel", "kernel")).st_uid, self.UID)
        self.assertEqual(autograder.processes_of(self.UID), [])


class GradeClassTests(OfficialTestCase):

    def test_a_class_with_bad_submissions_in_it(self) -> None:
        folder = self.path("class")
        self.submit("../class/alice", "SOLVED\n")
        bob = self.submit("bob", "STARTER\n")
        shutil.make_archive(os.path.join(folder, "bob"), "zip", os.path.dirname(bob), "bob")
        self.submit("../class/dave", "BROKEN\n")
        self.submit("../class/erin", "HANG\n")
        os.makedirs(os.path.join(folder, "frank"))
        output = self.path("grades")
        with mock.patch.dict(os.environ, QEMU=self.environment["QEMU"]), \
                contextlib.redirect_stdout(io.StringIO()):
            graded = course.grade_all(self.starter, course.submissions_in(folder), output, 2,
                                      25, "Lab 0 (fake)")
        self.assertEqual([g.student for g in graded], ["alice", "bob", "dave", "erin", "frank"])
        with open(os.path.join(output, "scores.csv")) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["student", "score", "max_score", "echo", "check", "problem"])
        table = {row[0]: row[1:5] for row in rows[1:]}
        self.assertEqual(table, {"alice": ["10", "10", "4", "6"], "bob": ["4", "10", "4", "0"],
                                 "dave": ["0", "10", "0", "0"], "erin": ["0", "10", "0", "0"],
                                 "frank": ["0", "10", "0", "0"]})
        problems = {row[0]: row[5] for row in rows[1:]}
        self.assertIn("The build failed", problems["dave"])
        self.assertIn("No Kiln tree was found", problems["frank"])
        self.assertEqual(problems["alice"], "")
        for student in ("alice", "bob", "dave", "erin", "frank"):
            with open(os.path.join(output, "results", student + ".json")) as f:
                self.assert_valid(json.load(f))
            self.assertTrue(os.path.isfile(os.path.join(output, "reports", student + ".txt")))
        summary = read(output, "summary.txt")
        self.assertIn("Lab 0 (fake): 5 submissions, 1 with full marks.", summary)
        self.assertRegex(summary, r"check +failed by 4 of 5\n  echo +failed by 3 of 5")

    def test_what_a_folder_of_submissions_may_hold(self) -> None:
        folder = self.path("class")
        for name in ("amy", "ben.zip", "cy.git", ".hidden", "notes.txt"):
            write(folder, name + ("/x" if "." not in name or name.endswith(".git") else ""), "")
        self.assertEqual([s for s, _ in course.submissions_in(folder)], ["amy", "ben", "cy"])
        write(folder, "amy.zip", "")
        with self.assertRaisesRegex(Exception, "more than one submission in .*: amy"):
            course.submissions_in(folder)


class GradescopeScriptTests(unittest.TestCase):

    def test_setup_lists_the_readme_packages_and_can_dry_run(self) -> None:
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        setup_line = re.search(r"sudo apt-get install ([^\n]+)", readme).group(1).split()
        self.assertEqual([p for p in course.PACKAGES if p not in setup_line], [])
        scratch = tempfile.mkdtemp(prefix="kiln-setup-test-")
        self.addCleanup(shutil.rmtree, scratch)
        script = os.path.join(scratch, "setup.sh")
        with open(script, "w") as f:
            f.write(course.setup_script())
        dry = subprocess.run(["bash", script, "--dry-run"], stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout
        self.assertIn("+ env DEBIAN_FRONTEND=noninteractive apt-get install -y "
                      "--no-install-recommends " + " ".join(course.PACKAGES), dry)
        self.assertIn("+ make -C {}/kiln check-qemu".format(scratch), dry)
        wrong = subprocess.run(["bash", script, "--nonsense"], stderr=subprocess.PIPE)
        self.assertEqual(wrong.returncode, 2)


if __name__ == "__main__":
    if sys.argv[1:2] == ["fake-qemu"]:
        fake_qemu(sys.argv[2:])
    else:
        unittest.main()
