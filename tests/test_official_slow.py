"""Official grading end to end, with the real kernel, tool chain and QEMU. SLOW.

The trace lab's starter is projected and built once; then Gradescope's
run_autograder (from the zip `make gradescope` writes, unpacked into a fake
/autograder whose place KILN_AUTOGRADER_ROOT gives) grades, each on the
cheap test trace_read (the point here is the plumbing, not the lab):
a correct submission (the reference solution applied), the unchanged
starter, one that does not build, one whose kernel hangs, one that edits a
test program, the grader, the checksums and the Makefile to print success,
and one with a file outside the allowed list. Each results.json must pass
the check of Gradescope's format. Then `grade-class` grades a folder of
such submissions (a folder, a zip, a broken one) and its CSV must be right.

Skipped unless KILN_SLOW_TESTS is set: tests/run_tests.py runs it as the
check "official-grading" (python3 tests/run_tests.py -k official-grading).
"""

import csv
import io
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import report, tamper  # noqa: E402
from labs import course  # noqa: E402
from tests import gradescope_schema  # noqa: E402

NEEDS = ("qemu-system-riscv64", "riscv64-unknown-elf-gcc", "make", "git", "unifdef")
SLOW = bool(os.environ.get("KILN_SLOW_TESTS"))
ONLY = "trace_read"


def write(root: str, relpath: str, text: str) -> None:
    with open(os.path.join(root, relpath), "w") as f:
        f.write(text)


def read(root: str, relpath: str) -> str:
    with open(os.path.join(root, relpath)) as f:
        return f.read()


@unittest.skipUnless(SLOW, "slow: set KILN_SLOW_TESTS=1 (run_tests.py -k official-grading)")
@unittest.skipUnless(all(shutil.which(tool) for tool in NEEDS),
                     "needs QEMU, the cross tool chain, make, git and unifdef")
class OfficialGradingEndToEnd(unittest.TestCase):

    @classmethod
    def setUpClass(cls) -> None:
        cls.scratch = tempfile.mkdtemp(prefix="kiln-official-slow-")
        cls.zip = os.path.join(cls.scratch, "gradescope-trace.zip")
        subprocess.run([sys.executable, "labs/course.py", "gradescope", "trace",
                        "--output", cls.zip], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        # The autograder's image, as setup.sh leaves it: source/ unpacked, starter built.
        cls.autograder = os.path.join(cls.scratch, "autograder")
        source = os.path.join(cls.autograder, "source")
        with zipfile.ZipFile(cls.zip) as archive:
            archive.extractall(source)
        for name in ("setup.sh", "run_autograder"):
            os.chmod(os.path.join(source, name), 0o755)
        shutil.copy(os.path.join(source, "run_autograder"), cls.autograder)
        cls.starter = os.path.join(source, course.STARTER_FOLDER)
        subprocess.run(["make", "-j2", "all", "fs-pristine.img"], cwd=cls.starter, check=True,
                       stdout=subprocess.DEVNULL)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def submission(self, name: str, solved: bool = True) -> str:
        """A student's tree: the starter's sources, with the reference solution applied."""
        tree = os.path.join(self.scratch, "submissions", name)
        shutil.copytree(self.starter, tree, ignore=shutil.ignore_patterns("__pycache__"))
        if solved:
            subprocess.run(["git", "apply", os.path.join(ROOT, "solutions", "trace.diff")],
                           cwd=tree, check=True)
        return tree

    def run_autograder(self, submitted: str, time_limit: int = 120) -> dict:
        """Gradescope's run: the submission in /autograder/submission, results out."""
        place = os.path.join(self.autograder, "submission")
        shutil.rmtree(place, ignore_errors=True)
        shutil.rmtree(os.path.join(self.autograder, "results"), ignore_errors=True)
        shutil.copytree(submitted, place, symlinks=True)
        environment = dict(os.environ, KILN_AUTOGRADER_ROOT=self.autograder,
                           KILN_TIME_LIMIT=str(time_limit))
        # run_autograder grades every test; here only the cheap one: the
        # command it runs, with -k.
        script = read(self.autograder, "run_autograder").replace(
            "python3 -m grade.autograder", "python3 -m grade.autograder -k " + ONLY)
        subprocess.run(["bash", "-c", script], cwd=self.autograder, env=environment,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=time_limit + 180)
        with open(os.path.join(self.autograder, "results", "results.json")) as f:
            results = json.load(f)
        self.assertEqual(gradescope_schema.problems(results), [],
                         json.dumps(results, indent=1))
        return results

    def test_a_correct_submission_gets_full_marks(self) -> None:
        tree = self.submission("good")
        write(tree, "answers-trace.txt", "my answers\n")
        results = self.run_autograder(tree)
        self.assertEqual((results["score"], report.max_score(results)), (15, 15),
                         results["output"])
        self.assertIn("answers-trace.txt", results["extra_data"]["submission"]["copied"])

    def test_the_unchanged_starter_falls_short(self) -> None:
        results = self.run_autograder(self.submission("starter", solved=False))
        self.assertEqual((results["score"], report.max_score(results)), (0, 15))
        self.assertIn('expected a line "N: syscall read -> N"', results["tests"][0]["output"])

    def test_a_submission_that_does_not_build(self) -> None:
        tree = self.submission("broken")
        with open(os.path.join(tree, "kernel", "sysproc.c"), "a") as f:
            f.write("this is not C\n")
        results = self.run_autograder(tree)
        self.assertEqual(results["score"], 0)
        self.assertIn("The build failed", results["output"])
        self.assertIn("kernel/sysproc.c", results["output"])

    def test_a_kernel_that_hangs(self) -> None:
        tree = self.submission("hang")
        source = read(tree, "kernel/sysproc.c")
        hung = re.sub(r"(uint64 sys_trace\(void\)\n\{\n)", r"\1  for (;;)\n    ;\n", source)
        self.assertNotEqual(hung, source)
        write(tree, "kernel/sysproc.c", hung)
        results = self.run_autograder(tree, time_limit=60)
        self.assertEqual(results["score"], 0)
        self.assertRegex(results["tests"][0]["output"], r"TIMEOUT|time limit")

    def test_edited_tests_graders_checksums_and_makefile_do_not_count(self) -> None:
        tree = self.submission("cheat", solved=False)
        # A test program that prints the line the grader looks for itself,
        write(tree, "user/trace.c", '#include "kernel/types.h"\n#include "user/user.h"\n'
              'int main(void) { printf("3: syscall read -> 0\\n"); exit(0); }\n')
        # a grader whose test passes whatever happens,
        grader = read(tree, "grade/grade_trace.py")
        write(tree, "grade/grade_trace.py", grader.replace(
            "    size = readme_size(run)\n", "    return\n    size = readme_size(run)\n"))
        # a Makefile that asks for the one test, and checksums to match.
        write(tree, "Makefile", read(tree, "Makefile").replace("$(GRADEFLAGS)",
                                                               "-k trace_read $(GRADEFLAGS)"))
        files = {}
        for path in ("user/trace.c", "grade/grade_trace.py", "Makefile"):
            with open(os.path.join(tree, path), "rb") as f:
                files[path] = f.read()
        write(tree, tamper.CHECKSUMS, tamper.format_checksums(files))
        results = self.run_autograder(tree)
        self.assertEqual(results["score"], 0, results["output"])
        ignored = results["extra_data"]["submission"]["ignored"]
        for path in ("Makefile", "conf/checksums", "grade/grade_trace.py", "user/trace.c"):
            self.assertIn(path + " (changed)", ignored)

    def test_a_file_outside_the_allowed_list(self) -> None:
        tree = self.submission("outside")
        with open(os.path.join(tree, "kernel", "vm.c"), "a") as f:
            f.write("this would not build\n")
        results = self.run_autograder(tree)
        self.assertEqual(results["score"], 15, results["output"])
        self.assertIn("kernel/vm.c (changed)", results["extra_data"]["submission"]["ignored"])

    def test_a_class_at_once(self) -> None:
        folder = os.path.join(self.scratch, "class")
        os.makedirs(folder)
        shutil.copytree(self.submission("class-ann"), os.path.join(folder, "ann"))
        plain = self.submission("class-bo", solved=False)
        shutil.make_archive(os.path.join(folder, "bo"), "zip", plain)
        broken = self.submission("class-cy")
        with open(os.path.join(broken, "kernel", "syscall.c"), "a") as f:
            f.write("#error deliberately\n")
        shutil.copytree(broken, os.path.join(folder, "cy"))
        output = os.path.join(self.scratch, "grades")
        with contextlib.redirect_stdout(io.StringIO()):
            course.grade_all(self.starter, course.submissions_in(folder), output, 2, 300,
                             "Lab 1 (trace)", patterns=[ONLY])
        with open(os.path.join(output, "scores.csv")) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["student", "score", "max_score", "trace_read", "problem"])
        self.assertEqual([row[:4] for row in rows[1:]],
                         [["ann", "15", "15", "15"], ["bo", "0", "15", "0"],
                          ["cy", "0", "15", "0"]])
        self.assertIn("The build failed", rows[3][4])


if __name__ == "__main__":
    unittest.main()
