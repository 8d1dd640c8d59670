"""A student's submission beside the reference solution of the same lab.

Both are measured from the lab's starter tree: for every file that either the
student or the reference solution changed, the report shows the student's
diff and then the solution's diff, so a grader reads the two side by side.
"""

import os
from typing import Dict, Optional

from . import diffs, tree
from .catalogue import BASE, Catalogue, Stage
from .errors import ToolError, UsageError
from .project import project

RULE = "=" * 8
SUBRULE = "-" * 8


def recorded_lab(submission: str) -> str:
    """The lab named in submission/conf/lab."""
    path = os.path.join(submission, "conf", "lab")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            name = f.read().strip()
    except OSError:
        raise UsageError("%s has no conf/lab saying which lab it is; pass "
                         "--lab LAB" % submission)
    if not name or name == BASE:
        raise UsageError("%s records no lab in conf/lab (%r); pass --lab LAB"
                         % (submission, name))
    return name


def report(catalogue: Catalogue, root: str, submission: str,
           lab_name: Optional[str] = None) -> str:
    """The comparison as text."""
    if not os.path.isdir(submission):
        raise ToolError("%s is not a directory; give the folder of a "
                        "student's tree" % submission)
    lab = catalogue.find_lab(lab_name or recorded_lab(submission))
    catalogue.require_available(Stage(lab))
    starter = project(catalogue, root, Stage(lab, solved=False))
    solved = project(catalogue, root, Stage(lab, solved=True))
    submitted = tree.read_tree(submission)
    by_student = set(diffs.changed_paths(starter, submitted))
    by_solution = set(diffs.changed_paths(starter, solved))

    both = sorted(by_student & by_solution)
    student_only = sorted(by_student - by_solution)
    solution_only = sorted(by_solution - by_student)
    out = ["Lab %d (%s): %s\n" % (lab.number, lab.name, lab.title),
           "Submission: %s\n" % submission,
           "Both sides are diffs from the %s starter tree.\n\n" % lab.name]
    for title, paths in (("Changed by both", both),
                         ("Changed only by the submission", student_only),
                         ("Changed only by the reference solution",
                          solution_only)):
        out.append("%s (%d):%s\n" % (title, len(paths),
                                      "".join(" " + p for p in paths)))
    for path in sorted(by_student | by_solution):
        out.append(_file_section(path, starter, submitted, solved))
    return "".join(out)


def _file_section(path: str, starter: Dict[str, tree.Entry],
                  submitted: Dict[str, tree.Entry],
                  solved: Dict[str, tree.Entry]) -> str:
    base = starter.get(path)
    mine, theirs = submitted.get(path), solved.get(path)
    if mine == theirs:
        note = "the submission makes the same change as the solution"
    elif mine == base:
        note = "changed only by the reference solution"
    elif theirs == base:
        note = "changed only by the submission"
    else:
        note = "changed by both"
    out = ["\n%s %s  [%s] %s\n" % (RULE, path, note, RULE)]
    out.append(_side("submission (starter -> submission)", path, base, mine,
                     "submission/"))
    out.append(_side("reference solution (starter -> solution)", path, base,
                     theirs, "solution/"))
    return "".join(out)


def _side(label: str, path: str, base: Optional[tree.Entry],
          changed: Optional[tree.Entry], prefix: str) -> str:
    if changed == base:
        return "%s %s: no change %s\n" % (SUBRULE, label, SUBRULE)
    return "%s %s %s\n%s" % (SUBRULE, label, SUBRULE,
                             diffs.file_diff(path, base, changed, "starter/",
                                             prefix, allow_binary=True))
