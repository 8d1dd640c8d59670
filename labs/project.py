"""Projection: the annotated source tree as one stage sees it.

The projected tree holds the repository's files minus the instructor-only
parts (the catalogue's "instructor_only") and minus the files of labs the
stage has not reached. Every C, assembly and header file that mentions a lab
macro goes through unifdef with all lab macros set to the stage's values, so
no lab conditional, no solution code of later labs and no macro remains. A
file that still names a lab macro afterwards is an error, never a silent leak.

conf/lab and conf/lab.mk record the lab, so that `make` and `make grade` in
the projected tree need neither the stage tool nor the catalogue.
conf/student-files lists what the student may change (the catalogue's
student_files of the lab), conf/checksums every other file as shipped and
conf/seal the checksums themselves (see grade/tamper.py), so that the
grader can tell a student whose changes the official grading would not see.
labs/student.py adds what a student tree has instead of the instructor's:
its README, the GitHub workflow, conf/labs.json.
"""

import re
import subprocess
from typing import Dict, List

from grade import tamper

from . import student, tree
from .catalogue import Catalogue, Stage, display_path, lab_paths, path_covers
from .errors import ToolError

PREPROCESSED = (".c", ".h", ".S")


def project(catalogue: Catalogue, root: str,
            stage: Stage) -> Dict[str, tree.Entry]:
    """The projected tree of stage, in memory (path -> tree.Entry)."""
    catalogue.require_available(stage)
    paths = tree.list_files(root)
    _check_lab_files_present(catalogue, stage, paths)
    dropped = list(catalogue.instructor_only) + catalogue.omitted_paths(stage)
    macros = _macro_pattern(catalogue)
    unifdef = Unifdef(root, catalogue.defines(stage))
    result = {}
    for relpath in paths:
        if any(path_covers(entry, relpath) for entry in dropped):
            continue
        entry = tree.read_entry(root, relpath)
        if (entry.mode != tree.SYMLINK and relpath.endswith(PREPROCESSED)
                and macros.search(entry.data)):
            entry = tree.Entry(unifdef.run(relpath), entry.mode)
        result[relpath] = entry
    result.update(conf_files(catalogue, stage))
    result.update(student.overlay(catalogue, root, stage))
    result.update(checksum_files(stage, result))
    check_no_macros(catalogue, stage, result)
    return result


def project_into(catalogue: Catalogue, root: str, stage: Stage,
                 dest: str) -> Dict[str, tree.Entry]:
    """Project stage into the new directory dest."""
    with tree.new_directory(dest):
        projected = project(catalogue, root, stage)
        tree.write_tree(projected, dest)
    return projected


def conf_files(catalogue: Catalogue, stage: Stage) -> Dict[str, tree.Entry]:
    """conf/lab, conf/lab.mk and conf/student-files: identical for a lab's
    starter and solution."""
    lab_mk = ("# The lab this tree was made for; the Makefile includes this "
              "file.\n"
              "STAGE_LAB := %s\n"
              "LAB_UPROGS := %s\n"
              % (stage.lab.name if stage.lab else "",
                 " ".join(catalogue.programs(stage))))
    student_files = stage.lab.student_files if stage.lab else []
    return {
        "conf/lab": tree.Entry((stage.lab_name + "\n").encode()),
        "conf/lab.mk": tree.Entry(lab_mk.encode()),
        tamper.STUDENT_FILES: tree.Entry(
            tamper.format_student_files(student_files).encode()),
    }


def checksum_files(stage: Stage,
                   projected: Dict[str, tree.Entry]) -> Dict[str, tree.Entry]:
    """conf/checksums, the digests of every file that is not the student's
    to change, and conf/seal, the digest of conf/checksums."""
    student_files = stage.lab.student_files if stage.lab else []
    files = {path: entry.data for path, entry in projected.items()
             if entry.mode != tree.SYMLINK
             and tamper.is_checked(path, student_files)}
    checksums = tamper.format_checksums(files).encode()
    return {tamper.CHECKSUMS: tree.Entry(checksums),
            tamper.SEAL: tree.Entry(tamper.seal_of(checksums).encode())}


def _check_lab_files_present(catalogue: Catalogue, stage: Stage,
                             paths: List[str]) -> None:
    for lab in catalogue.labs:
        for entry in lab_paths(lab, stage.level(lab)):
            if not any(path_covers(entry, path) for path in paths):
                raise ToolError(
                    "%s: lab %d (%s) lists %s, but the tree has no such %s "
                    "(create it, or drop it from the catalogue)"
                    % (display_path(catalogue.path), lab.number, lab.name,
                       entry, "directory" if entry.endswith("/") else "file"))


def _macro_pattern(catalogue: Catalogue) -> "re.Pattern[bytes]":
    names = "|".join(re.escape(m) for m in catalogue.macros()) or "(?!)"
    return re.compile((r"\b(%s)\b" % names).encode())


def check_no_macros(catalogue: Catalogue, stage: Stage,
                    projected: Dict[str, tree.Entry]) -> None:
    """Fail, naming file and line, if any lab macro survived projection."""
    macros = _macro_pattern(catalogue)
    for relpath in sorted(projected):
        data = projected[relpath].data
        found = macros.search(data)
        if not found:
            continue
        line = data.count(b"\n", 0, found.start()) + 1
        macro = found.group(1).decode()
        if relpath.endswith(PREPROCESSED):
            why = ("unifdef resolves only conditionals that the lab macros "
                   "decide on their own: keep each lab condition free of "
                   "other symbols, and lab macros out of ordinary code")
        else:
            why = ("only .c, .h and .S files go through unifdef, so lab "
                   "macros may appear only in those")
        raise ToolError("%s:%d still mentions %s in the projected stage %s; "
                        "%s" % (relpath, line, macro, stage.name, why))


class Unifdef:
    """Runs unifdef over source files with one stage's macro values."""

    def __init__(self, root: str, defines: List[str]) -> None:
        self.root = root
        # -B: close up the blank lines a removed block leaves behind.
        self.command = ["unifdef", "-B"] + defines

    def run(self, relpath: str) -> bytes:
        """relpath with the lab conditionals resolved, as bytes."""
        try:
            # "./" keeps a name that starts with "-" from reading as an option.
            name = "./" + relpath if relpath.startswith("-") else relpath
            proc = subprocess.run(self.command + [name], cwd=self.root,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise ToolError("unifdef is not installed; install it (Debian/"
                            "Ubuntu: sudo apt-get install unifdef; macOS: "
                            "brew install unifdef) and try again")
        # Exit status 0: nothing changed; 1: lines removed; 2: an error.
        if proc.returncode in (0, 1):
            return proc.stdout
        raise ToolError("unifdef could not process %s: %s"
                        % (relpath, _unifdef_complaint(proc)))


def _unifdef_complaint(proc: "subprocess.CompletedProcess[bytes]") -> str:
    """unifdef's diagnostics, without its name and the truncation notice."""
    lines = []
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith("unifdef: "):
            line = line[len("unifdef: "):]
        if line and line != "output may be truncated":
            lines.append(line)
    return "; ".join(lines) or "exit status %d" % proc.returncode
