"""The common subset of .gitignore: which files of a tree are build products.

The stage tool lists a tree's files with it outside git checkouts, and the
official grading with it tells a submission's sources from what its build
left behind.
"""

import fnmatch
import os
from typing import List, Tuple


class IgnoreRules:
    """Globs, anchored paths and dir/ patterns of a folder's .gitignore.

    Negated patterns (!) are not supported; Kiln's .gitignore has none.
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
