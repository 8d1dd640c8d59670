"""What a student tree has instead of the instructor's: its README and more.

Everything under labs/student-tree/ is laid over every projected tree at the
same relative path: the student README (a template, filled in for the
stage), the GitHub workflow that grades each push, and its helper. The
instructor's own README.md never reaches students; it describes a tree they
do not have.

conf/labs.json lists the labs the tree holds, in order, with their titles
and handouts, so that `make handouts` in a student tree can index them
without the catalogue.
"""

import json
import os
import textwrap
from typing import Dict, List, Optional

from . import tree
from .catalogue import Catalogue, Lab, Stage, display_path
from .errors import ToolError

OVERLAY = os.path.join("labs", "student-tree")
README = "README.md"
LABS_LIST = "conf/labs.json"


def overlay(catalogue: Catalogue, root: str,
            stage: Stage) -> Dict[str, tree.Entry]:
    """The student-only files of stage's tree, README filled in."""
    folder = os.path.join(root, OVERLAY)
    if not os.path.isfile(os.path.join(folder, README)):
        raise ToolError("%s has no %s: a student tree needs its own README "
                        "(the instructor's describes a tree students do not "
                        "have)" % (display_path(folder), README))
    files = tree.read_tree(folder)
    template = files[README].data.decode("utf-8")
    files[README] = tree.Entry(fill_readme(template, catalogue, stage)
                               .encode("utf-8"))
    files[LABS_LIST] = tree.Entry(labs_list(catalogue, stage).encode())
    return files


def labs_list(catalogue: Catalogue, stage: Stage) -> str:
    """conf/labs.json: the labs whose starter the stage includes."""
    labs = [{"number": lab.number, "name": lab.name, "title": lab.title,
             "handout": lab.handout}
            for lab in catalogue.labs if stage.level(lab) >= 1]
    return json.dumps({"labs": labs}, indent=1) + "\n"


def fill_readme(template: str, catalogue: Catalogue, stage: Stage) -> str:
    """The student README of stage from its template."""
    fields = {
        "heading": heading(stage),
        "this_tree": this_tree(stage),
        "next_lab": next_lab_section(next_lab(catalogue, stage), stage),
    }
    text = template
    for name, value in fields.items():
        text = text.replace("{{%s}}" % name, value)
    if "{{" in text:
        start = text.index("{{")
        raise ToolError("%s: unknown placeholder %s (known: %s)"
                        % (os.path.join(OVERLAY, README),
                           text[start:text.find("}}", start) + 2],
                           ", ".join(sorted(fields))))
    return text


def heading(stage: Stage) -> str:
    """The README's title after "Kiln: "."""
    if stage.lab is None:
        return "the base system"
    return "lab %d, %s" % (stage.lab.number, stage.lab.title)


def this_tree(stage: Stage) -> str:
    """The paragraph that says what this tree holds."""
    if stage.lab is None:
        return paragraph(
            "This branch holds the base system, before any lab: read "
            "`handouts/kernel.md` for a map of the kernel, boot it with "
            "`make qemu`, and check out a lab's branch to start working.")
    lab = stage.lab
    start = ("It starts from the reference solution of every earlier lab "
             "(not from your own), so the kernel you build on works."
             if lab.number > 1 else "It starts from the base system.")
    return paragraph("This branch holds lab %d (`%s`), *%s*. Read `%s` "
                     "first. %s" % (lab.number, lab.name, lab.title,
                                    lab.handout, start))


def next_lab(catalogue: Catalogue, stage: Stage) -> Optional[Lab]:
    """The lab after stage's, whether released or not, or None."""
    number = stage.lab.number if stage.lab else 0
    later: List[Lab] = [lab for lab in catalogue.labs if lab.number > number]
    return later[0] if later else None


def next_lab_section(upcoming: Optional[Lab], stage: Stage) -> str:
    """How to move on to the next lab's branch."""
    name = upcoming.name if upcoming else "LAB"
    here = stage.lab.name if stage.lab else "base"
    return "\n\n".join([
        "## Getting the next lab",
        paragraph("Each lab has a branch, released after the previous lab's "
                  "deadline. A lab's branch starts from the reference "
                  "solution of every lab before it, not from your own work, "
                  "so that everyone starts it from a working kernel. To move "
                  "on, commit your work, then:"),
        "    git fetch\n    git checkout %s\n    make clean" % name,
        paragraph("`git diff %s %s` shows what the new lab brings. To carry "
                  "a file of your own forward (notes, a test program), check "
                  "it out from your branch: `git checkout %s -- FILE`."
                  % (here, name, here)),
        paragraph("If your course gave you a repository of your own (GitHub "
                  "Classroom, say), new branches appear in the course's "
                  "repository, not in yours: add it once with `git remote "
                  "add course URL`, then `git fetch course` and `git "
                  "checkout -b %s course/%s`." % (name, name)),
    ])


def paragraph(text: str) -> str:
    """text wrapped as the README's own paragraphs are."""
    return textwrap.fill(text, width=76, break_long_words=False,
                         break_on_hyphens=False)
