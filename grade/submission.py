"""The first step of every official grading: a submission's own files put
into a pristine copy of the lab's starter tree.

The starter (a tree the stage tool projected, so it carries
conf/student-files) is copied whole, then each file the student may change
is taken from the submission, and nothing else. Tests, graders, checksums
and the Makefile are therefore always the instructor's, whatever the
submission holds; what it changed elsewhere is listed as ignored.

A submission may be a folder (a student's tree, a clone of their
repository, or a folder around one), a bare git repository (its branch
named after the lab, else HEAD), or a zip file of any of these. Folders
and zips may hold the tree one or two levels down; a folder of loose files
(as uploading single files to Gradescope gives) is matched by file name.
Only regular files are read: a symbolic link, a device or an oversized
file is refused, and a zip is unpacked within limits of count and size.
"""

import io
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

from . import tamper
from .ignore import IgnoreRules

# Limits on what a submission may make us read.
MAX_FILE_BYTES = 4 * 1024 * 1024     # any one file taken from it
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_UNPACKED_FILES = 20000
SEARCH_DEPTH = 3                     # how deep the tree may sit in a folder or zip
MAX_NESTING = 3                      # zips in zips (or in repositories) unpacked, at most
SHOWN_IGNORED = 40                   # ignored files a report names, at most

# Never part of anyone's tree: version control and archivers' leftovers.
SKIPPED_NAMES = (".git", "__MACOSX", "__pycache__", ".DS_Store")


class Assembly(NamedTuple):
    """What assemble() made of a submission."""
    tree: str                       # the tree to build and grade
    lab: str
    copied: List[str]               # student files taken from the submission
    missing: List[str]              # student files it lacks: the starter's are used
    ignored: List[str]              # its other changes, "path (changed|added|...)"
    notes: List[str]                # anything else worth saying
    problem: Optional[str] = None   # why it cannot be graded at all

    def describe(self) -> str:
        """A paragraph for the report: what was graded, what was not."""
        if self.problem:
            return self.problem
        lines = ["Graded: the {} starter with your {} ({}).".format(
            self.lab, "file" if len(self.copied) == 1 else "files",
            ", ".join(self.copied) or "none")]
        if self.missing:
            lines.append("Not in the submission, so the starter's copies were used: "
                         + ", ".join(self.missing) + ".")
        if self.ignored:
            shown = self.ignored[:SHOWN_IGNORED]
            more = len(self.ignored) - len(shown)
            lines.append("Ignored, as files you may not change or add (the starter's "
                         "copies were used):")
            lines += ["    " + path for path in shown]
            if more:
                lines.append("    and {} more".format(more))
        lines += self.notes
        return "\n".join(lines)


class SubmissionError(Exception):
    """The submission cannot be read at all; the message says why."""


# ---- the routine ----

def assemble(starter: str, submission: str, dest: str) -> Assembly:
    """Copy starter to dest (a new folder) and the submission's student files over it."""
    lab = _read_text(os.path.join(starter, "conf", "lab")).strip()
    student_files = tamper.read_student_files(starter)
    shutil.copytree(starter, dest, symlinks=True)
    notes: List[str] = []
    with tempfile.TemporaryDirectory(prefix="kiln-submission-") as scratch:
        try:
            root, loose = find_tree(submission, student_files, lab, scratch, notes)
        except SubmissionError as error:
            return Assembly(dest, lab, [], [], [], notes, str(error))
        if root is None:
            return Assembly(dest, lab, [], [], [], notes, (
                "No Kiln tree was found in the submission: none of the files this "
                "lab takes ({}) is in it. Submit your whole tree (or a zip of it)."
                .format(", ".join(student_files))))
        copied, missing = _take_student_files(root, loose, starter, dest, student_files,
                                              notes)
        ignored = [] if loose else _ignored_changes(root, starter, student_files)
        _note_other_lab(root, lab, notes)
    return Assembly(dest, lab, copied, missing, ignored, notes)


def find_tree(submission: str, student_files: List[str], lab: str, scratch: str,
              notes: List[str], nesting: int = 0) -> Tuple[Optional[str], Dict[str, str]]:
    """Where the submitted tree is, unpacking it into scratch when it is packed.

    Returns (root, loose): root is the tree's top folder (None when there
    is none); loose maps student files to files found by name alone, in a
    folder of loose files.
    """
    if nesting > MAX_NESTING:
        raise SubmissionError("The submission is packed more than {} times over (a zip in "
                              "a zip ...); submit your tree or one zip of it."
                              .format(MAX_NESTING))
    if os.path.isfile(submission):
        if not zipfile.is_zipfile(submission):
            raise SubmissionError("The submission {} is a file but not a zip file."
                                  .format(os.path.basename(submission)))
        return find_tree(unpack_zip(submission, scratch, notes), student_files, lab,
                         scratch, notes, nesting + 1)
    if not os.path.isdir(submission):
        raise SubmissionError("There is no submission at {}.".format(submission))
    if _is_bare_repository(submission):
        return find_tree(export_branch(submission, lab, scratch, notes), student_files,
                         lab, scratch, notes, nesting + 1)
    root = _shallowest_tree(submission, student_files)
    if root is not None:
        return root, {}
    zips = [path for path in _walk(submission, SEARCH_DEPTH)
            if path.endswith(".zip") and os.path.isfile(path)]
    if len(zips) == 1:
        return find_tree(zips[0], student_files, lab, scratch, notes, nesting)
    loose = _loose_files(submission, student_files)
    return (submission, loose) if loose else (None, {})


def _shallowest_tree(folder: str, student_files: List[str]) -> Optional[str]:
    """The least deep folder that looks like a Kiln tree: conf/lab, or a student file."""
    markers = ["conf/lab"] + [path for path in student_files if not path.endswith("/")]
    candidates = [folder] + sorted(
        (path for path in _walk(folder, SEARCH_DEPTH) if os.path.isdir(path)
         and not os.path.islink(path)), key=lambda path: path.count(os.sep))
    for candidate in candidates:
        if any(_regular_file(candidate, marker) for marker in markers):
            return candidate
    return None


def _walk(folder: str, depth: int) -> Iterator[str]:
    """Paths beneath folder, depth levels deep at most, not following links."""
    if depth <= 0:
        return
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    for name in names:
        if name in SKIPPED_NAMES:
            continue
        path = os.path.join(folder, name)
        yield path
        if os.path.isdir(path) and not os.path.islink(path):
            yield from _walk(path, depth - 1)


def _loose_files(folder: str, student_files: List[str]) -> Dict[str, str]:
    """Student files that lie loose at the top of folder, matched by file name."""
    by_name: Dict[str, List[str]] = {}
    for path in student_files:
        if not path.endswith("/"):
            by_name.setdefault(os.path.basename(path), []).append(path)
    found = {}
    for name, paths in by_name.items():
        if len(paths) == 1 and _regular_file(folder, name):
            found[paths[0]] = name
    return found


def _regular_file(root: str, relpath: str) -> bool:
    """Whether root/relpath is a regular file reached without any symbolic link."""
    path = root
    for part in relpath.split("/"):
        path = os.path.join(path, part)
        if os.path.islink(path):
            return False
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


# ---- taking the student's files ----

def _take_student_files(root: str, loose: Dict[str, str], starter: str, dest: str,
                        student_files: List[str],
                        notes: List[str]) -> Tuple[List[str], List[str]]:
    """Copy the student files from root into dest; return (copied, missing)."""
    copied, missing = [], []
    for entry in student_files:
        if entry.endswith("/"):
            copied += _take_folder(root, entry, dest, notes)
            continue
        source = loose.get(entry, entry)
        if _regular_file(root, source):
            if _copy_limited(os.path.join(root, source), os.path.join(dest, entry), notes,
                             entry):
                copied.append(entry)
        elif os.path.lexists(os.path.join(root, source)):
            notes.append("{} is not a regular file (a link, say), so it was not used."
                         .format(entry))
        elif os.path.exists(os.path.join(starter, entry)):
            missing.append(entry)
    return copied, missing


def _take_folder(root: str, entry: str, dest: str, notes: List[str]) -> List[str]:
    """Copy the regular files under root/entry that the host never runs."""
    copied = []
    rules = IgnoreRules(root)
    top = os.path.join(root, entry)
    if not _regular_folder(root, entry):
        return copied
    for path in _walk(top, 8):
        relpath = os.path.relpath(path, root).replace(os.sep, "/")
        if not _regular_file(root, relpath) or rules.ignored(relpath, False) or \
                relpath.endswith(tamper.HOST_RUN_SUFFIXES):
            continue
        if _copy_limited(path, os.path.join(dest, relpath), notes, relpath):
            copied.append(relpath)
    return copied


def _regular_folder(root: str, entry: str) -> bool:
    path = root
    for part in entry.rstrip("/").split("/"):
        path = os.path.join(path, part)
        if os.path.islink(path) or not os.path.isdir(path):
            return False
    return True


def _copy_limited(source: str, target: str, notes: List[str], relpath: str) -> bool:
    """Copy one file, with a fresh time stamp so that make rebuilds what uses it."""
    if os.path.getsize(source) > MAX_FILE_BYTES:
        notes.append("{} is larger than {} MB, so it was not used.".format(
            relpath, MAX_FILE_BYTES // (1024 * 1024)))
        return False
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.lexists(target):
        os.remove(target)
    shutil.copyfile(source, target)
    return True


# ---- what else the submission changed ----

def _ignored_changes(root: str, starter: str, student_files: List[str]) -> List[str]:
    """The submission's files outside the student files that differ from the starter."""
    rules = IgnoreRules(starter)
    ignored = []
    for relpath in _source_files(root, rules):
        if tamper.is_student_file(relpath, student_files):
            continue
        theirs = os.path.join(root, relpath)
        ours = os.path.join(starter, relpath)
        if not os.path.lexists(ours):
            ignored.append(relpath + " (added)")
        elif os.path.islink(theirs) or not _same_content(theirs, ours):
            ignored.append(relpath + " (changed)")
    return ignored


def _source_files(root: str, rules: IgnoreRules) -> List[str]:
    """The files of the tree at root, build products (per .gitignore) left out."""
    found = []
    for top, dirs, files in os.walk(root):
        prefix = os.path.relpath(top, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_NAMES
                         and not rules.ignored(prefix + d, True))
        found += [prefix + name for name in sorted(files)
                  if name not in SKIPPED_NAMES and not rules.ignored(prefix + name, False)]
        if len(found) > MAX_UNPACKED_FILES:
            break
    return found


def _same_content(a: str, b: str) -> bool:
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as first, open(b, "rb") as second:
            return first.read() == second.read()
    except OSError:
        return False


def _note_other_lab(root: str, lab: str, notes: List[str]) -> None:
    """Say so when the submitted tree was made for another lab."""
    try:
        theirs = _read_text(os.path.join(root, "conf", "lab")).strip()
    except OSError:
        return
    if theirs and theirs != lab:
        notes.append("Your tree's conf/lab names lab {}, but this is lab {}: did you "
                     "submit the right branch?".format(theirs, lab))


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


# ---- packed submissions ----

def unpack_zip(path: str, scratch: str, notes: List[str]) -> str:
    """Unpack a zip into a new folder in scratch, within limits; return the folder.

    Members with absolute paths or "..", links and devices are skipped.
    """
    dest = tempfile.mkdtemp(prefix="zip-", dir=scratch)
    total, count, skipped = 0, 0, 0
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                relpath = _safe_member_path(member.filename)
                kind = stat.S_IFMT(member.external_attr >> 16)
                if relpath is None or member.is_dir() or kind not in (0, stat.S_IFREG):
                    skipped += 0 if member.is_dir() else 1
                    continue
                count += 1
                total += member.file_size
                if count > MAX_UNPACKED_FILES or total > MAX_UNPACKED_BYTES:
                    raise SubmissionError("The zip file holds more than {} files or {} MB; "
                                          "submit your sources only.".format(
                                              MAX_UNPACKED_FILES,
                                              MAX_UNPACKED_BYTES // (1024 * 1024)))
                target = os.path.join(dest, *relpath.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(member) as source, open(target, "wb") as out:
                    _copy_at_most(source, out, member.file_size)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
            NotImplementedError) as error:
        raise SubmissionError("The zip file cannot be read: {}".format(error)) from None
    if skipped:
        notes.append("{} member{} of the zip (links, or paths outside it) {} skipped."
                     .format(skipped, "" if skipped == 1 else "s",
                             "was" if skipped == 1 else "were"))
    return dest


def _copy_at_most(source: io.BufferedIOBase, out: io.BufferedIOBase, limit: int) -> None:
    """Copy no more than the size the archive declared (a lying header stops there)."""
    left = limit
    while left > 0:
        chunk = source.read(min(left, 1 << 20))
        if not chunk:
            return
        out.write(chunk)
        left -= len(chunk)


def _safe_member_path(name: str) -> Optional[str]:
    """An archive member's path relative to the archive, or None if it leads outside."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
    if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        return None
    return "/".join(parts)


def _is_bare_repository(folder: str) -> bool:
    return all(os.path.exists(os.path.join(folder, name))
               for name in ("HEAD", "objects", "refs")) and \
        not os.path.exists(os.path.join(folder, ".git"))


def export_branch(repository: str, lab: str, scratch: str, notes: List[str]) -> str:
    """The files of a bare repository's branch named after lab (else HEAD), in scratch."""
    git = ["git", "-c", "safe.directory=*", "--git-dir", repository]
    ref = "refs/heads/" + lab
    has_branch = subprocess.run(git + ["rev-parse", "--verify", "-q", ref],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if has_branch.returncode != 0:
        ref = "HEAD"
        notes.append("The repository has no branch {}; its HEAD was graded.".format(lab))
    packed = os.path.join(tempfile.mkdtemp(prefix="git-", dir=scratch), "branch.tar")
    try:
        archive = subprocess.run(git + ["archive", "--format=tar", "-o", packed, ref],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SubmissionError("git could not read the repository: {}".format(error)) from None
    if archive.returncode != 0:
        raise SubmissionError("git could not read the repository: {}".format(
            archive.stderr.decode("utf-8", "replace").strip()))
    dest = tempfile.mkdtemp(prefix="git-", dir=scratch)
    total = 0
    with tarfile.open(packed) as tar:
        for member in tar:
            relpath = _safe_member_path(member.name)
            if relpath is None or not member.isfile():
                continue
            total += member.size
            if total > MAX_UNPACKED_BYTES:
                raise SubmissionError("The repository's branch holds more than {} MB; "
                                      "commit your sources only.".format(
                                          MAX_UNPACKED_BYTES // (1024 * 1024)))
            target = os.path.join(dest, *relpath.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
    os.remove(packed)
    return dest
