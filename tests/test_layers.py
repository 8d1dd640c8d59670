"""Tests of the layer checker (tests/layers.py) on small synthetic kernels.

The checks of the graph use hand-made files and edges; the command itself
runs on a scratch tree whose "objects" hold nm output and whose nm is a
script that prints them, so no test needs the cross compiler.

Run: python3 -m unittest tests.test_layers -v
"""

import io
import os
import stat
import sys
import tempfile
import textwrap
import unittest
from contextlib import redirect_stderr, redirect_stdout
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests import layers  # noqa: E402

TABLE = """\
# a comment
1 machine: types.h start.c
           entry.S
2 basics:  lib.h a.c b.c c.c d.c
3 top:     top.h top.c
"""


def call(source: str, target: str, symbol: str) -> layers.Edge:
    """An edge: source calls symbol, which target defines."""
    return layers.Edge(source, target, "call", symbol)


def include(source: str, target: str) -> layers.Edge:
    """An edge: source includes target."""
    return layers.Edge(source, target, "include", "")


class TableTest(unittest.TestCase):
    def test_layers_and_continuation_lines(self) -> None:
        table = layers.parse_table(TABLE)
        self.assertEqual([(layer.number, layer.name) for layer in table],
                         [(1, "machine"), (2, "basics"), (3, "top")])
        self.assertEqual(table[0].files, ["types.h", "start.c", "entry.S"])

    def test_names_with_spaces(self) -> None:
        table = layers.parse_table("1 open files: file.c\n2 syscalls and traps:\n  trap.c\n")
        self.assertEqual(table[1].name, "syscalls and traps")
        self.assertEqual(table[1].files, ["trap.c"])

    def test_a_file_listed_twice_is_an_error(self) -> None:
        with self.assertRaisesRegex(layers.TableError, "line 2: a.c is already in layer 1"):
            layers.parse_table("1 one: a.c\n2 two: a.c\n")

    def test_layers_are_numbered_in_order(self) -> None:
        with self.assertRaisesRegex(layers.TableError, "layer 3 should be layer 2"):
            layers.parse_table("1 one: a.c\n3 three: b.c\n")

    def test_a_stray_line_is_an_error(self) -> None:
        with self.assertRaisesRegex(layers.TableError, "line 1"):
            layers.parse_table("a.c b.c\n")

    def test_the_real_table_parses(self) -> None:
        with open(layers.TABLE_PATH) as text:
            table = layers.parse_table(text.read())
        self.assertEqual(len(table), 10)
        self.assertIn("main.c", table[-1].files)


class ParsingTest(unittest.TestCase):
    def test_nm_output(self) -> None:
        symbols = layers.parse_nm(textwrap.dedent("""\
            0000000000000010 T kvmmap
            0000000000000000 B kernel_pagetable
                             U kalloc
                             w maybe
            0000000000000000 N trampoline
            """))
        self.assertEqual(symbols.defined,
                         {"kvmmap": "T", "kernel_pagetable": "B", "trampoline": "N"})
        self.assertEqual(symbols.undefined, {"kalloc", "maybe"})

    def test_includes(self) -> None:
        text = '#include "types.h"\n#include <stdarg.h>\n  # include "kernel/fs.h"\n' \
               '// #include "not.h"\n'
        self.assertEqual(layers.parse_includes(text), ["types.h", "kernel/fs.h"])

    def test_include_names_resolve_to_kernel_files(self) -> None:
        files = {"types.h", "fs.h"}
        self.assertEqual(layers.resolve_include("types.h", files), "types.h")
        self.assertEqual(layers.resolve_include("kernel/fs.h", files), "fs.h")
        self.assertIsNone(layers.resolve_include("user/user.h", files))

    def test_linker_script_symbols(self) -> None:
        script = "  . = 0x80000000;\n  _trampoline = .;\n  PROVIDE(etext = .);\n" \
                 "  ASSERT(. - _trampoline == 0x1000, \"x\");\n  PROVIDE(end = .);\n"
        self.assertEqual(layers.linker_symbols(script), {"_trampoline", "etext", "end"})

    def test_symbol_edges(self) -> None:
        symbols = {
            "a.c": layers.SymbolTable({"helper": "T"}, {"counter", "etext", "ghost"}),
            "b.c": layers.SymbolTable({"counter": "B"}, {"helper"}),
        }
        edges, unresolved = layers.symbol_edges(symbols, provided={"etext"})
        self.assertEqual(sorted(edges), [layers.Edge("a.c", "b.c", "data", "counter"),
                                         layers.Edge("b.c", "a.c", "call", "helper")])
        self.assertEqual(unresolved, ["a.c uses ghost, which no kernel object defines"])


class CheckTest(unittest.TestCase):
    FILES = ["types.h", "start.c", "entry.S", "lib.h", "a.c", "b.c", "c.c", "d.c",
             "top.h", "top.c"]

    def judge(self, edges: Sequence[layers.Edge], files: Sequence[str] = FILES,
              entry_points: Optional[Dict[Tuple[str, str], str]] = None) -> layers.Findings:
        """The checker's findings on TABLE's kernel with these files and edges."""
        return layers.check(layers.parse_table(TABLE), files, edges, entry_points or {})

    def test_a_downward_call_passes(self) -> None:
        findings = self.judge([call("top.c", "a.c", "helper"), call("a.c", "start.c", "boot"),
                               include("top.c", "lib.h"), call("a.c", "b.c", "sideways")])
        self.assertFalse(findings.failed, findings.violations)
        self.assertEqual(findings.violations, [])
        self.assertTrue(findings.summary.startswith("layers OK: 10 files in 3 layers"))

    def test_the_listing_gives_each_file_its_layer(self) -> None:
        findings = self.judge([])
        self.assertEqual(findings.listing[0], "layer 1 machine: types.h")
        self.assertEqual(findings.listing[-1], "layer 3 top: top.c")
        self.assertEqual(len(findings.listing), len(self.FILES))

    def test_an_upward_call_is_caught(self) -> None:
        findings = self.judge([call("a.c", "top.c", "myproc"), call("a.c", "top.c", "sleep")])
        self.assertTrue(findings.failed)
        self.assertEqual(findings.violations,
                         ["upward call: a.c (basics) -> top.c (top): myproc, sleep"])
        self.assertEqual(findings.summary, "layers FAILED: 1 upward call or reference")

    def test_an_upward_data_reference_is_caught(self) -> None:
        findings = self.judge([layers.Edge("a.c", "top.c", "data", "devsw")])
        self.assertEqual(findings.violations,
                         ["upward data reference: a.c (basics) -> top.c (top): devsw"])

    def test_an_upward_include_is_caught(self) -> None:
        findings = self.judge([include("lib.h", "top.h")])
        self.assertEqual(findings.violations,
                         ["upward include: lib.h (basics) -> top.h (top)"])
        self.assertEqual(findings.summary, "layers FAILED: 1 upward include")

    def test_an_allowed_entry_point_passes(self) -> None:
        entry_points = {("start.c", "main"): "mret lands there"}
        findings = self.judge([call("start.c", "top.c", "main")], entry_points=entry_points)
        self.assertFalse(findings.failed, findings.violations)
        self.assertEqual(findings.notes, [])

    def test_an_entry_point_is_allowed_only_from_its_own_file(self) -> None:
        entry_points = {("start.c", "main"): "mret lands there"}
        findings = self.judge([call("start.c", "top.c", "main"), call("a.c", "top.c", "main")],
                              entry_points=entry_points)
        self.assertEqual(findings.violations,
                         ["upward call: a.c (basics) -> top.c (top): main"])

    def test_an_unused_entry_point_is_noted(self) -> None:
        findings = self.judge([], entry_points={("start.c", "main"): "mret lands there"})
        self.assertFalse(findings.failed)
        self.assertEqual(len(findings.notes), 1)
        self.assertIn("start.c -> main", findings.notes[0])

    def test_a_three_file_cycle_passes(self) -> None:
        findings = self.judge([call("a.c", "b.c", "f"), call("b.c", "c.c", "g"),
                               call("c.c", "a.c", "h"), call("c.c", "d.c", "k")])
        self.assertFalse(findings.failed, findings.violations)

    def test_a_four_file_cycle_fails(self) -> None:
        findings = self.judge([call("a.c", "b.c", "f"), call("b.c", "c.c", "g"),
                               call("c.c", "d.c", "h"), call("d.c", "a.c", "k")])
        self.assertTrue(findings.failed)
        self.assertEqual(findings.violations, [
            "cycle of 4 files: a.c, b.c, c.c, d.c",
            "    a.c -> b.c: f",
            "    b.c -> c.c: g",
            "    c.c -> d.c: h",
            "    d.c -> a.c: k",
        ])
        self.assertEqual(findings.summary, "layers FAILED: 1 cycle of more than 3 files")

    def test_includes_close_cycles_too(self) -> None:
        findings = self.judge([include("a.c", "lib.h"), call("lib.h", "b.c", "f"),
                               call("b.c", "c.c", "g"), call("c.c", "a.c", "h")])
        self.assertTrue(findings.failed)
        self.assertIn("    a.c -> lib.h: #include", findings.violations)

    def test_an_entry_point_closes_no_cycle(self) -> None:
        entry_points = {("a.c", "enter"): "the hardware jumps there"}
        findings = self.judge([call("a.c", "b.c", "enter"), call("b.c", "c.c", "g"),
                               call("c.c", "d.c", "h"), call("d.c", "a.c", "k")],
                              entry_points=entry_points)
        self.assertFalse(findings.failed, findings.violations)

    def test_an_unknown_file_is_reported(self) -> None:
        findings = self.judge([call("new.c", "a.c", "f")], files=self.FILES + ["new.c"])
        self.assertTrue(findings.failed)
        self.assertEqual(findings.violations, [
            "unknown file: kernel/new.c is in no layer; add it to its layer in "
            "tests/layers.txt"])
        self.assertEqual(findings.summary, "layers FAILED: 1 unknown file")

    def test_a_listed_file_that_is_gone_is_only_noted(self) -> None:
        findings = self.judge([], files=[name for name in self.FILES if name != "d.c"])
        self.assertFalse(findings.failed)
        self.assertEqual(findings.notes,
                         ["note: listed in tests/layers.txt but not in kernel/: d.c"])


class CommandTest(unittest.TestCase):
    """tests/layers.py as a program, on a scratch tree with a fake nm."""

    def setUp(self) -> None:
        scratch = tempfile.TemporaryDirectory(prefix="kiln-layers-")
        self.addCleanup(scratch.cleanup)
        self.root = scratch.name
        os.makedirs(os.path.join(self.root, "kernel"))
        self.table = os.path.join(self.root, "layers.txt")
        self.write("layers.txt", "1 low: low.h low.c start.S\n2 high: high.c\n")
        self.write("kernel/kernel.ld", "PROVIDE(end = .);\n")
        self.nm = os.path.join(self.root, "fake-nm")
        # The fake objects hold nm's output; `nm -g FILE` prints the file.
        self.write("fake-nm", '#!/bin/sh\ncat "$2"\n')
        os.chmod(self.nm, os.stat(self.nm).st_mode | stat.S_IXUSR)

    def write(self, path: str, text: str) -> None:
        with open(os.path.join(self.root, path), "w") as file:
            file.write(text)

    def kernel(self, low_c: str, low_o: str) -> None:
        """A kernel of four files; low.c and low.o as given."""
        self.write("kernel/low.h", "void low(void);\n")
        self.write("kernel/low.c", low_c)
        self.write("kernel/low.o", low_o)
        self.write("kernel/start.S", "")
        self.write("kernel/start.o", "                 U high_entry\n")
        self.write("kernel/high.c", '#include "low.h"\n')
        self.write("kernel/high.o", "0000000000000000 T high\n0000000000000000 T high_entry\n"
                                    "                 U low\n")

    def run_tool(self) -> List[str]:
        """Run the command on the scratch tree; its output lines (status in self.status)."""
        stdout, stderr = io.StringIO(), io.StringIO()
        with redirect_stdout(stdout), redirect_stderr(stderr):
            self.status = layers.main(["--root", self.root, "--table", self.table,
                                       "--nm", self.nm])
        return (stdout.getvalue() + stderr.getvalue()).splitlines()

    def test_a_layered_kernel_passes(self) -> None:
        self.kernel('#include "low.h"\n', "0000000000000000 T low\n          U end\n")
        layers.ENTRY_POINTS[("start.S", "high_entry")] = "a test's trap vector"
        self.addCleanup(layers.ENTRY_POINTS.pop, ("start.S", "high_entry"))
        lines = self.run_tool()
        self.assertEqual(self.status, 0, lines)
        self.assertEqual(lines[:4], ["layer 1 low: low.h", "layer 1 low: low.c",
                                     "layer 1 low: start.S", "layer 2 high: high.c"])
        self.assertTrue(lines[-1].startswith("layers OK"), lines)

    def test_an_upward_call_and_include_fail(self) -> None:
        self.kernel('#include "low.h"\n#include "kernel/high.c"\n',
                    "0000000000000000 T low\n                 U high\n")
        lines = self.run_tool()
        self.assertEqual(self.status, 1, lines)
        self.assertIn("upward call: low.c (low) -> high.c (high): high", lines)
        self.assertIn("upward call: start.S (low) -> high.c (high): high_entry", lines)
        self.assertIn("upward include: low.c (low) -> high.c (high)", lines)
        self.assertEqual(lines[-1], "layers FAILED: 2 upward calls or references, "
                                    "1 upward include")

    def test_nothing_built_is_an_error(self) -> None:
        self.write("kernel/low.c", "")
        lines = self.run_tool()
        self.assertEqual(self.status, 2)
        self.assertIn("build the kernel first", lines[-1])


if __name__ == "__main__":
    unittest.main()
