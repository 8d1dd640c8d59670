"""The student repository: one git branch per stage, built from projections.

Every branch is a single commit holding one projected stage: `base`, each
available lab's starter (branch named after the lab) and, for staff, each
`<lab>-solved`. Commits carry a fixed identity and the source repository's
commit date, so the same sources give the same commits on any machine,
whether or not git is configured there.
"""

import os
import subprocess
import tempfile
import time
from typing import Dict, List, Optional

from . import tree
from .catalogue import Catalogue, Stage
from .errors import ToolError
from .project import project_into

IDENTITY = ("Kiln course staff", "kiln-staff@example.invalid")

# Settings that would change what gets committed or block committing.
NEUTRAL_CONFIG = ["-c", "commit.gpgSign=false", "-c", "core.autocrlf=false",
                  "-c", "core.safecrlf=false", "-c", "core.fileMode=true",
                  "-c", "init.defaultBranch=base"]


def branch_stages(catalogue: Catalogue, staff: bool) -> List[Stage]:
    """The stages that get a branch: base, starters, for staff solutions."""
    stages = [Stage()]
    for lab in catalogue.available_labs():
        stages.append(Stage(lab, solved=False))
        if staff:
            stages.append(Stage(lab, solved=True))
    return stages


def commit_message(stage: Stage) -> str:
    """The message of the commit that holds stage's branch."""
    if stage.lab is None:
        return ("Kiln base system\n\nThe operating system before any lab. "
                "Each lab has a branch of its own.\n")
    lab = stage.lab
    if stage.solved:
        return ("Lab %d (%s): reference solution\n\n%s, solved. For course "
                "staff only.\n" % (lab.number, lab.name, lab.title))
    return ("Lab %d (%s): starter\n\n%s. Read %s, then use `make qemu` to "
            "try your kernel and `make grade` to see your score.\n"
            % (lab.number, lab.name, lab.title, lab.handout))


def build(catalogue: Catalogue, root: str, dest: str,
          staff: bool = False) -> List[str]:
    """Create the repository at dest; return the branch names made."""
    stages = branch_stages(catalogue, staff)
    git = _Git(dest, _source_date(root))
    with tree.new_directory(dest):
        git.run(["init", "-q"])
        for stage in stages:
            git.commit_branch(catalogue, root, stage)
        # Students start on the first lab, or on base when there is none.
        first = stages[1] if len(stages) > 1 else stages[0]
        git.run(["symbolic-ref", "HEAD", "refs/heads/" + first.name])
        git.run(["reset", "-q", "--hard"])
    return [stage.name for stage in stages]


def _source_date(root: str) -> str:
    """The commit date of the sources, or now outside a git checkout."""
    try:
        proc = subprocess.run(["git", "-C", root, "log", "-1", "--format=%ct"],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
        stamp = proc.stdout.decode().strip()
    except OSError:
        stamp = ""
    if not stamp.isdigit():
        stamp = str(int(time.time()))
    return stamp + " +0000"


class _Git:
    """git commands against the new repository, isolated from the caller's
    environment and configuration."""

    def __init__(self, dest: str, date: str) -> None:
        self.dest = os.path.abspath(dest)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("GIT_")}
        env.update(GIT_AUTHOR_NAME=IDENTITY[0], GIT_AUTHOR_EMAIL=IDENTITY[1],
                   GIT_COMMITTER_NAME=IDENTITY[0],
                   GIT_COMMITTER_EMAIL=IDENTITY[1],
                   GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date,
                   GIT_CONFIG_NOSYSTEM="1")
        self.env = env

    def run(self, args: List[str], cwd: Optional[str] = None,
            extra_env: Optional[Dict[str, str]] = None) -> str:
        """Run git with args; return its output or raise a ToolError."""
        env = dict(self.env, **(extra_env or {}))
        try:
            proc = subprocess.run(["git"] + NEUTRAL_CONFIG + args,
                                  cwd=cwd or self.dest, env=env,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise ToolError("git is not installed; install it and try again")
        if proc.returncode != 0:
            raise ToolError("git %s failed in %s: %s"
                            % (args[0], cwd or self.dest,
                               proc.stderr.decode("utf-8", "replace").strip()))
        return proc.stdout.decode().strip()

    def commit_branch(self, catalogue: Catalogue, root: str,
                      stage: Stage) -> None:
        """Project stage and commit it, parentless, as branch stage.name."""
        with tempfile.TemporaryDirectory(prefix="kiln-branch-") as work:
            worktree = os.path.join(work, "tree")
            project_into(catalogue, root, stage, worktree)
            # A private index and work tree: the new repository's own stay
            # untouched until the final checkout.
            env = {"GIT_DIR": os.path.join(self.dest, ".git"),
                   "GIT_WORK_TREE": worktree,
                   "GIT_INDEX_FILE": os.path.join(work, "index")}
            self.run(["add", "-A", "-f", "."], cwd=worktree, extra_env=env)
            tree_id = self.run(["write-tree"], cwd=worktree, extra_env=env)
            commit = self.run(["commit-tree", tree_id, "-m",
                               commit_message(stage).rstrip("\n")],
                              cwd=worktree, extra_env=env)
        self.run(["update-ref", "refs/heads/" + stage.name, commit])
