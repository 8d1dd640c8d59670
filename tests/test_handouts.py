"""Tests of handouts/render.py, the handouts' site (`make handouts`).

- how links, shell sessions and titles are rewritten (no pandoc needed);
- the pages chosen in an instructor's tree (released labs in order, the
  others after, instructor-only pages marked, --unreleased), on a small
  synthetic tree;
- a projected student tree renders its own labs and nothing else.

The site in a real browser is the check "handouts" of tests/run_tests.py
(tests/handouts_check.py).

Run: python3 -m unittest tests.test_handouts -v
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "handouts"))

import render  # noqa: E402

HAVE_PANDOC = shutil.which("pandoc") is not None


def write(root, relpath, text):
    path = os.path.join(root, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class ConverterTest(unittest.TestCase):

    def converter(self, out):
        pages = [render.Page("trace.md", "Tracing", None, False),
                 render.Page("kernel.md", "Kernel", None, False)]
        return render.Converter(pages[0], pages, out)

    def test_links(self):
        out = os.path.join(render.HANDOUTS, "site")
        converter = self.converter(out)
        self.assertEqual(converter.target("kernel.md#layers"), "kernel.html#layers")
        self.assertEqual(converter.target("trace.md"), "trace.html")
        self.assertEqual(converter.target("../kernel/vm.c"), "../../kernel/vm.c")
        self.assertEqual(converter.target("figure.svg"), "../figure.svg")
        for same in ("https://example.org/a.md", "#hints", "mailto:x@example.org", ""):
            self.assertEqual(converter.target(same), same)
        self.assertEqual(converter.warnings, [])
        self.assertEqual(converter.target("lazy.md"), "lazy.md")
        self.assertIn("trace.md links to lazy.md, which has no page", converter.warnings[0])
        elsewhere = self.converter("/tmp/kiln-site-test")
        self.assertEqual(elsewhere.target("../Makefile"),
                         os.path.relpath(os.path.join(REPO, "Makefile"), "/tmp/kiln-site-test"))

    def test_sessions_and_title(self):
        converter = self.converter("/tmp")
        tree = {"meta": {}, "blocks": [
            {"t": "Header", "c": [1, ["lab", [], []], [{"t": "Str", "c": "Lab"}]]},
            {"t": "CodeBlock", "c": [["", [], []], "$ trace 32 grep <x> README\n3: read\n$"]},
            {"t": "CodeBlock", "c": [["", ["c"], []], "$ not a session"]},
            {"t": "CodeBlock", "c": [["", [], []], "plain figure"]}]}
        result = converter.document(tree)
        self.assertEqual(result["meta"]["title"]["c"], [{"t": "Str", "c": "Lab"}])
        session, c_code, figure = result["blocks"]
        self.assertEqual(session["t"], "RawBlock")
        self.assertEqual(session["c"][1],
                         '<pre class="session"><code><span class="command">$ trace 32 grep '
                         '&lt;x&gt; README</span>\n3: read\n<span class="command">$</span>'
                         '</code></pre>')
        self.assertEqual(c_code["t"], "CodeBlock")
        self.assertEqual(figure["t"], "CodeBlock")


CATALOGUE = {
    "instructor_only": ["labs/", "handouts/instructor.md"],
    "labs": [
        {"name": "one", "title": "The first", "available": True,
         "handout": "handouts/one.md", "files": [], "programs": []},
        {"name": "two", "title": "The second", "available": False,
         "handout": "handouts/two.md", "files": [], "programs": []},
    ],
}


@unittest.skipUnless(HAVE_PANDOC, "pandoc is not installed")
class SiteTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kiln-handouts-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def copy_renderer(self, root):
        """A tree at root with this repository's renderer and theme."""
        shutil.copytree(os.path.join(REPO, "handouts", "theme"),
                        os.path.join(root, "handouts", "theme"))
        shutil.copy(os.path.join(REPO, "handouts", "render.py"),
                    os.path.join(root, "handouts", "render.py"))

    def run_render(self, root, *options):
        proc = subprocess.run([sys.executable, "handouts/render.py"] + list(options),
                              cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def read(self, root, relpath):
        with open(os.path.join(root, relpath)) as f:
            return f.read()

    def test_instructor_tree(self):
        root = os.path.join(self.tmp, "repo")
        self.copy_renderer(root)
        os.makedirs(os.path.join(root, "labs"))
        for name in ("catalogue.py", "errors.py", "__init__.py"):
            shutil.copy(os.path.join(REPO, "labs", name), os.path.join(root, "labs", name))
        # The catalogue checks student files with the grader's rules.
        shutil.copytree(os.path.join(REPO, "grade"), os.path.join(root, "grade"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        write(root, "labs/catalogue.json", json.dumps(CATALOGUE))
        write(root, "handouts/one.md", "# Lab 1: The first\n\nSee [the kernel](kernel.md#boot)"
                                       " and `make grade`.\n\n## Boot notes\n\ntext\n")
        write(root, "handouts/two.md", "# Lab 2: The second\n\nLater.\n")
        write(root, "handouts/kernel.md", "# Inside\n\n## Boot\n\n```c\nint x;\n```\n")
        write(root, "handouts/instructor.md", "# For staff\n\nBack to [lab 1](one.md).\n")
        proc = self.run_render(root)
        self.assertEqual(proc.stderr, "")
        site = os.path.join(root, "handouts", "site")
        self.assertEqual(sorted(os.listdir(site)),
                         ["index.html", "instructor.html", "kernel.html", "one.html",
                          "style.css"])
        index = self.read(site, "index.html")
        self.assertIn('<a href="one.html">The first</a>', index)
        self.assertLess(index.index("one.html"), index.index("instructor.html"))
        self.assertIn("instructors only", index)
        self.assertNotIn("two.html", index)
        one = self.read(site, "one.html")
        self.assertIn('href="kernel.html#boot"', one)
        self.assertIn("<title>Lab 1: The first - Kiln</title>", one)
        self.assertIn('<h1 class="title">Lab 1: The first</h1>', one)
        self.assertIn('href="#boot-notes"', one)  # the table of contents
        self.assertIn('class="sourceCode c"', self.read(site, "kernel.html"))
        self.run_render(root, "--unreleased")
        self.assertIn("two.html", os.listdir(site))
        index = self.read(site, "index.html")
        self.assertIn("not released", index)
        self.assertIn('href="two.html" rel="next"', self.read(site, "one.html"))

    def test_student_tree(self):
        student = os.path.join(self.tmp, "student")
        proc = subprocess.run([sys.executable, "labs/stage.py", "project", "kpgtbl", student],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(student, "handouts", "instructor.md")))
        self.run_render(student)
        site = os.path.join(student, "handouts", "site")
        pages = sorted(os.listdir(site))
        self.assertIn("trace.html", pages)
        self.assertIn("kpgtbl.html", pages)
        self.assertNotIn("alarm.html", pages)
        self.assertNotIn("instructor.html", pages)
        index = self.read(site, "index.html")
        self.assertLess(index.index("trace.html"), index.index("kpgtbl.html"))

    def test_missing_pandoc_is_reported(self):
        root = os.path.join(self.tmp, "repo")
        self.copy_renderer(root)
        write(root, "handouts/one.md", "# One\n")
        proc = subprocess.run([sys.executable, "handouts/render.py"], cwd=root,
                              env=dict(os.environ, PATH=self.tmp),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("pandoc is not installed", proc.stderr)


if __name__ == "__main__":
    unittest.main()
