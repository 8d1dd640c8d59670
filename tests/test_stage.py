"""Tests of the stage tool (labs/stage.py) on a small synthetic repository.

Each test builds its own git repository with two available labs (trace,
kpgtbl) and one that is not (alarm), then drives the tool through its command
line, the way the Makefile and instructors use it.

Run: python3 -m unittest tests.test_stage -v
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGE_PY = os.path.join(REPO, "labs", "stage.py")
sys.path.insert(0, REPO)

from labs import diffs, tree  # noqa: E402

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

X_C = """\
#include "x.h"
int common;
#if LAB_TRACE >= 2
int trace_solved;
#elif LAB_TRACE == 1
int trace_stub;
#else
int trace_original;
#endif
#if LAB_KPGTBL
int kpgtbl_scaffold;
#endif
#if LAB_KPGTBL >= 2
int kpgtbl_solved;
#endif
int tail;
"""

X_H = """\
#ifndef X_H
#define X_H
#if LAB_TRACE
int sys_trace(void);
#endif
#endif
"""

ENTRY_S = """\
# it's the entry point
.globl _entry
_entry:
#if LAB_KPGTBL >= 2
  nop
#endif
  ret
"""

CATALOGUE = {
    "instructor_only": ["labs/", "solutions/", "tests/", ".ci/"],
    "labs": [
        {"name": "trace", "title": "Tracing", "available": True,
         "handout": "handouts/trace.md", "files": ["user/trace.c"],
         "solution_files": ["kernel/tracesol.c"], "programs": ["trace"],
         "edits": ["kernel/x.c"]},
        {"name": "kpgtbl", "title": "Page tables", "available": True,
         "handout": "handouts/kpgtbl.md", "files": ["user/kp.c", "user/kpdir/"],
         "programs": ["kptest"], "edits": ["kernel/x.c", "kernel/entry.S"]},
        {"name": "alarm", "title": "Alarm", "available": False,
         "handout": "handouts/alarm.md", "files": ["user/alarm.c"],
         "programs": ["alarmtest"]},
    ],
}

FILES = {
    "Makefile": "all:\n\techo build\n",
    "README.md": "Kiln (synthetic)\n",
    ".gitignore": "*.o\nbuild/\n",
    "kernel/x.c": X_C,
    "kernel/x.h": X_H,
    "kernel/entry.S": ENTRY_S,
    "kernel/plain.c": "int plain;",
    "kernel/tracesol.c": "int trace_helper;\n",
    "user/trace.c": "int main(void) { return 0; }\n",
    "user/kp.c": "int kp;\n",
    "user/kpdir/a.c": "int a;\n",
    "handouts/trace.md": "# Tracing\n",
    "handouts/kpgtbl.md": "# Page tables\n",
    "grade/run.sh": "#!/bin/sh\necho grading\n",
    "tests/t.py": "print('instructor test')\n",
    ".ci/run": "#!/bin/sh\nmake test\n",
}


def write(root, relpath, text):
    path = os.path.join(root, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def git(cwd, *args):
    env = dict(os.environ, **GIT_ENV)
    return subprocess.run(["git", "-c", "init.defaultBranch=main"] + list(args),
                          cwd=cwd, env=env, check=True,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE).stdout.decode()


class StageFixture(unittest.TestCase):
    """A synthetic repository per test, and helpers to drive the tool."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kiln-stage-test-")
        self.root = os.path.join(self.tmp, "repo")
        for relpath, text in FILES.items():
            write(self.root, relpath, text)
        # The student README and workflow, laid over every projected tree.
        shutil.copytree(os.path.join(REPO, "labs", "student-tree"),
                        os.path.join(self.root, "labs", "student-tree"))
        self.write_catalogue(CATALOGUE)
        os.chmod(os.path.join(self.root, "grade/run.sh"), 0o755)
        git(self.root, "init", "-q")
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", "synthetic")
        # A build product: untracked and ignored, so never projected.
        write(self.root, "kernel/x.o", "object\n")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- helpers ----

    def write_catalogue(self, data):
        text = data if isinstance(data, str) else json.dumps(data, indent=1)
        write(self.root, "labs/catalogue.json", text)

    def stage(self, *args, **kw):
        """Run the tool; return (exit status, stdout, stderr)."""
        proc = subprocess.run(
            [sys.executable, STAGE_PY, "--root", self.root] + list(args),
            cwd=kw.get("cwd", self.root), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=kw.get("env"))
        out, err = proc.stdout.decode(), proc.stderr.decode()
        self.assertNotIn("Traceback", err)
        return proc.returncode, out, err

    def ok(self, *args, **kw):
        status, out, err = self.stage(*args, **kw)
        self.assertEqual(status, 0, "stage %s failed: %s" % (args, err))
        return out

    def fails(self, status, *args):
        code, out, err = self.stage(*args)
        self.assertEqual(code, status, "stage %s: %s%s" % (args, out, err))
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        return err

    def project(self, stage_name):
        dest = os.path.join(self.tmp, "p-" + stage_name)
        self.ok("project", stage_name, dest)
        return dest

    def read(self, dest, relpath):
        with open(os.path.join(dest, relpath)) as f:
            return f.read()

    def make_vars(self, *args):
        result = {}
        for line in self.ok("make-vars", *args).splitlines():
            name, sep, value = line.partition(" := ")
            self.assertTrue(sep and name.isupper(), line)
            result[name] = value
        return result

    def branch_names(self, repo):
        return sorted(git(repo, "for-each-ref", "--format=%(refname:short)",
                          "refs/heads").split())

    def assert_branch_is_projection(self, repo, name):
        projected = tree.read_tree(self.project(name))
        listed = git(repo, "ls-tree", "-r", "--name-only", name).split()
        self.assertEqual(sorted(listed), sorted(projected))
        shown = git(repo, "show", "%s:kernel/x.c" % name)
        self.assertEqual(shown.encode(), projected["kernel/x.c"].data)


class StageToolTest(StageFixture):

    # ---- stages ----

    def test_list_shows_every_stage_in_order(self):
        lines = self.ok("list").splitlines()
        self.assertEqual([line.split()[0] for line in lines],
                         ["base", "trace", "trace-solved", "kpgtbl",
                          "kpgtbl-solved", "alarm", "alarm-solved"])
        self.assertIn("not available yet", lines[5])
        self.assertNotIn("not available", lines[4])
        self.assertIn("(default)", lines[4])

    def test_default_is_last_available_solved_stage(self):
        self.assertEqual(self.ok("default").strip(), "kpgtbl-solved")
        self.assertEqual(self.ok("--unreleased", "default").strip(),
                         "alarm-solved")
        data = json.loads(json.dumps(CATALOGUE))
        for lab in data["labs"]:
            lab["available"] = False
        self.write_catalogue(data)
        self.assertEqual(self.ok("default").strip(), "base")

    def test_defines(self):
        self.assertEqual(self.ok("defines", "base").split(),
                         ["-DLAB_TRACE=0", "-DLAB_KPGTBL=0", "-DLAB_ALARM=0"])
        self.assertEqual(self.ok("defines", "trace").split(),
                         ["-DLAB_TRACE=1", "-DLAB_KPGTBL=0", "-DLAB_ALARM=0"])
        self.assertEqual(self.ok("defines", "kpgtbl").split(),
                         ["-DLAB_TRACE=2", "-DLAB_KPGTBL=1", "-DLAB_ALARM=0"])
        self.assertEqual(self.ok("defines").split(),
                         ["-DLAB_TRACE=2", "-DLAB_KPGTBL=2", "-DLAB_ALARM=0"])

    def test_make_vars(self):
        base = self.make_vars("base")
        self.assertEqual(base["STAGE"], "base")
        self.assertEqual(base["STAGE_LAB"], "")
        self.assertEqual(base["LAB_UPROGS"], "")
        trace = self.make_vars("trace")
        self.assertEqual(trace["STAGE_LAB"], "trace")
        self.assertEqual(trace["LAB_UPROGS"], "trace")
        self.assertIn("kernel/tracesol.c", trace["STAGE_OMIT"].split())
        kp = self.make_vars("kpgtbl")
        self.assertEqual(kp["LABDEFS"],
                         "-DLAB_TRACE=2 -DLAB_KPGTBL=1 -DLAB_ALARM=0")
        self.assertEqual(kp["LAB_UPROGS"], "trace kptest")
        self.assertEqual(set(kp["STAGE_OMIT"].split()),
                         {"user/alarm.c", "handouts/alarm.md"})
        self.assertIn("user/kpdir/%", base["STAGE_OMIT"].split())

    def test_make_vars_output_file_changes_only_with_the_stage(self):
        out = os.path.join(self.tmp, "mk", "stage.mk")
        self.ok("make-vars", "trace", "--output", out)
        self.assertIn("STAGE := trace\n", self.read(self.tmp, out))
        os.utime(out, (1000, 1000))
        self.ok("make-vars", "trace", "--output", out)
        self.assertEqual(os.stat(out).st_mtime, 1000)
        self.ok("make-vars", "kpgtbl", "--output", out)
        self.assertIn("STAGE := kpgtbl\n", self.read(self.tmp, out))

    def test_unknown_stage_is_a_usage_error(self):
        err = self.fails(2, "defines", "nosuch")
        self.assertIn("unknown stage 'nosuch'", err)

    def test_unavailable_lab_is_refused(self):
        for args in (("defines", "alarm"), ("make-vars", "alarm-solved"),
                     ("project", "alarm", os.path.join(self.tmp, "a"))):
            err = self.fails(1, *args)
            self.assertIn("lab alarm is not available yet", err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "a")))

    # ---- projection ----

    def test_projection_keeps_the_right_branch(self):
        expected = {
            "base": ["trace_original"],
            "trace": ["trace_stub"],
            "trace-solved": ["trace_solved"],
            "kpgtbl": ["trace_solved", "kpgtbl_scaffold"],
            "kpgtbl-solved": ["trace_solved", "kpgtbl_scaffold",
                              "kpgtbl_solved"],
        }
        markers = ["trace_original", "trace_stub", "trace_solved",
                   "kpgtbl_scaffold", "kpgtbl_solved"]
        for name, present in expected.items():
            dest = self.project(name)
            x_c = self.read(dest, "kernel/x.c")
            for marker in markers:
                self.assertEqual(marker in x_c, marker in present,
                                 "%s in %s:\n%s" % (marker, name, x_c))
            self.assertTrue(x_c.startswith('#include "x.h"\nint common;\n'))
            self.assertTrue(x_c.endswith("int tail;\n"))
            self.assertEqual("nop" in self.read(dest, "kernel/entry.S"),
                             name == "kpgtbl-solved")
            self.assertEqual("sys_trace" in self.read(dest, "kernel/x.h"),
                             name != "base")
            self.assertEqual(self.read(dest, "kernel/plain.c"), "int plain;")
            for relpath in tree.list_files(dest):
                self.assertNotIn("LAB_", self.read(dest, relpath)
                                 .replace("LAB_UPROGS", ""), relpath)

    def test_projection_holds_only_the_stage_files(self):
        present = {
            "base": set(),
            "trace": {"user/trace.c", "handouts/trace.md"},
            "trace-solved": {"user/trace.c", "handouts/trace.md",
                             "kernel/tracesol.c"},
            "kpgtbl": {"user/trace.c", "handouts/trace.md",
                       "kernel/tracesol.c", "user/kp.c", "user/kpdir/a.c",
                       "handouts/kpgtbl.md"},
        }
        common = {"Makefile", "README.md", ".gitignore", "kernel/x.c",
                  "kernel/x.h", "kernel/entry.S", "kernel/plain.c",
                  "grade/run.sh", "conf/lab", "conf/lab.mk", "conf/checksums",
                  "conf/labs.json", ".github/workflows/grade.yml",
                  ".github/grade_summary.py", "conf/seal", "conf/student-files"}
        for name, lab_files in present.items():
            dest = self.project(name)
            self.assertEqual(set(tree.list_files(dest)), common | lab_files)
            self.assertTrue(os.stat(os.path.join(dest, "grade/run.sh"))
                            .st_mode & stat.S_IXUSR)

    def test_projection_records_the_lab(self):
        dest = self.project("kpgtbl-solved")
        self.assertEqual(self.read(dest, "conf/lab"), "kpgtbl\n")
        lab_mk = self.read(dest, "conf/lab.mk")
        self.assertIn("STAGE_LAB := kpgtbl\n", lab_mk)
        self.assertIn("LAB_UPROGS := trace kptest\n", lab_mk)
        self.assertNotIn("LABDEFS", lab_mk)
        starter = self.project("kpgtbl")
        for relpath in ("conf/lab", "conf/lab.mk"):
            self.assertEqual(self.read(dest, relpath),
                             self.read(starter, relpath))
        self.assertEqual(self.read(self.project("base"), "conf/lab"), "base\n")

    def test_projection_records_what_students_may_change(self):
        starter = self.project("trace")
        self.assertEqual(self.read(starter, "conf/student-files"),
                         "kernel/x.c\nkernel/tracesol.c\nanswers-trace.txt\n")
        self.assertEqual(self.read(self.project("base"), "conf/student-files"), "")

    def test_projection_records_checksums_of_the_other_files(self):
        write(self.root, "user/usertests/main.c", "int main;\n")
        starter = self.project("trace")
        listed = self.read(starter, "conf/checksums").splitlines()
        # Not the student's kernel/x.c, not the handouts, not the list itself.
        self.assertEqual([line.split("  ")[1] for line in listed],
                         [".gitignore", "Makefile", "README.md", "conf/lab",
                          "conf/lab.mk", "conf/student-files", "grade/run.sh",
                          "kernel/entry.S", "kernel/plain.c", "kernel/x.h",
                          "user/trace.c", "user/usertests/main.c"])
        self.assertEqual(self.read(self.project("trace-solved"),
                                   "conf/checksums"),
                         self.read(starter, "conf/checksums"))
        checked = subprocess.run(["sha256sum", "--quiet", "-c",
                                  "conf/checksums"], cwd=starter)
        self.assertEqual(checked.returncode, 0)
        sealed = subprocess.run(["sha256sum", "conf/checksums"], cwd=starter,
                                stdout=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(self.read(starter, "conf/seal"),
                         sealed.stdout.split()[0] + "\n")
        self.assertIn("kernel/x.c",
                      self.read(self.project("base"), "conf/checksums"))

    def test_projection_needs_a_new_or_empty_directory(self):
        dest = os.path.join(self.tmp, "dest")
        write(dest, "keep.txt", "mine\n")
        err = self.fails(1, "project", "trace", dest)
        self.assertIn("not empty", err)
        self.assertEqual(os.listdir(dest), ["keep.txt"])
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        self.ok("project", "trace", empty)
        self.assertEqual(self.read(empty, "conf/lab"), "trace\n")

    def test_leftover_macro_is_an_error_naming_the_file(self):
        write(self.root, "kernel/mixed.c",
              "int a;\n#if LAB_TRACE && defined(FOO)\nint b;\n#endif\n")
        dest = os.path.join(self.tmp, "mixed")
        err = self.fails(1, "project", "trace", dest)
        self.assertIn("kernel/mixed.c:2 still mentions LAB_TRACE", err)
        self.assertFalse(os.path.exists(dest))
        os.remove(os.path.join(self.root, "kernel/mixed.c"))
        write(self.root, "NOTES.md", "Set LAB_KPGTBL to 2\n")
        err = self.fails(1, "project", "trace", dest)
        self.assertIn("NOTES.md:1 still mentions LAB_KPGTBL", err)

    def test_unifdef_error_is_reported_cleanly(self):
        write(self.root, "kernel/bad.c", "#if LAB_TRACE\nint x;\n")
        err = self.fails(1, "project", "trace",
                         os.path.join(self.tmp, "bad"))
        self.assertIn("unifdef could not process kernel/bad.c: "
                      "kernel/bad.c: 3: Premature EOF", err)

    def test_missing_lab_file_is_reported(self):
        os.remove(os.path.join(self.root, "user/trace.c"))
        err = self.fails(1, "project", "trace", os.path.join(self.tmp, "m"))
        self.assertIn("lab 1 (trace) lists user/trace.c, but the tree has no "
                      "such file", err)

    def test_projection_outside_git_walks_the_tree(self):
        plain = os.path.join(self.tmp, "plain")
        shutil.copytree(self.root, plain,
                        ignore=shutil.ignore_patterns(".git"))
        write(plain, "build/out.txt", "ignored directory\n")
        dest = os.path.join(self.tmp, "from-plain")
        proc = subprocess.run(
            [sys.executable, STAGE_PY, "--root", plain, "project", "trace",
             dest], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        files = set(tree.list_files(dest))
        self.assertNotIn("kernel/x.o", files)
        self.assertNotIn("build/out.txt", files)
        self.assertEqual(files, set(tree.list_files(self.project("trace"))))

    # ---- the catalogue ----

    def assert_catalogue_error(self, text, message):
        self.write_catalogue(text)
        err = self.fails(1, "list")
        self.assertTrue(err.startswith("labs/catalogue.json: "), err)
        self.assertIn(message, err)

    def test_malformed_catalogue_errors(self):
        def changed(edit):
            data = json.loads(json.dumps(CATALOGUE))
            edit(data)
            return data
        cases = [
            ('{"labs": [', "not valid JSON"),
            ("[]", 'the top level must be an object with a "labs" list'),
            (changed(lambda d: d["labs"][1].pop("name")),
             "lab 2 has no 'name'"),
            (changed(lambda d: d["labs"][0].pop("programs")),
             "lab 1 (trace) has no 'programs'"),
            (changed(lambda d: d["labs"][2].update(name="trace")),
             "lab 3 repeats the name 'trace' of lab 1"),
            (changed(lambda d: d["labs"][0].update(solution_file=[])),
             "unknown key 'solution_file'"),
            (changed(lambda d: d["labs"][0].update(available="yes")),
             "'available' must be true or false"),
            (changed(lambda d: d["labs"][0].update(files=["../etc/passwd"])),
             "not a plain relative path"),
            (changed(lambda d: d["labs"][1].update(files=["user/trace.c"])),
             "lab 2 (kpgtbl) lists user/trace.c, which lab 1 (trace)"),
            (changed(lambda d: d["labs"][0].update(available=False)),
             "lab 2 (kpgtbl) is available but lab 1 (trace) before it is not"),
            (changed(lambda d: d["labs"][1].update(name="Bad-Name")),
             "'name' must be a lower-case identifier"),
            (changed(lambda d: d["labs"][0].update(protected=["user/kp.c"])),
             "'protected' lists user/kp.c, which is not among the lab's"),
            (changed(lambda d: d["labs"][0].update(edits=["grade/run.sh"])),
             "lab 1 (trace) lets students change grade/run.sh, but grading "
             "relies on it"),
            (changed(lambda d: d["labs"][0].update(edits=["Makefile"])),
             "lets students change Makefile, but grading relies on it"),
            (changed(lambda d: d["labs"][0].update(student_files=["user/"])),
             "lets students change user/, but grading relies on it"),
            (changed(lambda d: d["labs"][0].update(edits=["user/usys.py"])),
             "user/usys.py, but the host runs or reads it while building"),
            (changed(lambda d: d["labs"][0].update(edits=["tests/t.py"])),
             "the host runs or reads it"),
            (changed(lambda d: d["labs"][0].update(edits=["labs/x.c"])),
             "which is instructor-only (labs/)"),
            (changed(lambda d: d["labs"][1].update(edits=["handouts/trace.md"])),
             "lab 2 (kpgtbl) lets students change handouts/trace.md, which lab 1 "
             "(trace) protects"),
            (changed(lambda d: d["labs"][0].update(protected=["user/trace.c"],
                                                   edits=["user/trace.c"])),
             "lab 1 (trace) lets students change user/trace.c, which lab 1 "
             "(trace) protects"),
        ]
        for text, message in cases:
            with self.subTest(message=message):
                self.assert_catalogue_error(text, message)

    def test_missing_catalogue(self):
        os.remove(os.path.join(self.root, "labs/catalogue.json"))
        self.assertIn("no such file", self.fails(1, "list"))

    # ---- solutions ----

    def test_solutions_apply_to_the_starter(self):
        self.ok("solutions")
        names = sorted(os.listdir(os.path.join(self.root, "solutions")))
        self.assertEqual(names, ["kpgtbl.diff", "trace.diff"])
        self.assertIn("up to date", self.ok("solutions"))
        for lab in ("trace", "kpgtbl"):
            patch = os.path.join(self.root, "solutions", lab + ".diff")
            solved = tree.read_tree(self.project(lab + "-solved"))
            with_git = self.project(lab)
            git(with_git, "apply", patch)
            self.assertEqual(tree.read_tree(with_git), solved)
            if shutil.which("patch"):
                with_patch = os.path.join(self.tmp, "patch-" + lab)
                self.ok("project", lab, with_patch)
                with open(patch, "rb") as f:
                    subprocess.run(["patch", "-s", "-p1"], cwd=with_patch,
                                   stdin=f, check=True,
                                   stdout=subprocess.DEVNULL)
                self.assertEqual(tree.read_tree(with_patch), solved)

    def test_a_solution_may_change_only_student_files(self):
        data = json.loads(json.dumps(CATALOGUE))
        data["labs"][1]["edits"] = ["kernel/x.c"]
        self.write_catalogue(data)
        err = self.fails(1, "solutions")
        self.assertIn("the reference solution of lab 2 (kpgtbl) changes "
                      "kernel/entry.S, which students may not change", err)

    def test_solutions_check_detects_staleness(self):
        self.ok("solutions")
        self.assertIn("fresh", self.ok("solutions", "--check"))
        write(self.root, "kernel/tracesol.c", "int trace_helper2;\n")
        err = self.fails(1, "solutions", "--check")
        self.assertIn("solutions/trace.diff is stale", err)
        self.assertIn("run `make solutions`", err)
        self.assertNotIn("kpgtbl.diff", err)
        os.remove(os.path.join(self.root, "solutions/kpgtbl.diff"))
        write(self.root, "solutions/alarm.diff", "old\n")
        err = self.fails(1, "solutions", "--check")
        self.assertIn("solutions/kpgtbl.diff is missing", err)
        self.assertIn("solutions/alarm.diff should not exist", err)
        self.ok("solutions")
        self.ok("solutions", "--check")
        self.assertFalse(os.path.exists(
            os.path.join(self.root, "solutions/alarm.diff")))

    # ---- branches ----

    def test_branches_for_students(self):
        dest = os.path.join(self.tmp, "student")
        home = os.path.join(self.tmp, "home")
        os.mkdir(home)
        # No git identity anywhere: the tool must bring its own.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(HOME=home, XDG_CONFIG_HOME=home, GIT_CONFIG_NOSYSTEM="1")
        self.ok("branches", dest, env=env)
        # Only the first lab: later ones are released after its deadline.
        self.assertEqual(self.branch_names(dest), ["base", "trace"])
        self.assertEqual(git(dest, "symbolic-ref", "--short", "HEAD").strip(),
                         "trace")
        self.assertEqual(self.read(dest, "conf/lab"), "trace\n")
        self.assertEqual(git(dest, "status", "--porcelain"), "")
        for name in ("base", "trace"):
            self.assert_branch_is_projection(dest, name)
        self.assertEqual(git(dest, "rev-parse", "trace^").strip(),
                         git(dest, "rev-parse", "base").strip())
        self.assertEqual(git(dest, "rev-list", "--count", "base").strip(),
                         "1")
        self.assertIn("100755 blob", git(dest, "ls-tree", "trace",
                                         "grade/run.sh"))

    def test_branches_for_staff(self):
        dest = os.path.join(self.tmp, "staff")
        self.ok("branches", "--staff", "--until", "kpgtbl", dest)
        self.assertEqual(self.branch_names(dest),
                         ["base", "kpgtbl", "kpgtbl-solved", "trace",
                          "trace-solved"])
        self.assert_branch_is_projection(dest, "trace-solved")
        self.assertIn("reference solution",
                      git(dest, "log", "-1", "--format=%s", "trace-solved"))
        # A solution sits on its starter; the next starter on the starter.
        for child, parent in (("trace-solved", "trace"), ("kpgtbl", "trace"),
                              ("kpgtbl-solved", "kpgtbl")):
            self.assertEqual(git(dest, "rev-parse", child + "^").strip(),
                             git(dest, "rev-parse", parent).strip(), child)

    def test_branches_need_a_new_directory(self):
        dest = os.path.join(self.tmp, "used")
        write(dest, "x", "x\n")
        self.assertIn("not empty", self.fails(1, "branches", dest))

    # ---- compare ----

    def test_compare_shows_both_sides(self):
        submission = self.project("trace")
        x_c = os.path.join(submission, "kernel/x.c")
        with open(x_c) as f:
            text = f.read()
        with open(x_c, "w") as f:
            f.write(text.replace("int trace_stub;", "int trace_mine;"))
        write(submission, "user/extra.c", "int extra;\n")
        write(submission, "kernel/x.o", "build product\n")
        out = self.ok("compare", submission)
        self.assertIn("Lab 1 (trace): Tracing", out)
        self.assertIn("Changed by both (1): kernel/x.c", out)
        self.assertIn("Changed only by the submission (1): user/extra.c", out)
        self.assertIn("Changed only by the reference solution (1): "
                      "kernel/tracesol.c", out)
        self.assertIn("+int trace_mine;", out)
        self.assertIn("+int trace_solved;", out)
        self.assertNotIn("x.o", out)

    def test_compare_needs_to_know_the_lab(self):
        bare = os.path.join(self.tmp, "bare")
        os.mkdir(bare)
        err = self.fails(2, "compare", bare)
        self.assertIn("pass --lab LAB", err)
        self.assertIn("unknown lab 'nosuch'",
                      self.fails(2, "compare", bare, "--lab", "nosuch"))
        self.assertIn("Changed only by the submission",
                      self.ok("compare", bare, "--lab", "kpgtbl"))


class DiffFormatTest(unittest.TestCase):
    """Corner cases of the diff writer, checked by applying with git."""

    def test_diff_applies_with_git(self):
        old = {
            "same.txt": tree.Entry(b"same\n"),
            "gone.txt": tree.Entry(b"bye\n"),
            "noeol.txt": tree.Entry(b"one\ntwo"),
            "mode.sh": tree.Entry(b"#!/bin/sh\n"),
            "long.c": tree.Entry(b"".join(b"line %d\n" % i
                                          for i in range(40))),
        }
        new = {
            "same.txt": tree.Entry(b"same\n"),
            "noeol.txt": tree.Entry(b"one\nthree\n"),
            "mode.sh": tree.Entry(b"#!/bin/sh\n", tree.EXECUTABLE),
            "long.c": tree.Entry(old["long.c"].data.replace(b"line 5\n", b"")
                                 .replace(b"line 30", b"line thirty")),
            "new/empty.txt": tree.Entry(b""),
            "new/file.txt": tree.Entry(b"hello\n"),
        }
        text = diffs.tree_diff(old, new)
        self.assertNotIn("same.txt", text)
        self.assertEqual(text.count("@@ -"), 5)
        with tempfile.TemporaryDirectory() as work:
            tree.write_tree(old, work)
            patch = os.path.join(work, "..", os.path.basename(work) + ".diff")
            with open(patch, "wb") as f:
                f.write(diffs.encode(text))
            try:
                git(work, "apply", patch)
            finally:
                os.remove(patch)
            self.assertEqual(tree.read_tree(work), new)


if __name__ == "__main__":
    unittest.main()
