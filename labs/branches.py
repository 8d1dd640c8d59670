"""The student repository: one git branch per lab, released one at a time.

`base` holds the system before any lab. Each lab's branch holds its starter,
one commit whose parent is the previous lab's branch (base for the first), so
`git diff trace kpgtbl` shows exactly what the next lab brings: the reference
solution of the earlier lab and the new lab's scaffolding. Staff
repositories also get `<lab>-solved`, one commit on top of the lab's starter.

A starter holds the reference solution of every earlier lab, so a lab's
branch may reach students only once the previous lab's deadline has passed:
build() makes the repository with the labs up to a given one, release() adds
the next lab to an existing repository.

Commits carry a fixed identity and the source repository's commit date, so
the same sources give the same commits on any machine, whether or not git is
configured there, and whether the labs were made at once or released later.
"""

import os
import subprocess
import tempfile
import time
from typing import Dict, List, Optional

from . import tree
from .catalogue import BASE, Catalogue, Lab, Stage
from .errors import ToolError
from .project import project

IDENTITY = ("Kiln course staff", "kiln-staff@example.invalid")

# Settings that would change what gets committed or block committing.
NEUTRAL_CONFIG = ["-c", "commit.gpgSign=false", "-c", "core.autocrlf=false",
                  "-c", "core.safecrlf=false", "-c", "core.fileMode=true",
                  "-c", "init.defaultBranch=base"]

# update-ref's old value for "this branch must not exist yet".
NO_BRANCH = "0" * 40


def commit_message(stage: Stage, previous: str = BASE) -> str:
    """The message of the commit that holds stage's branch."""
    if stage.lab is None:
        return ("Kiln base system\n\nThe operating system before any lab. "
                "Each lab has a branch of its own.\n")
    lab = stage.lab
    if stage.solved:
        return ("Lab %d (%s): reference solution\n\n%s, solved. For course "
                "staff only.\n" % (lab.number, lab.name, lab.title))
    brings = ("the reference solution of %s and this lab's scaffolding"
              % previous if previous != BASE else "this lab's scaffolding")
    return ("Lab %d (%s): starter\n\n%s. Compared with its parent (%s), this "
            "commit adds %s. Read %s, then use `make qemu` to try your kernel "
            "and `make grade` to see your score.\n"
            % (lab.number, lab.name, lab.title, previous, brings, lab.handout))


def labs_until(catalogue: Catalogue, until: Optional[str]) -> List[Lab]:
    """The available labs from the first up to until (default: the first)."""
    ready = catalogue.available_labs()
    if until is None:
        return ready[:1]
    last = catalogue.find_lab(until)
    catalogue.require_available(Stage(last))
    return [lab for lab in ready if lab.number <= last.number]


def build(catalogue: Catalogue, root: str, dest: str, staff: bool = False,
          until: Optional[str] = None) -> List[str]:
    """Create the repository at dest with the labs up to until (default: the
    first); return the branch names made."""
    labs = labs_until(catalogue, until)
    with tree.new_directory(dest):
        _run_git(["init", "-q"], dest)
        git = _Git(dest, _source_date(root))
        parent = git.commit_stage(catalogue, root, Stage(), None)
        made = [BASE]
        for lab in labs:
            made += git.add_lab(catalogue, root, lab, parent, staff)
            parent = lab.name
        # Students start on the first lab, or on base when there is none.
        git.run(["symbolic-ref", "HEAD", "refs/heads/" + made[min(1, len(made) - 1)]])
        git.run(["reset", "-q", "--hard"])
    return made


def release(catalogue: Catalogue, root: str, dest: str, lab_name: str,
            staff: bool = False) -> List[str]:
    """Add lab_name's branch to the student repository at dest; return the
    branch names made. Nothing changes unless every check passes."""
    lab = catalogue.find_lab(lab_name)
    catalogue.require_available(Stage(lab))
    git = _Git.existing(dest, _source_date(root))
    previous = _previous_name(catalogue, lab)
    _check_student_repository(git, dest)
    if git.has_branch(lab.name):
        raise ToolError("%s already has a branch %s: lab %s is released; "
                        "nothing changed" % (dest, lab.name, lab.name))
    if not git.has_branch(previous):
        raise ToolError("%s has no branch %s: release %s first (lab %s "
                        "builds on its starter); nothing changed"
                        % (dest, previous, previous, lab.name))
    recorded = git.show(previous, "conf/lab")
    if recorded != previous:
        raise ToolError("branch %s of %s records lab %r in conf/lab, not %s: "
                        "it is not the starter made by the stage tool; "
                        "nothing changed" % (previous, dest, recorded,
                                             previous))
    _check_clean(git, dest)
    staff = staff or git.has_branch(previous + "-solved")
    return git.add_lab(catalogue, root, lab, previous, staff)


def is_bare(dest: str) -> bool:
    """Whether the repository at dest has no work tree (a course remote)."""
    return _Git.existing(dest, _source_date(dest)).is_bare()


def _previous_name(catalogue: Catalogue, lab: Lab) -> str:
    """The branch a lab's starter grows from: the lab before it, or base."""
    index = catalogue.labs.index(lab)
    return catalogue.labs[index - 1].name if index else BASE


def _check_student_repository(git: "_Git", dest: str) -> None:
    """A ToolError unless dest has the base branch the stage tool makes."""
    if not git.has_branch(BASE) or git.show(BASE, "conf/lab") != BASE:
        raise ToolError("%s is not a Kiln student repository: it has no "
                        "branch base holding conf/lab (release into the "
                        "repository that `make branches` made, not into a "
                        "clone of it); nothing changed" % dest)


def _check_clean(git: "_Git", dest: str) -> None:
    """A ToolError if dest's work tree has changes not committed."""
    if git.is_bare():
        return
    changes = git.run(["status", "--porcelain"])
    if changes:
        first = changes.splitlines()[0].strip()
        raise ToolError("%s has changes not committed (%s%s): commit or "
                        "stash them first, so that the new branch grows from "
                        "what the repository really holds; nothing changed"
                        % (dest, first,
                           ", ..." if len(changes.splitlines()) > 1 else ""))


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


def _clean_environment() -> Dict[str, str]:
    """The caller's environment without any GIT_ variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _run_git(args: List[str], cwd: str,
             env: Optional[Dict[str, str]] = None) -> "subprocess.CompletedProcess[bytes]":
    """Run git with the neutral settings; FileNotFoundError means no git."""
    try:
        return subprocess.run(["git"] + NEUTRAL_CONFIG + args, cwd=cwd,
                              env=env or _clean_environment(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise ToolError("git is not installed; install it and try again")


class _Git:
    """git commands against the student repository, isolated from the
    caller's environment and configuration."""

    def __init__(self, dest: str, date: str) -> None:
        self.dest = os.path.abspath(dest)
        self.git_dir = self._git_dir()
        env = _clean_environment()
        env.update(GIT_AUTHOR_NAME=IDENTITY[0], GIT_AUTHOR_EMAIL=IDENTITY[1],
                   GIT_COMMITTER_NAME=IDENTITY[0],
                   GIT_COMMITTER_EMAIL=IDENTITY[1],
                   GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date,
                   GIT_CONFIG_NOSYSTEM="1", GIT_DIR=self.git_dir)
        self.env = env

    @classmethod
    def existing(cls, dest: str, date: str) -> "_Git":
        """The repository at dest, which must exist (bare or not)."""
        if not os.path.isdir(dest):
            raise ToolError("%s is not a directory; give the student "
                            "repository made by `make branches`" % dest)
        return cls(dest, date)

    def _git_dir(self) -> str:
        """The git directory of dest, which must be a repository itself (bare
        or not), not a folder inside one."""
        found = _run_git(["rev-parse", "--absolute-git-dir"], self.dest)
        git_dir = found.stdout.decode().strip()
        if found.returncode == 0:
            top = _run_git(["rev-parse", "--show-toplevel"], self.dest)
            # A bare repository has no top level: it is its git directory.
            mine = top.stdout.decode().strip() if top.returncode == 0 \
                else git_dir
            if os.path.samefile(mine, self.dest):
                return git_dir
        raise ToolError("%s is not a git repository; give the student "
                        "repository made by `make branches`" % self.dest)

    def run(self, args: List[str], cwd: Optional[str] = None,
            extra_env: Optional[Dict[str, str]] = None) -> str:
        """Run git with args; return its output or raise a ToolError."""
        proc = _run_git(args, cwd or self.dest,
                        dict(self.env, **(extra_env or {})))
        if proc.returncode != 0:
            raise ToolError("git %s failed in %s: %s"
                            % (args[0], cwd or self.dest,
                               proc.stderr.decode("utf-8", "replace").strip()))
        return proc.stdout.decode().strip()

    def has_branch(self, name: str) -> bool:
        """Whether the repository has the local branch name."""
        proc = _run_git(["rev-parse", "--verify", "-q",
                         "refs/heads/%s^{commit}" % name], self.dest, self.env)
        return proc.returncode == 0

    def show(self, branch: str, path: str) -> Optional[str]:
        """The text of path on branch, stripped, or None if it has none."""
        proc = _run_git(["show", "%s:%s" % (branch, path)], self.dest,
                        self.env)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", "replace").strip()

    def is_bare(self) -> bool:
        """Whether the repository has no work tree."""
        return self.run(["rev-parse", "--is-bare-repository"]) == "true"

    def add_lab(self, catalogue: Catalogue, root: str, lab: Lab,
                parent: str, staff: bool) -> List[str]:
        """Commit lab's starter on top of branch parent, and for staff its
        solution on top of the starter; return the branch names made."""
        starter = Stage(lab, solved=False)
        self.commit_stage(catalogue, root, starter, parent)
        made = [lab.name]
        if staff:
            self.commit_stage(catalogue, root, Stage(lab, solved=True),
                              lab.name)
            made.append(lab.solved_stage)
        return made

    def commit_stage(self, catalogue: Catalogue, root: str, stage: Stage,
                     parent: Optional[str]) -> str:
        """Project stage and commit it as the new branch stage.name, whose
        parent is branch parent (None: a root commit); return the branch."""
        projected = project(catalogue, root, stage)
        with tempfile.TemporaryDirectory(prefix="kiln-branch-") as work:
            worktree = os.path.join(work, "tree")
            os.mkdir(worktree)
            tree.write_tree(projected, worktree)
            # A private index and work tree: the repository's own stay
            # untouched.
            env = {"GIT_WORK_TREE": worktree,
                   "GIT_INDEX_FILE": os.path.join(work, "index")}
            self.run(["add", "-A", "-f", "."], cwd=worktree, extra_env=env)
            tree_id = self.run(["write-tree"], cwd=worktree, extra_env=env)
        command = ["commit-tree", tree_id, "-m",
                   commit_message(stage, parent or BASE).rstrip("\n")]
        if parent is not None:
            command += ["-p", "refs/heads/" + parent]
        commit = self.run(command)
        self.run(["update-ref", "refs/heads/" + stage.name, commit, NO_BRANCH])
        return stage.name
