#!/usr/bin/env python3
"""Generate the user-space system call stubs (user/usys.S).

Usage: python3 user/usys.py kernel/syscall.h > user/usys.S
       cc -E -dM kernel/syscall.h | python3 user/usys.py - > user/usys.S

For every ``#define SYS_name N`` line in the header this prints a global
assembly function ``name`` that puts N in register a7, traps into the kernel
with ``ecall`` and returns; the kernel leaves the result in a0, which is where
the C calling convention expects it.

The header may hold system calls that exist only in some builds, inside
``#if`` blocks. This script does not evaluate conditionals, so the Makefile
runs the header through the C preprocessor first (``-E -dM`` lists the
macros that remain defined) and pipes that list in, "-" meaning standard
input. The preprocessor lists macros in no particular order, so the stubs
are sorted by number.
"""

import re
import sys
from typing import Iterable, List, Tuple

SYSCALL_LINE = re.compile(r"^\s*#\s*define\s+SYS_(\w+)\s+(\d+)\b")


def parse_syscalls(lines: Iterable[str]) -> List[Tuple[str, int]]:
    """Return (name, number) for each SYS_ definition, by number."""
    calls = []
    for line in lines:
        match = SYSCALL_LINE.match(line)
        if match:
            calls.append((match.group(1), int(match.group(2))))
    return sorted(calls, key=lambda call: call[1])


def read_syscalls(header_path: str) -> List[Tuple[str, int]]:
    """Parse the header at header_path, or standard input for "-"."""
    if header_path == "-":
        return parse_syscalls(sys.stdin)
    with open(header_path, encoding="utf-8") as header:
        return parse_syscalls(header)


def render_stubs(calls: List[Tuple[str, int]], source: str) -> str:
    """Return the assembly text for all stubs."""
    lines = [
        f"/* generated from {source} by user/usys.py; do not edit */",
        "",
        "    .text",
    ]
    for name, number in calls:
        lines += [
            "",
            f"    .global {name}",
            f"    .type {name}, @function",
            f"{name}:",
            f"    li a7, {number}",
            "    ecall",
            "    ret",
            f"    .size {name}, . - {name}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print("usage: usys.py kernel/syscall.h  (or - for the preprocessed header on stdin)",
              file=sys.stderr)
        return 1
    header_path = argv[1]
    source = "the preprocessed kernel/syscall.h" if header_path == "-" else header_path
    try:
        calls = read_syscalls(header_path)
    except OSError as err:
        print(f"usys.py: cannot read {header_path}: {err.strerror}", file=sys.stderr)
        return 1
    if not calls:
        print(f"usys.py: no '#define SYS_name N' lines in {source}", file=sys.stderr)
        return 1
    sys.stdout.write(render_stubs(calls, source))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
