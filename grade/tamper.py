"""What a student may change in a lab's tree, and whether the rest is intact.

When the stage tool projects a student tree it writes three files:

- conf/student-files: the files the student may change or add, one a line
  (a path ending in / stands for everything under it): the lab's "edits",
  the files its solution adds, its answers file. Official grading copies
  exactly these from a submission into a pristine copy of the starter.
- conf/checksums: every other file of the tree (test programs, graders,
  the Makefile, the rest of the kernel), in the format of `sha256sum`, so
  `sha256sum -c conf/checksums` checks it too:

      9f86d081884c7d65...  grade/gradelib.py

- conf/seal: the checksum of conf/checksums itself, so that rewriting the
  list to match a changed file shows as well.

`make grade` compares the tree against them. Any difference makes the run
not official: the official grading would use the starter's copy, so the
local score may not be the one that counts. This is advisory, for honest
mistakes and second thoughts: whoever edits the checks can edit the seal.
The instructor repository has none of these files, and nothing is checked
there.
"""

import hashlib
import os
from typing import Dict, Iterable, List, NamedTuple, Optional

CHECKSUMS = "conf/checksums"
SEAL = "conf/seal"
STUDENT_FILES = "conf/student-files"

# Documentation that grading never reads: a student may annotate it freely.
UNCHECKED = ("handouts/",)

# What no lab may hand to students, because grading trusts it: the graders
# and tests, the build's recipes, and anything the host runs or includes
# while building (a .d file is a piece of Makefile). Only the kernel headers
# that mkfs, a host program, is compiled with remain: a lab may need to hand
# out kernel/fs.h, and grade/autograder.py builds as an account of its own.
NEVER_STUDENT_FOLDERS = ("grade/", "conf/", "mkfs/", "user/usertests/")
NEVER_STUDENT_FILES = ("Makefile", "user/gradetoken.c")
HOST_RUN_SUFFIXES = (".py", ".sh", ".mk", ".ld", ".d")


class Tampered(NamedTuple):
    """A checked file that is not as the stage shipped it."""
    path: str
    problem: str  # "changed" or "missing"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def covers(entry: str, path: str) -> bool:
    """Whether a list entry (a file, or a folder ending in /) holds path."""
    return path.startswith(entry) if entry.endswith("/") else path == entry


def is_student_file(path: str, student_files: Iterable[str]) -> bool:
    return any(covers(entry, path) for entry in student_files)


def never_student_reason(path: str) -> Optional[str]:
    """Why path (a file, or a folder ending in /) can never be a student's, or None."""
    trusted = NEVER_STUDENT_FOLDERS + NEVER_STUDENT_FILES
    if any(path.startswith(folder) for folder in NEVER_STUDENT_FOLDERS) or \
            path in NEVER_STUDENT_FILES or \
            (path.endswith("/") and any(entry.startswith(path) for entry in trusted)):
        return "grading relies on it (graders, tests, the build's recipes, conf/)"
    if path.endswith(HOST_RUN_SUFFIXES):
        return "the host runs or reads it while building, so a student's copy would " \
            "run outside QEMU"
    return None


def is_checked(path: str, student_files: Iterable[str]) -> bool:
    """Whether conf/checksums records path (relative, / separators)."""
    return not (is_student_file(path, student_files)
                or any(path.startswith(folder) for folder in UNCHECKED)
                or path in (CHECKSUMS, SEAL))


def format_student_files(paths: Iterable[str]) -> str:
    """conf/student-files for these entries, in order."""
    return "".join(path + "\n" for path in paths)


def parse_student_files(text: str) -> List[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def read_student_files(root: str) -> List[str]:
    """The entries of ROOT/conf/student-files (none outside a student tree)."""
    try:
        with open(os.path.join(root, STUDENT_FILES), encoding="utf-8") as listing:
            return parse_student_files(listing.read())
    except FileNotFoundError:
        return []


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


def seal_of(checksums_text: bytes) -> str:
    """conf/seal for conf/checksums with this content."""
    return digest(checksums_text) + "\n"


def check(root: str) -> List[Tampered]:
    """The checked files of the tree at root that differ from conf/checksums.

    conf/checksums itself counts as changed when it no longer matches
    conf/seal. An empty list when all match, or when the tree has no
    conf/checksums.
    """
    try:
        with open(os.path.join(root, CHECKSUMS), "rb") as listing:
            recorded = listing.read()
    except FileNotFoundError:
        return []
    problems = []
    try:
        with open(os.path.join(root, SEAL), encoding="utf-8") as seal:
            if seal.read().strip() != digest(recorded):
                problems.append(Tampered(CHECKSUMS, "changed"))
    except FileNotFoundError:
        problems.append(Tampered(SEAL, "missing"))
    expected = parse_checksums(recorded.decode("utf-8", "replace"))
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


def warning(problems: Iterable[Tampered]) -> str:
    """The paragraph that opens a report when checked files were changed."""
    problems = list(problems)
    if not problems:
        return ""
    lines = ["NOT OFFICIAL: {} file{} that {} not yours to change differ{} from the "
             "copies this lab was handed out with:".format(
                 len(problems), "" if len(problems) == 1 else "s",
                 "is" if len(problems) == 1 else "are",
                 "s" if len(problems) == 1 else "")]
    lines += ["    {} ({})".format(p.path, p.problem) for p in problems]
    lines.append("The official grading copies only the files listed in {} into a "
                 "fresh copy of the starter, so it will not see these changes, and "
                 "the score below may not be the score you get.".format(STUDENT_FILES))
    return "\n".join(lines)
