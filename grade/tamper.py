"""Checksums of the files a student must not change: graders and test programs.

When the stage tool projects a student tree it writes conf/checksums, one
line per protected file in the format of `sha256sum` (so `sha256sum -c
conf/checksums` checks it too):

    9f86d081884c7d65...  grade/gradelib.py

`make grade` compares the tree against it and names every file that differs
or is missing at the top of its report. The instructor repository has no
conf/checksums, and nothing is checked there.
"""

import hashlib
import os
from typing import Dict, Iterable, List, NamedTuple

CHECKSUMS = "conf/checksums"

# Everything under these folders is protected, in every stage; a lab adds its
# own test programs through the catalogue's "protected" list.
PROTECTED_FOLDERS = ("grade/", "user/usertests/")


class Tampered(NamedTuple):
    """A protected file that is not as the stage shipped it."""
    path: str
    problem: str  # "changed" or "missing"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_protected(path: str, extra: Iterable[str] = ()) -> bool:
    """Whether path (relative, / separators) is protected.

    extra lists more protected files, and folders (ending in /).
    """
    return any(path == entry or (entry.endswith("/") and path.startswith(entry))
               for entry in PROTECTED_FOLDERS + tuple(extra))


def format_checksums(files: Dict[str, bytes]) -> str:
    """conf/checksums for files (path -> content), sorted by path."""
    return "".join("{}  {}\n".format(digest(files[path]), path) for path in sorted(files))


def parse_checksums(text: str) -> Dict[str, str]:
    """path -> sha256 hex digest, from conf/checksums text."""
    result = {}
    for line in text.splitlines():
        if line.strip():
            checksum, path = line.split(None, 1)
            result[path.strip().lstrip("*")] = checksum.lower()
    return result


def check(root: str) -> List[Tampered]:
    """The protected files of the tree at root that differ from conf/checksums.

    An empty list when all match, or when the tree has no conf/checksums.
    """
    try:
        with open(os.path.join(root, CHECKSUMS)) as listing:
            expected = parse_checksums(listing.read())
    except FileNotFoundError:
        return []
    problems = []
    for path, checksum in sorted(expected.items()):
        try:
            with open(os.path.join(root, path), "rb") as protected:
                actual = digest(protected.read())
        except FileNotFoundError:
            problems.append(Tampered(path, "missing"))
            continue
        if actual != checksum:
            problems.append(Tampered(path, "changed"))
    return problems


def warning(problems: List[Tampered]) -> str:
    """The paragraph that opens a report when protected files were changed."""
    if not problems:
        return ""
    lines = ["WARNING: {} protected file{} differ{} from the copies this lab was handed "
             "out with:".format(len(problems), "" if len(problems) == 1 else "s",
                                 "s" if len(problems) == 1 else "")]
    lines += ["    {} ({})".format(p.path, p.problem) for p in problems]
    lines.append("The official grading restores them before building, so the score "
                 "below may not be the score you get.")
    return "\n".join(lines)
