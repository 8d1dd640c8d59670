"""Unified diffs between two trees, in the format git writes.

The output applies with `git apply` and with `patch -p1`: git headers
("diff --git", new/deleted file modes, mode changes), /dev/null for created
and removed files, and the "\\ No newline at end of file" marker. Lines are
compared as bytes (decoded losslessly), so any text encoding survives.
"""

import difflib
from typing import Dict, Iterable, Iterator, List, Optional

from .errors import ToolError
from .tree import Entry

CONTEXT = 3
NO_NEWLINE = "\\ No newline at end of file\n"


def tree_diff(old: Dict[str, Entry], new: Dict[str, Entry],
              old_prefix: str = "a/", new_prefix: str = "b/",
              allow_binary: bool = False) -> str:
    """The diff from tree old to tree new, as one string."""
    return "".join(file_diff(path, old.get(path), new.get(path), old_prefix,
                             new_prefix, allow_binary)
                   for path in changed_paths(old, new))


def changed_paths(old: Dict[str, Entry], new: Dict[str, Entry]) -> List[str]:
    """Sorted paths whose entry differs (or exists on one side only)."""
    return [path for path in sorted(set(old) | set(new))
            if old.get(path) != new.get(path)]


def file_diff(path: str, old: Optional[Entry], new: Optional[Entry],
              old_prefix: str = "a/", new_prefix: str = "b/",
              allow_binary: bool = False) -> str:
    """The diff of one file; old or new is None when the file is absent."""
    out = ["diff --git %s%s %s%s\n" % (old_prefix, path, new_prefix, path)]
    if old is None:
        out.append("new file mode %06o\n" % new.mode)
    elif new is None:
        out.append("deleted file mode %06o\n" % old.mode)
    elif old.mode != new.mode:
        out.append("old mode %06o\nnew mode %06o\n" % (old.mode, new.mode))
    old_name = "/dev/null" if old is None else old_prefix + path
    new_name = "/dev/null" if new is None else new_prefix + path
    old_data = old.data if old else b""
    new_data = new.data if new else b""
    if old_data == new_data:
        return "".join(out)
    if _is_binary(old_data) or _is_binary(new_data):
        if not allow_binary:
            raise ToolError("%s is a binary file that differs between the two "
                            "trees; these diffs carry text files only" % path)
        out.append("Binary files %s and %s differ\n" % (old_name, new_name))
        return "".join(out)
    out.append("--- %s\n+++ %s\n" % (old_name, new_name))
    out.extend(_hunks(_lines(old_data), _lines(new_data)))
    return "".join(out)


def _is_binary(data: bytes) -> bool:
    return b"\0" in data[:8192]


def _lines(data: bytes) -> List[str]:
    """data split after each newline; the last line may lack one."""
    parts = data.decode("utf-8", "surrogateescape").split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _hunks(old_lines: List[str], new_lines: List[str]) -> List[str]:
    # Without autojunk, common lines such as "}" stay usable as anchors,
    # which keeps hunks as small as a reader expects.
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines,
                                      autojunk=False)
    out = []
    for group in matcher.get_grouped_opcodes(CONTEXT):
        first, last = group[0], group[-1]
        out.append("@@ -%s +%s @@\n" % (_range(first[1], last[2]),
                                        _range(first[3], last[4])))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_marked(" ", old_lines[i1:i2]))
                continue
            out.extend(_marked("-", old_lines[i1:i2]))
            out.extend(_marked("+", new_lines[j1:j2]))
    return out


def _marked(mark: str, lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        yield mark + line
        if not line.endswith("\n"):
            yield "\n" + NO_NEWLINE


def _range(start: int, stop: int) -> str:
    """A hunk range as diff writes it: "first,count", 0-based when empty."""
    count = stop - start
    if count == 1:
        return "%d" % (start + 1)
    if count == 0:
        return "%d,0" % start
    return "%d,%d" % (start + 1, count)


def encode(text: str) -> bytes:
    """A diff string back to the exact bytes of the files it came from."""
    return text.encode("utf-8", "surrogateescape")

