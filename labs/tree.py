"""Source trees as sets of files: listing, reading and writing them.

A tree is a dict from a relative path (with / separators) to an Entry. The
files of a directory are the ones git would commit there: tracked files plus
untracked ones that .gitignore does not exclude. Outside a git checkout the
directory is walked instead, skipping what its .gitignore names.
"""

import contextlib
import fnmatch
import os
import shutil
import stat
import subprocess
from typing import Dict, Iterator, List, Optional, Tuple

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


class _IgnoreRules:
    """The common subset of .gitignore: globs, anchored paths, dir/ patterns.

    Negated patterns (!) are not supported; they only matter for trees that
    are not git checkouts, which carry a simple .gitignore.
    """

    def __init__(self, directory: str) -> None:
        self.patterns: List[Tuple[str, bool, bool]] = []
        try:
            with open(os.path.join(directory, ".gitignore"),
                      encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            lines = []
        for line in lines:
            line = line.strip()
            if not line or line.startswith(("#", "!")):
                continue
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            self.patterns.append((line.lstrip("/"), anchored, dir_only))

    def ignored(self, relpath: str, is_dir: bool) -> bool:
        """Whether a pattern excludes relpath (a directory when is_dir)."""
        name = relpath.rsplit("/", 1)[-1]
        for pattern, anchored, dir_only in self.patterns:
            if dir_only and not is_dir:
                continue
            subject = relpath if anchored else name
            if fnmatch.fnmatchcase(subject, pattern):
                return True
        return False


def _walk_files(directory: str) -> List[str]:
    rules = _IgnoreRules(directory)
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
