"""Check that the kernel's files form layers that call downward only: `make layers`.

tests/layers.txt puts every kernel file (.c, .S, .h) in one of ten layers,
from the machine (1) up to main (10). A file may call, refer to and include
only files of its own layer and of lower ones. This tool prints each file's
layer, then every violation:

  - an upward call or data reference, found in the compiled objects: a symbol
    that kernel/A.o leaves undefined and kernel/B.o defines is an edge
    A -> B (`nm -g` lists both);
  - an upward #include "..." of a kernel header, from a .c, .S or .h file;
  - a kernel file that the table does not list;
  - a cycle of more than three files: a strongly connected component of the
    graph of calls and includes together. Mutual calls inside a small group
    of files are fine; a bigger knot means no file in it can be read alone.

A few references are control transfers that hardware or assembly makes,
not calls in the layering sense; ENTRY_POINTS lists each with its reason.
Symbols that the linker script defines (kernel/kernel.ld) belong to no file
and make no edge.

The objects are those of the stage last built (`make layers` builds it).
Exit status: 0 when nothing is wrong, 1 on a violation, 2 when the check
could not run (no objects, no nm, a broken table).

Usage: python3 tests/layers.py [--root DIR] [--table FILE] [--nm PROGRAM]
"""

import argparse
import os
import re
import subprocess
import sys
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE_PATH = os.path.join(ROOT, "tests", "layers.txt")
KERNEL_DIR = "kernel"
LINKER_SCRIPT = "kernel.ld"
SOURCE_SUFFIXES = (".c", ".S", ".h")

# A strongly connected group of at most this many files is tolerated.
MAX_CYCLE_FILES = 3

# (referring file, symbol) -> why the reference is not a call into that
# file's layer. Keyed by the referring file too, so that anyone else calling
# the same function is still caught.
ENTRY_POINTS: Dict[Tuple[str, str], str] = {
    ("start.c", "main"):
        "start.c leaves machine mode with mret, landing in main for good; "
        "nothing returns to start.c",
    ("kernelvec.S", "kerneltrap"):
        "the hardware enters kernelvec.S on a trap in supervisor mode, and "
        "it hands the trap up to its handler",
}

# nm letters of defined symbols that are data, not code: a reference to one
# is a data reference rather than a call.
DATA_SYMBOL_TYPES = set("BbCDdGgRrSsVv")

LAYER_LINE = re.compile(r"^\s*(\d+)\s+([^:]+):(.*)$")
INCLUDE_LINE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)
# `name = ...` or PROVIDE(name = ...) in a linker script; `.` is no name.
LINKER_ASSIGNMENT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")


class TableError(Exception):
    """The layer table cannot be read."""


class CheckError(Exception):
    """The check cannot run on this tree (nothing built, nm missing)."""


class Layer(NamedTuple):
    """One layer of the table: its number, name and files, in table order."""
    number: int
    name: str
    files: List[str]


class Edge(NamedTuple):
    """`source` uses `target`: kind is "call", "data" or "include"."""
    source: str
    target: str
    kind: str
    symbol: str  # the symbol called or referred to; "" for an include


class SymbolTable(NamedTuple):
    """The global symbols of one object: defined ones with their nm letter."""
    defined: Dict[str, str]
    undefined: Set[str]


class Findings(NamedTuple):
    """What the check found: lines to print, and whether anything failed."""
    listing: List[str]
    violations: List[str]
    notes: List[str]
    summary: str
    failed: bool


# ---- reading the tree ----

def parse_table(text: str, origin: str = "the layer table") -> List[Layer]:
    """The layers of a table in the tests/layers.txt format, lowest first."""
    layers: List[Layer] = []
    seen: Dict[str, int] = {}
    for line_number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        where = "{}, line {}".format(origin, line_number)
        start = LAYER_LINE.match(line)
        if start:
            number = int(start.group(1))
            if number != len(layers) + 1:
                raise TableError("{}: layer {} should be layer {}".format(
                    where, number, len(layers) + 1))
            layers.append(Layer(number, start.group(2).strip(), []))
            names = start.group(3).split()
        elif layers and line[0].isspace():
            names = line.split()
        else:
            raise TableError("{}: expected \"N name: files\" or an indented "
                             "list of files".format(where))
        for name in names:
            if name in seen:
                raise TableError("{}: {} is already in layer {}".format(where, name, seen[name]))
            seen[name] = layers[-1].number
            layers[-1].files.append(name)
    if not layers:
        raise TableError("{} has no layers".format(origin))
    return layers


def kernel_files(kernel_dir: str) -> List[str]:
    """The .c, .S and .h files in kernel_dir, by name."""
    return sorted(name for name in os.listdir(kernel_dir) if name.endswith(SOURCE_SUFFIXES))


def parse_includes(text: str) -> List[str]:
    """The names in a file's #include "..." lines (<...> ones name no kernel file)."""
    return INCLUDE_LINE.findall(text)


def resolve_include(name: str, files: Set[str]) -> Optional[str]:
    """The kernel file that #include "name" reads, or None if it is no kernel file.

    The compiler looks beside the including file first, then from the
    repository root (-I.), so "kernel/x.h" names kernel/x.h too.
    """
    if name in files:
        return name
    prefix = KERNEL_DIR + "/"
    if name.startswith(prefix) and name[len(prefix):] in files:
        return name[len(prefix):]
    return None


def parse_nm(output: str) -> SymbolTable:
    """The global symbols in `nm -g` output for one object."""
    defined: Dict[str, str] = {}
    undefined: Set[str] = set()
    for line in output.splitlines():
        fields = line.split()
        if len(fields) == 3:
            defined[fields[2]] = fields[1]
        elif len(fields) == 2 and fields[0] in ("U", "w", "v"):
            undefined.add(fields[1])
    return SymbolTable(defined, undefined)


def read_symbols(object_path: str, nm: str) -> SymbolTable:
    """The global symbols of one object file, from nm."""
    try:
        result = subprocess.run([nm, "-g", object_path], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, universal_newlines=True)
    except FileNotFoundError:
        raise CheckError("{} not found: install the RISC-V tool chain or pass --nm"
                         .format(nm)) from None
    if result.returncode != 0:
        raise CheckError("{} {} failed: {}".format(nm, object_path, result.stderr.strip()))
    return parse_nm(result.stdout)


def linker_symbols(text: str) -> Set[str]:
    """The symbols a linker script assigns (etext, end, ...)."""
    return set(LINKER_ASSIGNMENT.findall(text))


# ---- building the graph ----

def include_edges(includes: Dict[str, List[str]], files: Set[str]) -> List[Edge]:
    """Edges from each file to the kernel headers it includes."""
    edges = []
    for source, names in sorted(includes.items()):
        for name in names:
            target = resolve_include(name, files)
            if target is not None and target != source:
                edges.append(Edge(source, target, "include", ""))
    return edges


def symbol_edges(symbols: Dict[str, SymbolTable],
                 provided: Set[str]) -> Tuple[List[Edge], List[str]]:
    """Call and data edges between files, and symbols that nothing defines."""
    definers: Dict[str, List[Tuple[str, str]]] = {}
    for source, table in symbols.items():
        for symbol, letter in table.defined.items():
            definers.setdefault(symbol, []).append((source, letter))
    edges: List[Edge] = []
    unresolved: List[str] = []
    for source in sorted(symbols):
        for symbol in sorted(symbols[source].undefined):
            if symbol not in definers:
                if symbol not in provided:
                    unresolved.append("{} uses {}, which no kernel object defines"
                                      .format(source, symbol))
                continue
            for target, letter in definers[symbol]:
                if target != source:
                    kind = "data" if letter in DATA_SYMBOL_TYPES else "call"
                    edges.append(Edge(source, target, kind, symbol))
    return edges, unresolved


def strongly_connected(nodes: Iterable[str], edges: Iterable[Edge]) -> List[List[str]]:
    """The strongly connected components of the graph (Tarjan's algorithm)."""
    successors: Dict[str, Set[str]] = {node: set() for node in nodes}
    for edge in edges:
        successors.setdefault(edge.source, set()).add(edge.target)
        successors.setdefault(edge.target, set())
    order: Dict[str, int] = {}
    lowest: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    components: List[List[str]] = []

    def visit(node: str) -> None:
        order[node] = lowest[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(successors[node]):
            if successor not in order:
                visit(successor)
                lowest[node] = min(lowest[node], lowest[successor])
            elif successor in on_stack:
                lowest[node] = min(lowest[node], order[successor])
        if lowest[node] == order[node]:  # node is the root of a component
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(successors):
        if node not in order:
            visit(node)
    return components


# ---- judging ----

def check(layers: Sequence[Layer], files: Sequence[str], edges: Sequence[Edge],
          entry_points: Dict[Tuple[str, str], str] = ENTRY_POINTS,
          table_name: str = "tests/layers.txt") -> Findings:
    """Judge the files and edges of a kernel against its layer table."""
    layer_of = {name: layer for layer in layers for name in layer.files}
    present = set(files)
    listing = ["layer {} {}: {}".format(layer.number, layer.name, name)
               for layer in layers for name in layer.files if name in present]
    unknown = ["unknown file: kernel/{} is in no layer; add it to its layer in {}"
               .format(name, table_name) for name in files if name not in layer_of]
    kept = [edge for edge in edges if (edge.source, edge.symbol) not in entry_points]
    upward = _upward_lines(kept, layer_of)
    cycles = [component for component in strongly_connected(files, kept)
              if len(component) > MAX_CYCLE_FILES]
    cycle_lines = [line for component in cycles
                   for line in _cycle_lines(component, kept, layer_of)]
    notes = _notes(layers, present, edges, entry_points, table_name)
    problems = [(len(upward[0]), "upward call or reference", "upward calls or references"),
                (len(upward[1]), "upward include", "upward includes"),
                (len(unknown), "unknown file", "unknown files"),
                (len(cycles), "cycle of more than {} files".format(MAX_CYCLE_FILES),
                 "cycles of more than {} files".format(MAX_CYCLE_FILES))]
    failed = any(count for count, _, _ in problems)
    if failed:
        summary = "layers FAILED: " + ", ".join(
            "{} {}".format(count, one if count == 1 else many)
            for count, one, many in problems if count)
    else:
        summary = "layers OK: {} files in {} layers; every call and include goes " \
                  "downward".format(len(files), len(layers))
    return Findings(listing, upward[0] + upward[1] + unknown + cycle_lines, notes,
                    summary, failed)


def _upward_lines(edges: Sequence[Edge],
                  layer_of: Dict[str, Layer]) -> Tuple[List[str], List[str]]:
    """Lines for upward references (calls and data) and for upward includes."""
    grouped: Dict[Tuple[str, str, str], List[str]] = {}
    for edge in edges:
        source, target = layer_of.get(edge.source), layer_of.get(edge.target)
        if source is not None and target is not None and target.number > source.number:
            grouped.setdefault((edge.kind, edge.source, edge.target), []).append(edge.symbol)
    references: List[str] = []
    includes: List[str] = []
    words = {"call": "upward call", "data": "upward data reference", "include": "upward include"}
    for (kind, source, target), symbols in sorted(
            grouped.items(), key=lambda item: _edge_order(item[0], layer_of)):
        line = "{}: {} ({}) -> {} ({})".format(words[kind], source, layer_of[source].name,
                                               target, layer_of[target].name)
        if kind == "include":
            includes.append(line)
        else:
            references.append(line + ": " + ", ".join(sorted(set(symbols))))
    return references, includes


def _edge_order(key: Tuple[str, str, str], layer_of: Dict[str, Layer]) -> Tuple:
    """Sort upward edges by the layer they start from, then by file."""
    kind, source, target = key
    return (layer_of[source].number, source, layer_of[target].number, target, kind)


def _cycle_lines(component: List[str], edges: Sequence[Edge],
                 layer_of: Dict[str, Layer]) -> List[str]:
    """A cycle's files, then the edges among them: cutting some breaks it up."""
    members = set(component)
    ordered = sorted(component, key=lambda name: (_layer_number(name, layer_of), name))
    inside: Dict[Tuple[str, str], Set[str]] = {}
    for edge in edges:
        if edge.source in members and edge.target in members:
            inside.setdefault((edge.source, edge.target), set()).add(
                edge.symbol or "#include")
    lines = ["cycle of {} files: {}".format(len(component), ", ".join(ordered))]
    for (source, target), symbols in sorted(
            inside.items(), key=lambda item: (ordered.index(item[0][0]), item[0][1])):
        lines.append("    {} -> {}: {}".format(source, target, ", ".join(sorted(symbols))))
    return lines


def _layer_number(name: str, layer_of: Dict[str, Layer]) -> int:
    """A file's layer number; files in no layer sort last."""
    layer = layer_of.get(name)
    return layer.number if layer is not None else sys.maxsize


def _notes(layers: Sequence[Layer], present: Set[str], edges: Sequence[Edge],
           entry_points: Dict[Tuple[str, str], str], table_name: str) -> List[str]:
    """Stale entries of the table and of ENTRY_POINTS: worth a look, not a failure."""
    notes = []
    absent = [name for layer in layers for name in layer.files if name not in present]
    if absent:
        notes.append("note: listed in {} but not in kernel/: {}".format(
            table_name, ", ".join(absent)))
    used = {(edge.source, edge.symbol) for edge in edges}
    for source, symbol in sorted(set(entry_points) - used):
        notes.append("note: entry point {} -> {} is not referred to any more; "
                     "remove it from ENTRY_POINTS".format(source, symbol))
    return notes


# ---- the command ----

def gather(root: str, nm: str) -> Tuple[List[str], List[Edge], List[str]]:
    """The kernel's files, its call and include edges, and notes on what went unchecked."""
    kernel_dir = os.path.join(root, KERNEL_DIR)
    files = kernel_files(kernel_dir)
    includes: Dict[str, List[str]] = {}
    for name in files:
        with open(os.path.join(kernel_dir, name), errors="replace") as source:
            includes[name] = parse_includes(source.read())
    symbols: Dict[str, SymbolTable] = {}
    for name in files:
        if name.endswith(".h"):
            continue
        object_path = os.path.join(kernel_dir, os.path.splitext(name)[0] + ".o")
        if os.path.exists(object_path):
            symbols[name] = read_symbols(object_path, nm)
    if not symbols:
        raise CheckError("no kernel objects in {}: build the kernel first (make)"
                         .format(kernel_dir))
    script = os.path.join(kernel_dir, LINKER_SCRIPT)
    provided: Set[str] = set()
    if os.path.exists(script):
        with open(script) as text:
            provided = linker_symbols(text.read())
    edges, unresolved = symbol_edges(symbols, provided)
    unbuilt = ["note: kernel/{} has no object in this build; its calls are not checked"
               .format(name) for name in files
               if not name.endswith(".h") and name not in symbols]
    return files, include_edges(includes, set(files)) + edges, unbuilt + [
        "note: " + line for line in unresolved]


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Print each kernel file's layer; fail on an upward call or include, "
                    "an unlisted file, or a cycle of more than {} files.".format(MAX_CYCLE_FILES))
    parser.add_argument("--root", default=ROOT, help="the Kiln tree (default: this one)")
    parser.add_argument("--table", default=TABLE_PATH, help="the layer table "
                        "(default: tests/layers.txt)")
    parser.add_argument("--nm", default=os.environ.get("TOOLPREFIX", "riscv64-unknown-elf-")
                        + "nm", help="the RISC-V nm (default: $TOOLPREFIX nm)")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    options = parse_arguments(argv)
    table_name = os.path.relpath(options.table, options.root)
    try:
        with open(options.table) as table:
            layers = parse_table(table.read(), table_name)
        files, edges, gather_notes = gather(options.root, options.nm)
    except (OSError, TableError, CheckError) as error:
        print("layers: {}".format(error), file=sys.stderr)
        return 2
    findings = check(layers, files, edges, ENTRY_POINTS, table_name)
    for line in findings.listing + findings.violations + gather_notes + findings.notes:
        print(line)
    print(findings.summary)
    return 1 if findings.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
