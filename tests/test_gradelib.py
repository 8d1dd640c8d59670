"""Tests of the grading library: grade/gradelib.py and the modules it uses.

- fsimage, tamper, report and the stack walk are tested directly (fsck in
  tests/test_fsck.py);
- the grader as a program (grade/grade.py, python3 -m grade) runs a small
  lab against a fake QEMU (this file, run as a script with the argument
  "fake-qemu"), which checks the report formats, the per-test token, a
  failure line beside a success line, a hang, a panic, a grader bug, a
  crash, a failed build, protected files, several labs in one run, the
  run's time limit and Ctrl-C, in seconds;
- then a copy of the real tree gets deliberately broken kernels (sys_uptime
  that loops forever, that panics, that faults), and the report must show
  a timeout with the harts' symbolized locations, and the panic with its
  symbolized backtrace and sepc. This needs QEMU and the cross compiler.

Run: python3 -m unittest tests.test_gradelib (or `make test`).
"""

import json
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ElementTree
from typing import Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import fsimage, monitor, report, tamper, wording  # noqa: E402

THIS_FILE = os.path.abspath(__file__)
GRADE_PY = os.path.join(ROOT, "grade", "grade.py")


# ---- a small file system image, made here ----

def make_image(path: str, blocks: int = 200, inodes: int = 32, root_entries: int = 2,
               magic: int = fsimage.FSMAGIC) -> None:
    """Write a Kiln file system: boot, superblock, 2 log blocks, inodes, bitmap, data.

    The root directory holds "." and ".." and then files f2, f3, ... (without
    inodes of their own) up to root_entries entries. magic chooses the
    layout of the inodes' addresses (fsimage.LAYOUTS). At most 8192 blocks:
    the bitmap has one block.
    """
    inode_blocks = (inodes + fsimage.IPB - 1) // fsimage.IPB
    inodestart = 4
    bmapstart = inodestart + inode_blocks
    first_data = bmapstart + 1
    image = bytearray(blocks * fsimage.BSIZE)
    fsimage.SUPERBLOCK.pack_into(image, fsimage.BSIZE, magic, blocks,
                                 blocks - first_data, inodes, 2, 2, inodestart, bmapstart)
    root_blocks = [first_data + i for i in range((root_entries * 16 + 1023) // 1024)]
    addrs = root_blocks + [0] * (13 - len(root_blocks))
    fsimage.DINODE.pack_into(image, inodestart * fsimage.BSIZE + fsimage.DINODE.size,
                             fsimage.T_DIR, 0, 0, 1, root_entries * 16, *addrs)
    names = [b".", b".."] + [b"f%d" % i for i in range(2, root_entries)]
    for index, name in enumerate(names):
        offset = root_blocks[index // 64] * fsimage.BSIZE + (index % 64) * 16
        fsimage.DIRENT.pack_into(image, offset, 1, name)
    for block in range(first_data + len(root_blocks)):
        image[bmapstart * fsimage.BSIZE + block // 8] |= 1 << (block % 8)
    with open(path, "wb") as out:
        out.write(image)


def root_names(path: str) -> List[str]:
    """The names in an image's root directory, read independently of fsimage."""
    with open(path, "rb") as handle:
        data = handle.read()
    inodestart = struct.unpack_from("<I", data, 1024 + 24)[0]
    root = struct.unpack_from("<4hI13I", data, inodestart * 1024 + 64)
    size, addrs = root[4], root[5:]
    names = []
    for offset in range(0, size, 16):
        place = addrs[offset // 1024] * 1024 + offset % 1024
        inum, name = struct.unpack_from("<H14s", data, place)
        if inum:
            names.append(name.rstrip(b"\0").decode())
    return names


class ScratchTestCase(unittest.TestCase):

    def setUp(self) -> None:
        self.scratch = tempfile.mkdtemp(prefix="kiln-gradelib-test-")
        self.addCleanup(shutil.rmtree, self.scratch, True)

    def path(self, *parts: str) -> str:
        return os.path.join(self.scratch, *parts)

    def read(self, *parts: str) -> str:
        with open(self.path(*parts), encoding="utf-8") as f:
            return f.read()


class FsImageTests(ScratchTestCase):

    def setUp(self) -> None:
        super().setUp()
        self.image = self.path("fs.img")
        make_image(self.image)

    def contents(self) -> bytes:
        with open(self.image, "rb") as f:
            return f.read()

    def test_added_file_is_in_the_root_and_reads_back(self) -> None:
        fsimage.add_file(self.image, "gradetoken", b"0123456789abcdef")
        self.assertEqual(root_names(self.image), [".", "..", "gradetoken"])
        self.assertEqual(fsimage.read_file(self.image, "gradetoken"), b"0123456789abcdef")
        fsimage.add_file(self.image, "two-blocks", b"x" * 1500)
        self.assertEqual(fsimage.read_file(self.image, "two-blocks"), b"x" * 1500)
        self.assertEqual(fsimage.read_file(self.image, "gradetoken"), b"0123456789abcdef")

    def test_a_full_root_directory_grows_by_a_block(self) -> None:
        make_image(self.image, root_entries=64)
        fsimage.add_file(self.image, "extra", b"hello")
        names = root_names(self.image)
        self.assertEqual((len(names), names[-1]), (65, "extra"))
        self.assertEqual(fsimage.read_file(self.image, "extra"), b"hello")

    def test_bad_requests_are_refused_and_change_nothing(self) -> None:
        fsimage.add_file(self.image, "gradetoken", b"1")
        before = self.contents()
        for name, content, message in (
                ("gradetoken", b"2", "already has a file"),
                ("a-name-far-too-long", b"", "not a file name"),
                ("a/b", b"", "not a file name"),
                ("big", b"x" * 12 * 1024, "too big")):
            with self.subTest(name=name):
                with self.assertRaisesRegex(fsimage.FsImageError, message):
                    fsimage.add_file(self.image, name, content)
                self.assertEqual(self.contents(), before)

    def test_a_full_image_is_refused_cleanly(self) -> None:
        for kind, options, content in (("inode", {"inodes": 4}, b"x"),
                                       ("data block", {"blocks": 40}, b"x" * 10000)):
            with self.subTest(kind=kind):
                make_image(self.image, **options)
                with self.assertRaisesRegex(fsimage.FsImageError, "no free " + kind):
                    for index in range(100):
                        before = self.contents()
                        fsimage.add_file(self.image, "f{}".format(index), content)
                self.assertEqual(self.contents(), before)

    def test_what_is_not_an_image_is_refused(self) -> None:
        with open(self.image, "wb") as f:
            f.write(bytes(4096))
        with self.assertRaisesRegex(fsimage.FsImageError, "not a Kiln file system"):
            fsimage.add_file(self.image, "x", b"")
        with self.assertRaisesRegex(fsimage.FsImageError, "cannot edit"):
            fsimage.add_file(self.path("missing.img"), "x", b"")

    def write_log(self, homes: List[int], blocks: List[bytes]) -> None:
        """Leave a committed log in the image (make_image puts it at block 2)."""
        with open(self.image, "r+b") as f:
            f.seek(2 * fsimage.BSIZE)
            f.write(struct.pack("<{}i".format(len(homes) + 1), len(homes), *homes))
            for index, block in enumerate(blocks):
                f.seek((3 + index) * fsimage.BSIZE)
                f.write(block)

    def test_a_pending_log_is_installed_before_the_file_is_added(self) -> None:
        # A QEMU killed while committing leaves this; the kernel would install
        # the logged root directory block at boot, over a token added without it.
        make_image(self.image, root_entries=3)
        root_block = 4 + 32 // fsimage.IPB + 1  # after the inodes and the bitmap
        with open(self.image, "rb") as f:
            f.seek(root_block * fsimage.BSIZE)
            logged = bytearray(f.read(fsimage.BSIZE))
        fsimage.DIRENT.pack_into(logged, 2 * 16, 1, b"fromlog")
        self.write_log([root_block], [bytes(logged)])
        fsimage.add_file(self.image, "gradetoken", b"1")
        self.assertEqual(root_names(self.image), [".", "..", "fromlog", "gradetoken"])
        self.assertEqual(struct.unpack_from("<i", self.contents(), 2 * fsimage.BSIZE), (0,))

    def test_a_corrupt_log_is_refused_and_changes_nothing(self) -> None:
        for homes in ([1, 2, 3], [100000]):
            with self.subTest(homes=homes):
                self.write_log(homes, [])
                before = self.contents()
                with self.assertRaisesRegex(fsimage.FsImageError, "log header is corrupt"):
                    fsimage.add_file(self.image, "gradetoken", b"1")
                self.assertEqual(self.contents(), before)

    @unittest.skipUnless(os.path.isfile(os.path.join(ROOT, "fs.img")), "needs `make`")
    def test_the_real_image_takes_a_token(self) -> None:
        shutil.copyfile(os.path.join(ROOT, "fs.img"), self.image)
        readme = fsimage.read_file(self.image, "README")
        fsimage.add_file(self.image, "gradetoken", b"feedc0de")
        self.assertEqual(fsimage.read_file(self.image, "gradetoken"), b"feedc0de")
        self.assertEqual(fsimage.read_file(self.image, "README"), readme)


class TamperTests(ScratchTestCase):

    def setUp(self) -> None:
        super().setUp()
        files = {"grade/gradelib.py": b"library\n", "user/usertests/main.c": b"int main;\n",
                 "user/sysinfotest.c": b"test\n"}
        for relpath, data in files.items():
            os.makedirs(os.path.dirname(self.path(relpath)), exist_ok=True)
            with open(self.path(relpath), "wb") as f:
                f.write(data)
        os.makedirs(self.path("conf"))
        self.write_checksums(files)

    def write_checksums(self, files: Dict[str, bytes]) -> None:
        checksums = tamper.format_checksums(files).encode()
        with open(self.path("conf", "checksums"), "wb") as f:
            f.write(checksums)
        with open(self.path("conf", "seal"), "w") as f:
            f.write(tamper.seal_of(checksums))

    def test_a_pristine_tree_passes(self) -> None:
        self.assertEqual(tamper.check(self.scratch), [])
        self.assertEqual(tamper.warning([]), "")

    def test_changed_and_missing_files_are_named(self) -> None:
        with open(self.path("user/sysinfotest.c"), "a") as f:
            f.write("printf(\"sysinfotest: OK\");\n")
        os.remove(self.path("grade/gradelib.py"))
        problems = tamper.check(self.scratch)
        self.assertEqual(problems, [tamper.Tampered("grade/gradelib.py", "missing"),
                                    tamper.Tampered("user/sysinfotest.c", "changed")])
        text = tamper.warning(problems)
        self.assertTrue(text.startswith("NOT OFFICIAL: 2 files that are not yours to "
                                        "change differ"), text)
        self.assertIn("    user/sysinfotest.c (changed)", text)
        self.assertIn("conf/student-files", text)

    def test_checksums_rewritten_to_match_break_the_seal(self) -> None:
        with open(self.path("user/sysinfotest.c"), "w") as f:
            f.write("fake\n")
        with open(self.path("conf", "checksums"), "w") as f:
            f.write(tamper.format_checksums({"grade/gradelib.py": b"library\n",
                                             "user/usertests/main.c": b"int main;\n",
                                             "user/sysinfotest.c": b"fake\n"}))
        self.assertEqual(tamper.check(self.scratch),
                         [tamper.Tampered("conf/checksums", "changed")])
        os.remove(self.path("conf", "seal"))
        self.assertIn(tamper.Tampered("conf/seal", "missing"), tamper.check(self.scratch))

    def test_without_checksums_nothing_is_checked(self) -> None:
        os.remove(self.path("conf", "checksums"))
        os.remove(self.path("grade/gradelib.py"))
        self.assertEqual(tamper.check(self.scratch), [])

    def test_what_is_checked_and_what_a_student_may_change(self) -> None:
        student = ["kernel/proc.c", "user/mine/"]
        self.assertTrue(tamper.is_checked("grade/grade_trace.py", student))
        self.assertTrue(tamper.is_checked("kernel/vm.c", student))
        self.assertFalse(tamper.is_checked("kernel/proc.c", student))
        self.assertFalse(tamper.is_checked("user/mine/x.c", student))
        self.assertFalse(tamper.is_checked("handouts/trace.md", student))
        self.assertFalse(tamper.is_checked("conf/checksums", student))
        for path in ("Makefile", "grade/x.py", "conf/lab", "user/usertests/a.c",
                     "user/usys.py", "kernel/kernel.ld", "kernel/proc.d", "user/"):
            self.assertIsNotNone(tamper.never_student_reason(path), path)
        for path in ("kernel/proc.c", "kernel/ucopy.S", "answers-trace.txt", "user/mine/"):
            self.assertIsNone(tamper.never_student_reason(path), path)
        self.assertEqual(tamper.parse_student_files(
            tamper.format_student_files(student)), student)


class WordingTests(unittest.TestCase):

    def test_patterns_read_as_templates(self) -> None:
        cases = {
            r"^\d+: syscall read -> \d+$":
                'a line "N: syscall read -> N" (N stands for a number)',
            r"(?<!\d)(\d+): syscall (\w+) -> (-?\d+)$":
                'a line that ends with "N: syscall NAME -> N" (N stands for a number, '
                'NAME for a name)',
            r"^README\s+2 ": 'a line that starts with "README 2 "',
            r"^1 1 6\s*$": 'a line "1 1 6"',
            r"cannot open": '"cannot open"',
            r"^scratch \S+ removed": 'a line that starts with "scratch \u2026 removed" '
                                    '(\u2026 for any text)',
            r"^OK$|^PASSED$": 'a line "OK" or a line "PASSED"',
        }
        for pattern, words in cases.items():
            with self.subTest(pattern=pattern):
                self.assertEqual(wording.describe(pattern), words)
                self.assertEqual(wording.describe(re.compile(pattern)), words)

    def test_what_has_no_plain_reading_keeps_its_regex(self) -> None:
        for pattern in (r"x{3}", r"a\nb", r"(ab)+", r"[abc]", r"colou?r", r"(?P<x>y)"):
            with self.subTest(pattern=pattern):
                self.assertEqual(wording.describe(pattern),
                                 "text matching the regular expression /{}/".format(pattern))

    def test_negated(self) -> None:
        self.assertEqual(wording.describe(r"^trace: ", negated=True),
                         'no line that starts with "trace: "')
        self.assertEqual(wording.describe("syscall", negated=True), 'no "syscall"')
        self.assertEqual(wording.describe_or("no trace line", "x", negated=True),
                         "no trace line")


def sample_results() -> List[report.Result]:
    return [
        report.Result("boot", "boots to the shell", 10, report.PASSED, 1.25),
        report.Result("trace", "trace read calls", 5, report.FAILED, 3.5,
                      "expected a match for /read/", (), "$ trace 32 cat\n\x1b[1mbold\x00\n",
                      "/tmp/logs/trace.log"),
        report.Result("hang", "a slow test", 2.5, report.TIMEOUT, 30.0,
                      "the test's time limit of 30 s ran out",
                      ("where the harts were:", "  hart 0: spin (kernel/x.c:3)"), "",
                      "/tmp/logs/hang.log"),
        report.Result("bug", "grader bug", 1, report.ERROR, 0.1, "the grader itself failed"),
    ]


def sample_report(**changes: object) -> report.LabReport:
    return report.LabReport("trace", sample_results(), 35.0)._replace(**changes)


class ReportTests(unittest.TestCase):

    def test_text_report(self) -> None:
        results = sample_results()
        self.assertRegex(report.format_result(results[0]),
                         r"^boots to the shell \.+ OK +10/10 +\(1\.2 s\)$")
        failed = report.format_result(results[2]).split("\n")
        self.assertRegex(failed[0], r"^a slow test \.+ TIMEOUT +0/2\.5 +\(30\.0 s\)$")
        self.assertEqual(failed[1:4], ["    the test's time limit of 30 s ran out",
                                       "    where the harts were:",
                                       "      hart 0: spin (kernel/x.c:3)"])
        self.assertEqual(failed[4], "    log: /tmp/logs/hang.log")
        self.assertIn("    | $ trace 32 cat", report.format_result(results[1]))
        self.assertEqual(report.summary(sample_report()), "Score: 10/18.5\n1 passed, 3 failed")
        self.assertFalse(report.full_marks(results))
        self.assertTrue(report.full_marks(results[:1]))

    def test_skipped_tests_and_tampering_are_said(self) -> None:
        skipped = [report.Listed("usertests", "usertests -q", 7),
                   report.Listed("extra", "extra", 1.5)]
        text = report.summary(sample_report(
            skipped=skipped, tampered=[tamper.Tampered("Makefile", "changed")]))
        self.assertEqual(text, "Score: 10/18.5 (-k skipped 2 tests worth 8.5 points); NOT "
                               "OFFICIAL: files not yours to change were changed (see the "
                               "top)\n"
                               "1 passed, 3 failed")
        self.assertEqual(report.header(["trace"], 4, 2, "/tmp/logs", skipped=2),
                         "== Grading lab trace: 4 of 6 tests (-k skips 2), 2 at a time; "
                         "logs in /tmp/logs/ ==")
        self.assertEqual(report.header(["trace", "kpgtbl"], 9, 2, "/tmp/l", runs=8),
                         "== Grading labs trace, kpgtbl: 9 tests in 8 runs (a test the same "
                         "in several labs runs once), 2 at a time; logs in /tmp/l/ ==")

    def test_gradescope_json(self) -> None:
        data = report.gradescope(sample_report(notes="Graded: your files"))
        self.assertEqual((data["score"], report.max_score(data)), (10, 18.5))
        self.assertTrue(data["output"].startswith("Lab trace\nGraded: your files"))
        self.assertEqual([t["status"] for t in data["tests"]],
                         ["passed", "failed", "failed", "failed"])
        self.assertEqual([t["score"] for t in data["tests"]], [10, 0, 0, 0])
        self.assertEqual(set(data["tests"][0]), {"name", "score", "max_score", "status",
                                                 "output"})
        self.assertIn("hart 0: spin", data["tests"][2]["output"])
        self.assertTrue(data["extra_data"]["official"])
        tampered = report.gradescope(sample_report(
            tampered=[tamper.Tampered("grade/x.py", "changed")],
            skipped=[report.Listed("u", "u", 1)]))
        self.assertTrue(tampered["output"].startswith("Lab trace\nNOT OFFICIAL: 1 file"))
        self.assertEqual(tampered["extra_data"]["changed_files"], ["grade/x.py (changed)"])
        self.assertEqual(tampered["extra_data"]["skipped_tests"], ["u"])
        self.assertFalse(tampered["extra_data"]["official"])
        json.dumps(data)

    def test_junit_xml(self) -> None:
        root = ElementTree.fromstring(report.junit(sample_report()))
        suite = root.find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures"), suite.get("errors")),
                         ("4", "2", "1"))
        cases = suite.findall("testcase")
        self.assertIsNone(cases[0].find("failure"))
        self.assertEqual(cases[1].find("failure").get("message"), "expected a match for /read/")
        self.assertIn("\ufffd[1mbold\ufffd", cases[1].find("system-out").text)
        self.assertEqual(cases[2].find("failure").get("type"), "timeout")
        self.assertIsNotNone(cases[3].find("error"))

    def test_junit_marks_skipped_tests_and_an_unofficial_run(self) -> None:
        root = ElementTree.fromstring(report.junit(sample_report(
            skipped=[report.Listed("usertests", "usertests -q", 7)],
            tampered=[tamper.Tampered("Makefile", "changed")])))
        suite = root.find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures"), suite.get("skipped")),
                         ("6", "3", "1"))
        cases = {case.get("name"): case for case in suite.findall("testcase")}
        self.assertEqual(cases["usertests"].find("skipped").get("message"), "skipped with -k")
        self.assertIn("Makefile (changed)", cases["official"].find("failure").text)
        official = [p.get("value") for p in suite.find("properties")
                    if p.get("name") == "official"]
        self.assertEqual(official, ["false"])

    def test_crash_files_score_zero_and_say_why(self) -> None:
        scratch = tempfile.mkdtemp(prefix="kiln-report-test-")
        self.addCleanup(shutil.rmtree, scratch)
        json_path, junit_path = os.path.join(scratch, "r.json"), os.path.join(scratch, "j.xml")
        report.write_files(json_path, junit_path,
                           report.crash_report("cow", "kernel/kernel is missing"))
        with open(json_path) as f:
            data = json.load(f)
        self.assertEqual(data["score"], 0)
        self.assertIn("kernel/kernel is missing", data["output"])
        self.assertEqual([t["name"] for t in data["tests"]], ["grading lab cow"])
        error = ElementTree.parse(junit_path).getroot().find("testsuite/testcase/error")
        self.assertEqual(error.get("message"), "kernel/kernel is missing")
        # With the tests known, each fails and the maximum stays right.
        listed = [report.Listed("a", "test a", 4), report.Listed("b", "test b", 6)]
        data = report.gradescope(report.crash_report("cow", "the build failed", listed))
        self.assertEqual((data["score"], report.max_score(data)), (0, 10))
        self.assertEqual([t["output"] for t in data["tests"]],
                         ["ERROR in 0.0 s\nnot run: the build failed"] * 2)


class StackWalkTests(unittest.TestCase):
    """monitor.walk_stack over a made-up kernel stack."""

    CODE = (0x80000000, 0x80010000)

    def walk(self, registers: Dict[str, int], memory: Dict[int, int],
             functions: Optional[Dict[int, str]] = None) -> List[int]:
        functions = functions or {}
        return monitor.walk_stack(
            registers, memory.get, lambda a: self.CODE[0] <= a < self.CODE[1],
            lambda a, b: functions.get(a, a) == functions.get(b, b))

    # Three frames: f at 0x9000 (called from g), g at 0x9040 (called from h), h at 0x9080.
    STACK = {0x9000 - 8: 0x80000200, 0x9000 - 16: 0x9040,
             0x9040 - 8: 0x80000300, 0x9040 - 16: 0x9080,
             0x9080 - 8: 0x80000400, 0x9080 - 16: 0}

    def test_a_normal_stack(self) -> None:
        registers = {"pc": 0x80000100, "s0": 0x9000, "ra": 0x80000200}
        self.assertEqual(self.walk(registers, self.STACK), [0x80000200, 0x80000300, 0x80000400])

    def test_a_leaf_function_keeps_its_return_address_in_ra(self) -> None:
        memory = dict(self.STACK)
        memory[0x8f00 - 8] = 0x9000  # the leaf saved only the frame pointer
        registers = {"pc": 0x80000050, "s0": 0x8f00, "ra": 0x80000180}
        self.assertEqual(self.walk(registers, memory),
                         [0x80000180, 0x80000200, 0x80000300, 0x80000400])

    def test_a_frameless_function_is_found_through_ra(self) -> None:
        registers = {"pc": 0x80000050, "s0": 0x9000, "ra": 0x80000180}
        self.assertEqual(self.walk(registers, self.STACK)[:2], [0x80000180, 0x80000200])
        # ra inside the same function is a stale value, not a caller.
        same = {0x80000050: "f", 0x80000180: "f"}
        self.assertEqual(self.walk(registers, self.STACK, same)[0], 0x80000200)

    def test_user_space_and_broken_stacks_end_the_walk(self) -> None:
        self.assertEqual(self.walk({"pc": 0x1000, "s0": 0x9000}, self.STACK), [])
        loop = {0x9000 - 8: 0x80000200, 0x9000 - 16: 0x9000}
        self.assertEqual(self.walk({"pc": 0x80000100, "s0": 0x9000, "ra": 0x80000200}, loop),
                         [0x80000200])
        self.assertEqual(self.walk({"pc": 0x80000100, "s0": 0x9000, "ra": 0}, {}), [])


class PageTableTests(unittest.TestCase):
    """monitor.translate walks Sv39 page tables in (made-up) physical memory."""

    @staticmethod
    def pte(physical: int, leaf: bool) -> int:
        return ((physical >> 12) << 10) | 1 | (0b1010 if leaf else 0)

    def test_pages_megapages_holes_and_no_translation(self) -> None:
        root, middle, bottom = 0x80001000, 0x80002000, 0x80003000
        va = 0x3fffffe123  # indices 255, 511, 510 at levels 2, 1, 0
        memory = {root + 8 * 255: self.pte(middle, False),
                  middle + 8 * 511: self.pte(bottom, False),
                  bottom + 8 * 510: self.pte(0x80123000, True),
                  # 0x80012345: gigapage 2 shares the middle table, whose
                  # entry 0 maps a whole megapage.
                  root + 8 * 2: self.pte(middle, False),
                  middle + 8 * 0: self.pte(0x80200000, True)}
        satp = (8 << 60) | (root >> 12)
        translate = monitor.translate
        self.assertEqual(translate(memory.get, satp, va), 0x80123123)
        self.assertEqual(translate(memory.get, satp, 0x80012345), 0x80212345)
        self.assertIsNone(translate(memory.get, satp, 0x1000))
        self.assertEqual(translate(memory.get, 0, 0x80001234), 0x80001234)
        self.assertIsNone(translate(memory.get, 9 << 60, 0x1000))

    def test_a_hart_in_the_machine_mode_handler_shows_the_interrupted_pc(self) -> None:
        regs = {"pc": 0x80000104, "mtvec": 0x80000100, "mepc": 0x80002f04}
        same = lambda a, b: (a >> 4) == (b >> 4)  # noqa: E731
        self.assertEqual(monitor.interrupted_pc(regs, same), 0x80002f04)
        self.assertIsNone(monitor.interrupted_pc(dict(regs, pc=0x80003000), same))


# ---- the grader as a program, against a fake QEMU ----

# Written the way graders were before the grade package: `from gradelib
# import Lab` must keep working for them.
FAKE_LAB = '''\
from gradelib import Lab

lab = Lab("fake")


@lab.test(points=1, title="echo answers", timeout=20)
def echo(run):
    run.match(r"^hi$", run.shell("echo hi"))


@lab.test(points=2, title="token line", timeout=20)
def token(run):
    run.token_line("tokentest: OK", run.shell("tokentest"))


@lab.test(points=3, title="forged token", timeout=20)
def forged(run):
    run.token_line("tokentest: OK", run.shell("faketoken"))


@lab.test(points=8, title="a failure beside the token", timeout=20)
def failing(run):
    run.token_line("tokentest: OK", run.shell("tokenfail"))


@lab.test(points=4, title="a hang", timeout=TIMEOUT)
def hang(run):
    run.shell("hang")


@lab.test(points=5, title="a panic", timeout=20)
def panic(run):
    run.shell("panic")


@lab.test(points=6, title="a grader bug", timeout=20)
def bug(run):
    run.shell("echo x")
    return undefined_name


lab.usertests(points=7, quick=True)

if __name__ == "__main__":
    lab.main()
'''


def _say(text: str) -> None:
    os.write(1, text.encode())


def fake_qemu(argv: List[str]) -> None:
    """A QEMU whose "kernel" is a shell that knows a few commands (see FAKE_LAB)."""
    if argv == ["--version"]:
        _say("QEMU emulator version 7.2.0 (fake)\n")
        return
    pids = os.environ.get("FAKE_QEMU_PIDS")
    if pids:
        open(os.path.join(pids, str(os.getpid())), "w").close()
    disk = re.search(r"file=([^,]+)", argv[argv.index("-drive") + 1]).group(1)
    _say("fake kernel booting\n$ ")
    for line in sys.stdin:
        command = line.strip()
        _say(command + "\n")
        if command.startswith("echo "):
            _say(command[5:] + "\n")
        elif command == "tokentest":
            _say("tokentest: OK {}\n".format(fsimage.read_file(disk, "gradetoken").decode()))
        elif command == "faketoken":
            _say("tokentest: OK 0123456789abcdef\n")
        elif command == "tokenfail":
            # A kernel that read /gradetoken itself could print the success line.
            _say("tokentest: OK {}\ntokentest: FAILED: the test was wrong\n".format(
                fsimage.read_file(disk, "gradetoken").decode()))
        elif command == "usertests -q":
            _say("test one: OK\nALL TESTS PASSED {}\n".format(
                fsimage.read_file(disk, "gradetoken").decode()))
        elif command == "hang":
            break
        elif command == "panic":
            _say("sepc=0x80001234\npanic: fake trouble\n")
            break
        _say("$ ")
    while True:
        time.sleep(60)


class GraderProgramTests(ScratchTestCase):
    """python3 grade/grade.py in a scratch tree: grade/ copied, a fake lab and QEMU."""

    def setUp(self) -> None:
        super().setUp()
        shutil.copytree(os.path.join(ROOT, "grade"), self.path("grade"),
                        ignore=shutil.ignore_patterns("__pycache__", "grade_*.py"))
        self.write("grade/grade_fake.py", FAKE_LAB.replace("TIMEOUT", "3"))
        os.makedirs(self.path("kernel"))
        self.write("kernel/kernel", "\x7fELF")
        make_image(self.path("fs.img"))
        self.fake = self.path("fake-qemu")
        self.write("fake-qemu", '#!/bin/sh\nexec "{}" "{}" fake-qemu "$@"\n'.format(
            sys.executable, THIS_FILE))
        os.chmod(self.fake, os.stat(self.fake).st_mode | stat.S_IXUSR)
        os.makedirs(self.path("pids"))

    def write(self, relpath: str, text: str) -> None:
        with open(self.path(relpath), "w") as f:
            f.write(text)

    def command(self, *args: str) -> List[str]:
        return [sys.executable, self.path("grade", "grade.py")] + list(args) + [
            "--qemu", self.fake, "--logs", self.path("logs")]

    def grade(self, *args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, FAKE_QEMU_PIDS=self.path("pids"))
        return subprocess.run(self.command(*args), cwd=self.scratch, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)

    def assert_fakes_are_gone(self) -> None:
        for pid in os.listdir(self.path("pids")):
            deadline = time.monotonic() + 5
            while _alive(int(pid)) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertFalse(_alive(int(pid)), "fake QEMU {} still runs".format(pid))

    def test_a_whole_run_and_its_reports(self) -> None:
        result = self.grade("fake", "-j", "8", "--json", self.path("r.json"),
                            "--junit", self.path("r.xml"))
        out = result.stdout
        self.assertEqual(result.returncode, 1, out + result.stderr)
        self.assertTrue(out.startswith("== Grading lab fake: 8 tests, 8 at a time"), out)
        self.assertRegex(out, r"(?m)^echo answers \.+ OK +1/1 +\(\d+\.\d s\)$")
        self.assertRegex(out, r"(?m)^token line \.+ OK +2/2 ")
        self.assertRegex(out, r"(?m)^usertests -q \(CPUS=3\) \.+ OK +7/7 ")
        self.assertRegex(out, r"(?m)^forged token \.+ FAIL +0/3 +.*\n    the line "
                              r"'tokentest: OK' lacks this run's token")
        self.assertRegex(out, r"(?m)^a failure beside the token \.+ FAIL +0/8 +.*\n    the "
                              r"test program reported a failure: tokentest: FAILED: the test")
        self.assertRegex(out, r"(?m)^a hang \.+ TIMEOUT +0/4 +\(3\.\d s\)\n    the test's time "
                              r"limit of 3 s ran out while waiting for the shell prompt "
                              r"after `hang`; QEMU was killed")
        self.assertRegex(out, r"(?m)^a panic \.+ FAIL +0/5 .*\n    the kernel panicked: "
                              r"panic: fake trouble")
        self.assertRegex(out, r"(?m)^a grader bug \.+ ERROR +0/6 .*\n    the grader itself "
                              r"failed: NameError")
        self.assertRegex(out, r"    log: .*logs/hang\.log")
        self.assertTrue(out.endswith("Score: 10/36\n3 passed, 5 failed\n"), out)
        # The report lists the tests in the grader's order, whatever order they end in.
        titles = re.findall(r"(?m)^(\S[^.\n]*?) \.{3,}", out)
        self.assertEqual(titles, ["echo answers", "token line", "forged token",
                                  "a failure beside the token", "a hang", "a panic",
                                  "a grader bug", "usertests -q (CPUS=3)"])

        with open(self.path("r.json")) as f:
            data = json.load(f)
        self.assertEqual((data["score"], report.max_score(data)), (10, 36))
        statuses = {t["name"]: (t["status"], t["score"]) for t in data["tests"]}
        self.assertEqual(statuses["token line"], ("passed", 2))
        self.assertEqual(statuses["a hang"], ("failed", 0))
        root = ElementTree.parse(self.path("r.xml")).getroot()
        self.assertEqual((root.get("tests"), root.get("failures"), root.get("errors")),
                         ("8", "4", "1"))

        logs = sorted(os.listdir(self.path("logs")))
        self.assertEqual(logs, sorted(n + ".log" for n in (
            "echo", "token", "forged", "failing", "hang", "panic", "bug", "usertests_quick")))
        hang_log = self.read("logs", "hang.log")
        self.assertIn("fake kernel booting", hang_log)
        self.assertIn("==== grader: hang: TIMEOUT ====", hang_log)
        self.assert_fakes_are_gone()

    def test_every_test_gets_its_own_token(self) -> None:
        result = self.grade("fake", "-k", "^token$", "-k", "^usertests")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        tokens = set(re.findall(r"(?:OK|PASSED) ([0-9a-f]{16})",
                                self.read("logs", "token.log") +
                                self.read("logs", "usertests_quick.log")))
        self.assertEqual(len(tokens), 2)
        self.assertIn("== Grading lab fake: 2 of 8 tests (-k skips 6), ", result.stdout)
        self.assertTrue(result.stdout.endswith(
            "Score: 9/9 (-k skipped 6 tests worth 27 points)\n2 passed, 0 failed\n"),
            result.stdout)

    def test_list_and_an_unknown_pattern(self) -> None:
        listed = self.grade("fake", "--list")
        self.assertEqual(listed.returncode, 0)
        self.assertRegex(listed.stdout, r"(?m)^hang +4 pts +3 s  a hang$")
        unknown = self.grade("fake", "-k", "nothing", "--json", self.path("r.json"))
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("The tests are: echo, token", unknown.stderr)

    def test_the_package_is_the_command_line(self) -> None:
        env = dict(os.environ, FAKE_QEMU_PIDS=self.path("pids"))
        result = subprocess.run([sys.executable, "-m", "grade", "fake", "-k", "^echo$",
                                 "--qemu", self.fake, "--logs", self.path("logs")],
                                cwd=self.scratch, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("echo answers ...", result.stdout)

    def test_conf_lab_names_the_lab_and_tampering_is_reported(self) -> None:
        os.makedirs(self.path("conf"))
        self.write("conf/lab", "fake\n")
        protected = {}
        for name in sorted(os.listdir(self.path("grade"))):
            if name.endswith(".py"):
                with open(self.path("grade", name), "rb") as f:
                    protected["grade/" + name] = f.read()
        checksums = tamper.format_checksums(protected)
        self.write("conf/checksums", checksums)
        self.write("conf/seal", tamper.seal_of(checksums.encode()))
        with open(self.path("grade", "grade_fake.py"), "a") as f:
            f.write("# a student was here\n")
        result = self.grade("-k", "^echo$", "--json", self.path("r.json"),
                            "--junit", self.path("r.xml"))
        self.assertEqual(result.returncode, 3, result.stdout + result.stderr)
        self.assertTrue(result.stdout.startswith(
            "NOT OFFICIAL: 1 file that is not yours to change differs"), result.stdout)
        self.assertIn("    grade/grade_fake.py (changed)\n", result.stdout)
        self.assertIn("== Grading lab fake: 1 of 8 tests", result.stdout)
        self.assertIn("; NOT OFFICIAL: files not yours to change were changed", result.stdout)
        with open(self.path("r.json")) as f:
            data = json.load(f)
        self.assertIn("grade/grade_fake.py (changed)", data["output"])
        self.assertFalse(data["extra_data"]["official"])
        cases = ElementTree.parse(self.path("r.xml")).getroot().iter("testcase")
        self.assertIn("official", [case.get("name") for case in cases])

    def test_crashes_still_write_results_that_score_zero(self) -> None:
        self.write("grade/grade_broken.py", "raise RuntimeError('grader typo')\n")
        cases = (("broken", "RuntimeError('grader typo')"),
                 ("nosuchlab", "There is no grader for lab 'nosuchlab'"),
                 (None, "Which lab? This tree has no conf/lab"))
        for lab, reason in cases:
            with self.subTest(lab=lab):
                result = self.grade(*([lab] if lab else []), "--json", self.path("r.json"),
                                    "--junit", self.path("r.xml"))
                self.assertNotEqual(result.returncode, 0)
                with open(self.path("r.json")) as f:
                    data = json.load(f)
                self.assertEqual(data["score"], 0)
                self.assertIn(reason, data["output"])
                ElementTree.parse(self.path("r.xml"))
                os.remove(self.path("r.json"))
        os.remove(self.path("kernel", "kernel"))
        result = self.grade("fake", "--json", self.path("r.json"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("build it with `make kernel/kernel`", result.stderr)
        with open(self.path("r.json")) as f:
            data = json.load(f)
        self.assertEqual((data["score"], report.max_score(data)), (0, 36))

    def test_a_failed_build_still_writes_both_files(self) -> None:
        result = self.grade("fake", "--build-status", "2", "--json", self.path("r.json"),
                            "--junit", self.path("r.xml"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("The build failed (make exited with status 2)", result.stderr)
        with open(self.path("r.json")) as f:
            data = json.load(f)
        self.assertEqual((data["score"], report.max_score(data), len(data["tests"])), (0, 36, 8))
        self.assertIn("not run: The build failed", data["tests"][0]["output"])
        root = ElementTree.parse(self.path("r.xml")).getroot()
        self.assertEqual(root.get("errors"), "8")
        self.assertEqual(os.listdir(self.path("pids")), [])

    def test_several_labs_in_one_run_share_their_usertests(self) -> None:
        self.write("grade/grade_other.py", OTHER_LAB)
        result = self.grade("fake", "other", "-k", "^echo$|^usertests|^regressions$", "--json-dir",
                            self.path("results"), "--junit-dir", self.path("results"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        out = result.stdout
        self.assertTrue(out.startswith("== Grading labs fake, other: 4 of 10 tests (-k skips "
                                       "6) in 3 runs (a test the same in several labs runs "
                                       "once), "), out)
        self.assertRegex(out, r"== Lab fake ==\necho answers \.+ OK +1/1 .*\n"
                              r"usertests -q \(CPUS=3\) \.+ OK +7/7 .*\nScore: 8/8 ")
        self.assertRegex(out, r"== Lab other ==\necho again \.+ OK +2/2 .*\n"
                              r"usertests -q \(CPUS=3\) \.+ OK +20/20 .*\nScore: 22/22\n")
        # One QEMU for each lab's echo, one for the usertests both labs share.
        self.assertEqual(len(os.listdir(self.path("pids"))), 3)
        self.assertEqual(sorted(os.listdir(self.path("logs"))),
                         ["fake", "other", "usertests_quick.log"])
        self.assertEqual(os.listdir(self.path("logs", "other")), ["echo.log"])
        for lab, score, names in (("fake", 8, ["echo answers", "usertests -q (CPUS=3)"]),
                                  ("other", 22, ["echo again", "usertests -q (CPUS=3)"])):
            with open(self.path("results", "results-{}.json".format(lab))) as f:
                data = json.load(f)
            self.assertEqual((data["score"], [t["name"] for t in data["tests"]]),
                             (score, names))
            ElementTree.parse(self.path("results", "results-{}.xml".format(lab)))
        refused = self.grade("fake", "other", "--json", self.path("r.json"))
        self.assertEqual(refused.returncode, 2)
        self.assertIn("use --json-dir", refused.stderr)

    def test_the_run_time_limit_stops_what_is_left(self) -> None:
        self.write("grade/grade_fake.py", FAKE_LAB.replace("TIMEOUT", "120"))
        started = time.monotonic()
        result = self.grade("fake", "-j", "1", "-k", "^hang$|^echo$", "--time-limit", "3",
                            "--json", self.path("r.json"))
        self.assertLess(time.monotonic() - started, 60)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"(?m)^echo answers \.+ OK ")
        self.assertRegex(result.stdout, r"a hang \.+ TIMEOUT .*\n    stopped: the time limit "
                                        r"of the whole grading run \(3 s\) ran out")
        self.assert_fakes_are_gone()

    def test_ctrl_c_stops_every_qemu_and_scores_zero(self) -> None:
        self.write("grade/grade_fake.py", FAKE_LAB.replace("TIMEOUT", "120"))
        env = dict(os.environ, FAKE_QEMU_PIDS=self.path("pids"))
        process = subprocess.Popen(self.command("fake", "-k", "hang|echo", "--json",
                                                self.path("r.json")),
                                   cwd=self.scratch, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, universal_newlines=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "hang" not in _read_or_empty(
                self.path("logs", "hang.log")):
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertIn("interrupted", err)
        with open(self.path("r.json")) as f:
            data = json.load(f)
        self.assertEqual(data["score"], 0)
        self.assertIn("interrupted", data["output"])
        self.assert_fakes_are_gone()


OTHER_LAB = '''\
from grade.gradelib import Lab

lab = Lab("other")


@lab.test(points=2, title="echo again", timeout=20)
def echo(run):
    run.match(r"^hi$", run.shell("echo hi"))


lab.usertests(points=20, quick=True, name="regressions")
'''


def _alive(pid: int) -> bool:
    try:
        with open("/proc/{}/stat".format(pid)) as status:
            return status.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _read_or_empty(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


# ---- deliberately broken kernels ----

TINY_LAB = '''\
from gradelib import Lab

lab = Lab("tiny")


@lab.test(points=1, title="the token is on the disk", timeout=60)
def token(run):
    run.match("^" + run.token + "$", run.shell("cat gradetoken"))


@lab.test(points=2, title="uptime", timeout=15)
def uptime(run):
    run.shell("usertests uptime")


if __name__ == "__main__":
    lab.main()
'''

# What each broken kernel does first thing in sys_uptime.
BREAKAGES = {
    # Interrupts off, so the hart is always caught in sys_uptime itself, not
    # sometimes in a timer interrupt taken on top of it.
    "hang": "intr_off();\n  for (;;)\n    ;",
    "panic": 'panic("deliberate");',
    "fault": "volatile uint64 bad = 8;\n  *(volatile int *)bad = 1;",
}

NEEDS = ("qemu-system-riscv64", "riscv64-unknown-elf-gcc", "riscv64-unknown-elf-addr2line",
         "make")


@unittest.skipUnless(all(shutil.which(tool) for tool in NEEDS)
                     and os.path.isfile(os.path.join(ROOT, "kernel", "kernel")),
                     "needs QEMU, the cross tool chain, make, and a built kernel")
class BrokenKernelTests(unittest.TestCase):
    """Grade a copy of the tree whose sys_uptime hangs, panics, or faults."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.tree = tempfile.mkdtemp(prefix="kiln-broken-kernel-")
        copy = os.path.join(cls.tree, "kiln")
        # copy2 keeps the times, so make rebuilds only what the breakage touches.
        shutil.copytree(ROOT, copy, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", "grade-logs", "logs", "__pycache__"))
        with open(os.path.join(copy, "grade", "grade_tiny.py"), "w") as f:
            f.write(TINY_LAB)
        cls.copy = copy
        cls.runs = {}
        try:
            subprocess.run(["make"], cwd=copy, check=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
            processes = {name: cls.start_grading(name, cls.build_broken(name, code))
                         for name, code in BREAKAGES.items()}
            for name, process in processes.items():
                out, _ = process.communicate(timeout=180)
                cls.runs[name] = (process.returncode, out)
        except subprocess.CalledProcessError as error:
            cls.runs = {"build": (error.returncode, error.output.decode(errors="replace"))}

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.tree, ignore_errors=True)

    @classmethod
    def build_broken(cls, name: str, code: str) -> str:
        """Build a kernel whose sys_uptime starts with code; return its path."""
        source = os.path.join(cls.copy, "kernel", "sysproc.c")
        with open(source) as f:
            original = f.read()
        broken, count = re.subn(r"(uint64\s+sys_uptime\s*\(void\)\s*\{)",
                                lambda m: m.group(1) + "\n  " + code, original)
        assert count == 1, "sys_uptime not found in kernel/sysproc.c"
        with open(source, "w") as f:
            f.write(broken)
        try:
            subprocess.run(["make", "kernel/kernel"], cwd=cls.copy, check=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        finally:
            with open(source, "w") as f:
                f.write(original)
        kernel = os.path.join(cls.copy, "kernel", "kernel-" + name)
        shutil.copyfile(os.path.join(cls.copy, "kernel", "kernel"), kernel)
        return kernel

    @classmethod
    def start_grading(cls, name: str, kernel: str) -> subprocess.Popen:
        command = [sys.executable, os.path.join(cls.copy, "grade", "grade.py"), "tiny",
                   "--kernel", kernel, "--logs", os.path.join(cls.tree, "logs-" + name),
                   "--json", os.path.join(cls.tree, name + ".json")]
        return subprocess.Popen(command, cwd=cls.copy, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, universal_newlines=True)

    def report_of(self, name: str) -> str:
        self.assertNotIn("build", self.runs, self.runs.get("build", (0, ""))[1][-3000:])
        status, out = self.runs[name]
        self.assertEqual(status, 1, out)
        self.assertRegex(out, r"(?m)^the token is on the disk \.+ OK +1/1 ")
        self.assertTrue(out.endswith("Score: 1/3\n1 passed, 1 failed\n"), out)
        return out

    def test_a_hang_times_out_and_shows_where_the_harts_were(self) -> None:
        out = self.report_of("hang")
        self.assertRegex(out, r"(?m)^uptime \.+ TIMEOUT +0/2 +\(1[5-9]\.\d s\)$")
        self.assertIn("the test's time limit of 15 s ran out while waiting for the shell "
                      "prompt after `usertests uptime`; QEMU was killed", out)
        self.assertIn("where the harts were:", out)
        self.assertRegex(out, r"hart \d: sys_uptime \(kernel/sysproc\.c:\d+\)  pc=0x8")
        self.assertRegex(out, r"called from syscall \(kernel/syscall\.c:\d+\)")
        with open(os.path.join(self.tree, "hang.json")) as f:
            data = json.load(f)
        self.assertEqual(data["score"], 1)
        self.assertIn("sys_uptime", data["tests"][1]["output"])

    def test_a_panic_shows_the_line_and_a_symbolized_backtrace(self) -> None:
        out = self.report_of("panic")
        self.assertIn("the kernel panicked: panic: deliberate", out)
        self.assertRegex(out, r"hart \d: panic \(kernel/printf\.c:\d+\)")
        self.assertRegex(out, r"called from sys_uptime \(kernel/sysproc\.c:\d+\)")
        with open(os.path.join(self.tree, "logs-panic", "uptime.log")) as f:
            self.assertIn("panic: deliberate", f.read())

    def test_a_kernel_fault_shows_the_symbolized_sepc(self) -> None:
        out = self.report_of("fault")
        self.assertIn("the kernel panicked: panic: kerneltrap", out)
        self.assertRegex(out, r"\| kernel trap: store page fault, scause=0x0*f sepc=0x")
        self.assertRegex(out, r"\|     sepc=0x8[0-9a-f]+: sys_uptime \(kernel/sysproc\.c:\d+\)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["fake-qemu"]:
        fake_qemu(sys.argv[2:])
    else:
        unittest.main()
