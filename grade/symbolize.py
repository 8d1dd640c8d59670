"""Turn code addresses in Kiln's console output into function (file:line).

Usage: python3 grade/symbolize.py [--kernel kernel/kernel] [--user-dir user] < console.txt
(or `make symbolize`, then paste the console text and end it with Ctrl-d).

Every input line is copied to the output. A line that consists of one bare
address (a backtrace prints one return address per line) gets the location
appended; after any other line that carries `sepc=`, `ra=` or `pc=` values,
each value's location follows on an indented line of its own:

    kernel trap: load page fault, scause=0xd sepc=0x80002a3c stval=0x0
        sepc=0x80002a3c: sys_uptime (kernel/sysproc.c:71)

Kernel addresses (0x80000000 and up) are looked up in kernel/kernel. A user
address is looked up in the program it belongs to when the line names it, as
the kernel's report of a user fault does ("pid 5 (cat): killed by ..."), in
user/_cat; user/_NAME keeps the debugging information that the copies on the
disk lack. The lookup is done by riscv64-unknown-elf-addr2line.
"""

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

KERNEL_BASE = 0x80000000

# Names under which an addr2line for RISC-V ELF files may be installed, best
# first; $TOOLPREFIX (as the Makefile spells it) goes in front.
ADDR2LINE_NAMES = ("riscv64-unknown-elf-addr2line", "riscv64-linux-gnu-addr2line",
                   "riscv64-elf-addr2line", "llvm-addr2line")

# A line holding nothing but an address, as a backtrace prints them.
BARE_ADDRESS = re.compile(r"^\s*(0x[0-9a-fA-F]{1,16})\s*$")
# A named register value inside a longer line: sepc=0x..., ra=0x..., pc=0x...
NAMED_ADDRESS = re.compile(r"\b(sepc|ra|pc)=(0x[0-9a-fA-F]{1,16})\b")
# The kernel's report of a user fault names the process: "pid 5 (cat): ...".
USER_PROGRAM = re.compile(r"\bpid \d+ \(([^()\s]+)\)")

# Kinds of value that hold a return address rather than the address of the
# instruction itself.
RETURN_ADDRESS_KINDS = ("ra", "bare")


class Location(NamedTuple):
    """Where an address lies: a function, its file and line (None if unknown)."""
    function: str
    file: Optional[str]
    line: Optional[int]

    def __str__(self) -> str:
        if self.file is None:
            return self.function
        return "{} ({}:{})".format(self.function, self.file, self.line or "?")


class Symbolized(NamedTuple):
    """An address and where it lies; `frames` is innermost first (inlining)."""
    address: int
    frames: Tuple[Location, ...]

    def describe(self) -> str:
        if not self.frames:
            return "?? (no symbol)"
        inner, *outer = self.frames
        text = str(inner)
        for frame in outer:
            text += ", inlined into " + str(frame)
        return text


def find_addr2line() -> Optional[str]:
    """The addr2line binary to use, or None if none is installed."""
    prefix = os.environ.get("TOOLPREFIX")
    names = ((prefix + "addr2line",) if prefix else ()) + ADDR2LINE_NAMES
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def _parse_addr2line(text: str, root: str) -> Dict[int, Tuple[Location, ...]]:
    """Parse `addr2line -a -f -i -p` output into address -> frames."""
    result: Dict[int, Tuple[Location, ...]] = {}
    current: Optional[int] = None
    for line in text.splitlines():
        record = re.match(r"^0x([0-9a-fA-F]+): (.*)$", line)
        if record:
            current = int(record.group(1), 16)
            result[current] = ()
            rest = record.group(2)
        elif current is not None and line.startswith(" (inlined by) "):
            rest = line[len(" (inlined by) "):]
        else:
            continue
        location = _parse_location(rest, root)
        if location is not None:
            result[current] += (location,)
    return result


def _parse_location(text: str, root: str) -> Optional[Location]:
    """One "function at file:line" piece; None when addr2line knew nothing."""
    found = re.match(r"^(\S+) at (.*?):(\?|\d+)", text)
    if not found or found.group(1) == "??":
        return None
    function, path, line = found.groups()
    if path == "??":
        return Location(function, None, None)
    return Location(function, _display_path(path, root), int(line) if line.isdigit() else None)


def _display_path(path: str, root: str) -> str:
    """A source path as the tree at root knows it: kernel/trap.c, not /home/x/kiln/kernel/trap.c.

    The debugging information names the folder the file was compiled in,
    which may be another copy of the tree (a tree moved after building, a
    grading machine), so the longest tail of the path that exists under
    root is taken.
    """
    if not os.path.isabs(path):
        return path
    if path.startswith(root + os.sep):
        return os.path.relpath(path, root)
    parts = path.split(os.sep)
    for start in range(1, len(parts)):
        tail = os.path.join(*parts[start:])
        if os.path.exists(os.path.join(root, tail)):
            return tail
    return path


class Symbolizer:
    """Looks addresses up in the kernel and the user programs, with a cache."""

    def __init__(self, kernel: str = "kernel/kernel", user_dir: str = "user",
                 addr2line: Optional[str] = None) -> None:
        self.kernel = kernel
        self.user_dir = user_dir
        self.addr2line = addr2line or find_addr2line()
        # File names are shown relative to the tree the kernel was built in.
        self.root = os.path.dirname(os.path.dirname(os.path.abspath(kernel)))
        self._cache: Dict[Tuple[str, int], Tuple[Location, ...]] = {}

    @property
    def problem(self) -> Optional[str]:
        """Why no address can be symbolized, or None if all is ready."""
        if self.addr2line is None:
            return ("riscv64-unknown-elf-addr2line is not installed, so addresses "
                    "cannot be turned into source lines")
        if not os.path.isfile(self.kernel):
            return "{} not found (build it with `make`)".format(self.kernel)
        return None

    def binary_for(self, address: int, program: Optional[str]) -> Optional[str]:
        """The ELF file that holds address: the kernel, or the named user program."""
        if address >= KERNEL_BASE:
            return self.kernel
        if program:
            path = os.path.join(self.user_dir, "_" + program)
            if os.path.isfile(path):
                return path
        return None

    def _look_up(self, binary: str, addresses: Iterable[int]) -> None:
        """Put the locations of addresses in one binary into the cache (unknown: ())."""
        wanted = sorted({a for a in addresses if (binary, a) not in self._cache})
        if wanted and self.addr2line and os.path.isfile(binary):
            command = [self.addr2line, "-a", "-f", "-i", "-p", "-e", binary]
            command += ["0x{:x}".format(a) for a in wanted]
            try:
                output = subprocess.run(command, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, timeout=60).stdout
                found = _parse_addr2line(output.decode(errors="replace"), self.root)
            except (OSError, subprocess.TimeoutExpired):
                found = {}
            for address in wanted:
                self._cache[(binary, address)] = found.get(address, ())

    def _target(self, address: int, program: Optional[str],
                return_address: bool) -> Tuple[Optional[str], int]:
        """The binary to search and the address to search it for.

        A return address is looked up one byte earlier: the call sits just
        before it, and the instruction after a call may belong to another
        line (or, after a call that never returns, another function).
        """
        if return_address and address > 0:
            address -= 1
        return self.binary_for(address, program), address

    def symbolize(self, address: int, program: Optional[str] = None,
                  return_address: bool = False) -> Symbolized:
        """Locate one address (in user program `program` if it is below the kernel)."""
        return self.symbolize_many([(address, program, return_address)])[0]

    def symbolize_many(self, requests: Sequence[Tuple[int, Optional[str], bool]]
                       ) -> List[Symbolized]:
        """Locate (address, program, return_address) requests, one addr2line run per binary."""
        targets = [self._target(*request) for request in requests]
        by_binary: Dict[str, List[int]] = {}
        for binary, address in targets:
            if binary:
                by_binary.setdefault(binary, []).append(address)
        for binary, addresses in by_binary.items():
            self._look_up(binary, addresses)
        return [Symbolized(request[0], self._cache.get((binary, address), ()) if binary else ())
                for request, (binary, address) in zip(requests, targets)]

    # ---- whole console texts ----

    def annotate(self, text: str) -> str:
        """The console text with every recognised address located (see module doc)."""
        lines = text.split("\n")
        found = [_addresses_in(line) for line in lines]
        requests = [(address, program, kind in RETURN_ADDRESS_KINDS)
                    for program, items in found for kind, address in items]
        located = iter(self.symbolize_many(requests))
        out: List[str] = []
        for line, (program, items) in zip(lines, found):
            descriptions = [self._describe(next(located), program) for _ in items]
            if not items:
                out.append(line)
            elif items[0][0] == "bare":
                out.append(line.rstrip() + "  " + descriptions[0])
            else:
                out.append(line)
                indent = re.match(r"^\s*", line).group(0) + "    "
                for (kind, address), description in zip(items, descriptions):
                    out.append("{}{}=0x{:x}: {}".format(indent, kind, address, description))
        return "\n".join(out)

    def _describe(self, located: Symbolized, program: Optional[str]) -> str:
        if located.address < KERNEL_BASE and self.binary_for(located.address, program) is None:
            if program:
                return "(in {}, but {} is missing)".format(
                    program, os.path.join(self.user_dir, "_" + program))
            return "(a user address, but the line does not say which program)"
        return located.describe()


def _addresses_in(line: str) -> Tuple[Optional[str], List[Tuple[str, int]]]:
    """The program a line names (if any) and its (kind, address) pairs."""
    bare = BARE_ADDRESS.match(line)
    # Only kernel backtraces print bare addresses; a small number alone on a
    # line is more likely some program's output.
    if bare and int(bare.group(1), 16) >= KERNEL_BASE:
        return None, [("bare", int(bare.group(1), 16))]
    program = USER_PROGRAM.search(line)
    found = [(m.group(1), int(m.group(2), 16)) for m in NAMED_ADDRESS.finditer(line)]
    return (program.group(1) if program else None), found


def code_ranges(elf_path: str) -> List[Tuple[int, int]]:
    """The [start, end) address ranges of an ELF64 file's executable segments.

    A return address found on a stack is believable only inside these, so
    walking a broken stack stops instead of wandering through data.
    """
    try:
        with open(elf_path, "rb") as elf:
            header = elf.read(64)
            if len(header) < 64 or header[:4] != b"\x7fELF" or header[4] != 2:
                return []
            endian = "<" if header[5] == 1 else ">"
            phoff, = struct.unpack_from(endian + "Q", header, 32)
            phentsize, phnum = struct.unpack_from(endian + "HH", header, 54)
            ranges = []
            for index in range(phnum):
                elf.seek(phoff + index * phentsize)
                entry = elf.read(56)
                kind, flags = struct.unpack_from(endian + "II", entry, 0)
                vaddr, = struct.unpack_from(endian + "Q", entry, 16)
                memsz, = struct.unpack_from(endian + "Q", entry, 40)
                if kind == 1 and flags & 1:  # PT_LOAD, PF_X
                    ranges.append((vaddr, vaddr + memsz))
            return ranges
    except (OSError, struct.error):
        return []


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Symbolize the code addresses in Kiln console text read from stdin.")
    parser.add_argument("--kernel", default="kernel/kernel",
                        help="the kernel ELF file (default: kernel/kernel)")
    parser.add_argument("--user-dir", default="user",
                        help="where user/_NAME programs with symbols are (default: user)")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    options = parse_arguments(argv)
    symbolizer = Symbolizer(options.kernel, options.user_dir)
    if symbolizer.problem:
        print("symbolize: " + symbolizer.problem, file=sys.stderr)
        return 1
    if sys.stdin.isatty():
        print("symbolize: paste the console text, then press Ctrl-d", file=sys.stderr)
    sys.stdout.write(symbolizer.annotate(sys.stdin.read()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
