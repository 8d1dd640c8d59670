"""Source trees as sets of files: listing, reading and writing them.

A tree is a dict from a relative path (with / separators) to an Entry. The
files of a directory are the ones git would commit there: tracked files plus
untracked ones that .gitignore does not exclude. Outside a git checkout the
directory is walked instead, skipping what its .gitignore names.
"""

import contextlib
import os
import shutil
import stat
import subprocess
from typing import Dict, Iterator, List, Optional

from grade.ignore import IgnoreRules

from .errors import ToolError

REGULAR = 0o100644
EXECUTABLE = 0o100755
SYMLINK = 0o120000


class Entry:
    """One file: its bytes (a link's target for a symbolic link) and git mode."""

    __slots__ = ("data", "mode")

    def __init__(self, data: bytes, mode: int = REGULAR) -> None:
        self.data = data
        self.mode = mode

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Entry) and self.data == other.data
                and self.mode == other.mode)

    def __ne__(self, other: object) -> bool:
        return not self == other


def list_files(directory: str) -> List[str]:
    """Sorted relative paths of the files that make up directory's tree."""
    paths = _git_files(directory)
    if paths is None:
        paths = _walk_files(directory)
    return sorted(paths)


def _git_files(directory: str) -> Optional[List[str]]:
    command = ["git", "-C", directory, "ls-files", "-z", "--cached",
               "--others", "--exclude-standard"]
    try:
        proc = subprocess.run(command, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    # The index still lists files deleted from the working tree, and
    # submodules appear as directories; neither is a file to copy.
    return [name for name in names if name and _is_file(directory, name)]


def _is_file(directory: str, name: str) -> bool:
    path = os.path.join(directory, name)
    return os.path.islink(path) or os.path.isfile(path)


def _walk_files(directory: str) -> List[str]:
    rules = IgnoreRules(directory)
    found = []
    for top, dirs, files in os.walk(directory):
        rel_top = os.path.relpath(top, directory).replace(os.sep, "/")
        prefix = "" if rel_top == "." else rel_top + "/"
        dirs[:] = sorted(d for d in dirs if d != ".git"
                         and not os.path.islink(os.path.join(top, d))
                         and not rules.ignored(prefix + d, True))
        found.extend(prefix + f for f in files
                     if not rules.ignored(prefix + f, False))
        # A symbolic link to a directory is a file as far as git is concerned.
        found.extend(prefix + d for d in os.listdir(top)
                     if os.path.islink(os.path.join(top, d))
                     and os.path.isdir(os.path.join(top, d))
                     and not rules.ignored(prefix + d, False))
    return found


def read_entry(directory: str, relpath: str) -> Entry:
    """One file of directory's tree: its bytes (or link target) and mode."""
    path = os.path.join(directory, relpath)
    if os.path.islink(path):
        return Entry(os.readlink(path).encode("utf-8", "surrogateescape"),
                     SYMLINK)
    with open(path, "rb") as f:
        data = f.read()
    executable = os.stat(path).st_mode & stat.S_IXUSR
    return Entry(data, EXECUTABLE if executable else REGULAR)


def read_tree(directory: str) -> Dict[str, Entry]:
    """The whole tree of directory, in memory."""
    return {relpath: read_entry(directory, relpath)
            for relpath in list_files(directory)}


def write_tree(tree: Dict[str, Entry], dest: str) -> None:
    """Write every entry of tree beneath dest (which must exist)."""
    for relpath in sorted(tree):
        entry = tree[relpath]
        path = os.path.join(dest, *relpath.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if entry.mode == SYMLINK:
            os.symlink(entry.data.decode("utf-8", "surrogateescape"), path)
            continue
        with open(path, "wb") as f:
            f.write(entry.data)
        if entry.mode == EXECUTABLE:
            mode = os.stat(path).st_mode
            os.chmod(path, mode | (mode & 0o444) >> 2)


@contextlib.contextmanager
def new_directory(dest: str) -> Iterator[str]:
    """Use dest, which must not exist or be empty; undo everything on failure."""
    if not dest:
        raise ToolError("no destination directory given")
    existed = os.path.lexists(dest)
    if existed and not os.path.isdir(dest):
        raise ToolError("%s exists and is not a directory; give a new "
                        "directory to create" % dest)
    if existed and os.listdir(dest):
        raise ToolError("%s already exists and is not empty; give a new "
                        "directory, or remove this one first" % dest)
    try:
        os.makedirs(dest, exist_ok=True)
        yield dest
    except BaseException:
        if existed:
            for name in os.listdir(dest):
                _remove(os.path.join(dest, name))
        else:
            shutil.rmtree(dest, ignore_errors=True)
        raise


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.remove(path)
