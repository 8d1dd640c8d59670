"""Tests of the backtrace symbolizer (grade/symbolize.py).

They compile a tiny program twice with the cross compiler: once at kernel
addresses (as kernel/kernel) and once at user addresses (as user/_prog), in
a scratch tree, and check what the symbolizer makes of console text that
mentions their functions. Without the tool chain only the parsing tests run.

Run: python3 -m unittest tests.test_symbolize
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import symbolize  # noqa: E402

CROSS_GCC = "riscv64-unknown-elf-gcc"
NM = "riscv64-unknown-elf-nm"

# Line numbers matter: helper is on line 2, the call to it on line 6.
PROGRAM = """\
__attribute__((noinline))
int helper(int x) { return x * 3; }
__attribute__((noinline))
int caller(int x)
{
  return helper(x) + 1;
}
void _start(void) { for (;;) caller(5); }
"""

HAVE_TOOLS = bool(shutil.which(CROSS_GCC) and shutil.which(NM) and symbolize.find_addr2line())


class ParsingTests(unittest.TestCase):
    """How addr2line's answers and console lines are read."""

    def test_addr2line_output_with_inlining(self) -> None:
        text = ("0x0000000080002a3c: boot_other_hart at /src/kiln/kernel/main.c:47\n"
                " (inlined by) main at /src/kiln/kernel/main.c:60\n"
                "0x0000000000000000: ?? ??:0\n")
        parsed = symbolize._parse_addr2line(text, "/src/kiln")
        frames = parsed[0x80002a3c]
        self.assertEqual([str(f) for f in frames],
                         ["boot_other_hart (kernel/main.c:47)", "main (kernel/main.c:60)"])
        self.assertEqual(symbolize.Symbolized(0x80002a3c, frames).describe(),
                         "boot_other_hart (kernel/main.c:47), inlined into main "
                         "(kernel/main.c:60)")
        self.assertEqual(parsed[0], ())
        self.assertEqual(symbolize.Symbolized(0, ()).describe(), "?? (no symbol)")

    def test_paths_are_shown_relative_to_the_tree_even_if_built_elsewhere(self) -> None:
        show = symbolize._display_path
        self.assertEqual(show(os.path.join(ROOT, "grade", "gradelib.py"), ROOT),
                         os.path.join("grade", "gradelib.py"))
        self.assertEqual(show("/built/elsewhere/grade/gradelib.py", ROOT),
                         os.path.join("grade", "gradelib.py"))
        self.assertEqual(show("/built/elsewhere/nothing.c", ROOT), "/built/elsewhere/nothing.c")
        self.assertEqual(show("kernel/x.c", ROOT), "kernel/x.c")

    def test_addresses_found_in_console_lines(self) -> None:
        find = symbolize._addresses_in
        self.assertEqual(find("0x0000000080002a3c"), (None, [("bare", 0x80002a3c)]))
        self.assertEqual(find("  0x80002a3c  "), (None, [("bare", 0x80002a3c)]))
        self.assertEqual(find("0x10"), (None, []))
        self.assertEqual(
            find("kernel trap: load page fault, scause=0xd sepc=0x80001234 stval=0x0"),
            (None, [("sepc", 0x80001234)]))
        self.assertEqual(find("pid 5 (cat): killed by load page fault, sepc=0x1c stval=0x0"),
                         ("cat", [("sepc", 0x1c)]))
        self.assertEqual(find("ra=0x80000010 sp=0x80009000 pc=0x80000020"),
                         (None, [("ra", 0x80000010), ("pc", 0x80000020)]))
        self.assertEqual(find("nothing to see, mepc=0x80001234"), (None, []))

    def test_missing_kernel_is_a_problem(self) -> None:
        symbolizer = symbolize.Symbolizer("/nonexistent/kernel", "/nonexistent")
        self.assertIn("make", symbolizer.problem or "not installed")

    def test_addresses_that_cannot_be_looked_up_are_marked(self) -> None:
        symbolizer = symbolize.Symbolizer("/nonexistent/kernel", "/nonexistent",
                                          addr2line="/nonexistent/addr2line")
        self.assertEqual(symbolizer.annotate("0x80001234\nplain\n"),
                         "0x80001234  ?? (no symbol)\nplain\n")


@unittest.skipUnless(HAVE_TOOLS, "needs riscv64-unknown-elf-gcc, -nm and -addr2line")
class SymbolizerTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls) -> None:
        cls.tree = tempfile.mkdtemp(prefix="kiln-symbolize-test-")
        source = os.path.join(cls.tree, "prog.c")
        with open(source, "w") as out:
            out.write(PROGRAM)
        os.makedirs(os.path.join(cls.tree, "kernel"))
        os.makedirs(os.path.join(cls.tree, "user"))
        cls.kernel = os.path.join(cls.tree, "kernel", "kernel")
        cls.user_program = os.path.join(cls.tree, "user", "_prog")
        for output, base in ((cls.kernel, "0x80000000"), (cls.user_program, "0x0")):
            subprocess.run([CROSS_GCC, "-O1", "-g", "-march=rv64imac", "-mabi=lp64",
                            "-nostdlib", "-Wl,-Ttext=" + base, "-o", output, source],
                           check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        cls.kernel_symbols = cls.symbols(cls.kernel)
        cls.user_symbols = cls.symbols(cls.user_program)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.tree, ignore_errors=True)

    @staticmethod
    def symbols(path: str) -> dict:
        listing = subprocess.run([NM, path], check=True, stdout=subprocess.PIPE).stdout
        return {name: int(address, 16) for address, _kind, name in
                (line.split() for line in listing.decode().splitlines()
                 if len(line.split()) == 3)}

    def setUp(self) -> None:
        self.symbolizer = symbolize.Symbolizer(self.kernel, os.path.join(self.tree, "user"))

    def test_a_kernel_address_names_function_file_and_line(self) -> None:
        located = self.symbolizer.symbolize(self.kernel_symbols["helper"])
        self.assertEqual(located.describe(), "helper (prog.c:2)")

    def test_a_return_address_is_looked_up_at_the_call(self) -> None:
        # The byte before caller belongs to helper, which the linker put first.
        start = self.kernel_symbols["caller"]
        self.assertTrue(self.symbolizer.symbolize(start).describe().startswith("caller"))
        self.assertTrue(self.symbolizer.symbolize(start, return_address=True)
                        .describe().startswith("helper"))

    def test_console_text_gets_locations(self) -> None:
        helper = self.kernel_symbols["helper"]
        text = ("booting\n"
                "kernel trap: store page fault, scause=0xf sepc=0x{:x} stval=0x8\n"
                "panic: kerneltrap\n"
                "0x{:016x}\n").format(helper, self.kernel_symbols["caller"] + 2)
        lines = self.symbolizer.annotate(text).split("\n")
        self.assertEqual(lines[0], "booting")
        self.assertEqual(lines[2], "    sepc=0x{:x}: helper (prog.c:2)".format(helper))
        self.assertEqual(lines[3], "panic: kerneltrap")
        self.assertRegex(lines[4], r"^0x[0-9a-f]{16}  caller \(prog\.c:[4-6]\)$")
        self.assertEqual(lines[5], "")

    def test_user_faults_are_looked_up_in_the_program(self) -> None:
        helper = self.user_symbols["helper"]
        text = "pid 5 (prog): killed by load page fault, sepc=0x{:x} stval=0x0\n".format(helper)
        lines = self.symbolizer.annotate(text).split("\n")
        self.assertEqual(lines[1], "    sepc=0x{:x}: helper (prog.c:2)".format(helper))
        other = self.symbolizer.annotate("pid 6 (gone): killed, sepc=0x10 stval=0x0")
        self.assertIn("user/_gone is missing", other)
        self.assertIn("does not say which program", self.symbolizer.annotate("ra=0x10"))

    def test_code_ranges_cover_the_text(self) -> None:
        ranges = symbolize.code_ranges(self.kernel)
        self.assertTrue(any(start <= self.kernel_symbols["helper"] < end
                            for start, end in ranges))
        self.assertEqual(symbolize.code_ranges(os.path.join(self.tree, "prog.c")), [])

    def test_command_line(self) -> None:
        text = "0x{:x}\n".format(self.kernel_symbols["caller"] + 2)
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "grade", "symbolize.py"),
             "--kernel", self.kernel, "--user-dir", os.path.join(self.tree, "user")],
            input=text.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout.decode(), r"^0x[0-9a-f]+  caller \(prog\.c:\d+\)\n$")

    def test_command_line_without_kernel_says_to_build(self) -> None:
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "grade", "symbolize.py"),
             "--kernel", os.path.join(self.tree, "none")],
            input=b"", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"make", result.stderr)


if __name__ == "__main__":
    unittest.main()
