"""The lab catalogue: which labs exist, in which order, and what each adds.

labs/catalogue.json is the one list that the stage tool, the Makefile
(through `stage.py make-vars`) and the graders read. Loading checks the whole
schema, so that a mistake in it is reported as one line naming the file and
the problem rather than as a Python traceback later on.

Stages follow from the catalogue: `base`, then for every lab `<lab>` (its
starter) and `<lab>-solved`. Each lab owns a preprocessor macro, LAB_<NAME>,
whose value in a stage is 0 before the lab, 1 in its starter and 2 from its
solution on.
"""

import json
import os
import re
from typing import Any, Dict, List, NoReturn, Optional

from grade import tamper

from .errors import ToolError, UsageError

BASE = "base"
SOLVED_SUFFIX = "-solved"

LAB_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PROGRAM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
# Paths end up in make variables and diff headers, so no spaces or quotes.
SAFE_PATH = re.compile(r"^[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*/?$")

TOP_KEYS = ("about", "instructor_only", "labs")
REQUIRED_LAB_KEYS = ("name", "title", "available", "handout", "files",
                     "programs")
OPTIONAL_LAB_KEYS = ("solution_files", "edits", "protected", "student_files")
DEFAULT_INSTRUCTOR_ONLY = ("labs/", "solutions/", "tests/")


class Lab:
    """One lab as the catalogue describes it."""

    def __init__(self, number: int, fields: Dict[str, Any]) -> None:
        self.number = number
        self.name = fields["name"]
        self.title = fields["title"]
        self.available = fields["available"]
        self.handout = fields["handout"]
        self.solution_files = list(fields.get("solution_files", []))
        self.programs = list(fields["programs"])
        self.edits = list(fields.get("edits", []))
        # Test programs of the lab: never a student's to change (every file
        # outside student_files is checked, these included; see grade/tamper.py).
        self.protected = list(fields.get("protected", []))
        # More files a student may change or add, beyond edits and the files
        # the solution adds (a folder, say, for tests of their own).
        self.extra_student_files = list(fields.get("student_files", []))
        # The handout comes with the starter, whether or not it is listed.
        self.files = list(fields["files"])
        if self.handout not in self.files:
            self.files.append(self.handout)

    @property
    def answers_file(self) -> str:
        """Where the handout asks for written answers: answers-<lab>.txt at the top."""
        return "answers-%s.txt" % self.name

    @property
    def student_files(self) -> List[str]:
        """What a student may change or add: all that official grading takes
        from a submission (into a pristine copy of the starter)."""
        paths = (self.edits + self.solution_files + [self.answers_file]
                 + self.extra_student_files)
        return sorted(set(paths), key=paths.index)

    @property
    def macro(self) -> str:
        """The lab's preprocessor macro, LAB_<NAME>."""
        return "LAB_" + self.name.upper()

    @property
    def solved_stage(self) -> str:
        """The name of the lab's solved stage, <lab>-solved."""
        return self.name + SOLVED_SUFFIX


class Stage:
    """A point in the lab sequence: base, a lab's starter, or its solution."""

    def __init__(self, lab: Optional[Lab] = None,
                 solved: bool = False) -> None:
        self.lab = lab
        self.solved = solved

    @property
    def name(self) -> str:
        """The stage's name: base, <lab> or <lab>-solved."""
        if self.lab is None:
            return BASE
        return self.lab.solved_stage if self.solved else self.lab.name

    @property
    def lab_name(self) -> str:
        """What conf/lab records: the lab being worked on, or "base"."""
        return self.lab.name if self.lab else BASE

    def level(self, lab: Lab) -> int:
        """The value of lab's macro in this stage: 0, 1 or 2."""
        if self.lab is None or lab.number > self.lab.number:
            return 0
        if lab.number < self.lab.number or self.solved:
            return 2
        return 1

    def describe(self) -> str:
        """A one-line description of the stage for listings."""
        if self.lab is None:
            return "the base system, before any lab"
        what = "reference solution" if self.solved else "starter"
        return "lab %d %s: %s" % (self.lab.number, what, self.lab.title)


class Catalogue:
    """The loaded, validated catalogue and the stages it defines."""

    def __init__(self, path: str, labs: List[Lab], instructor_only: List[str],
                 unreleased: bool = False) -> None:
        self.path = path
        self.labs = labs
        self.instructor_only = instructor_only
        self.unreleased = unreleased

    # ---- stages ----

    def is_available(self, lab: Lab) -> bool:
        """Whether lab is released, or --unreleased treats it as such."""
        return lab.available or self.unreleased

    def stages(self) -> List[Stage]:
        """Every stage in order: base, then each lab's starter and solution."""
        result = [Stage()]
        for lab in self.labs:
            result.append(Stage(lab, solved=False))
            result.append(Stage(lab, solved=True))
        return result

    def stage_available(self, stage: Stage) -> bool:
        """Whether stage can be used: base always, a lab's when available."""
        return stage.lab is None or self.is_available(stage.lab)

    def find_stage(self, name: str) -> Stage:
        """The stage called name, or a UsageError listing the real ones."""
        for stage in self.stages():
            if stage.name == name:
                return stage
        names = ", ".join(s.name for s in self.stages())
        raise UsageError("unknown stage '%s'; the stages are: %s"
                         % (name, names))

    def find_lab(self, name: str) -> Lab:
        """The lab called name, or a UsageError listing the real ones."""
        for lab in self.labs:
            if lab.name == name:
                return lab
        raise UsageError("unknown lab '%s'; the labs are: %s"
                         % (name, ", ".join(l.name for l in self.labs)))

    def require_available(self, stage: Stage) -> None:
        """Raise a ToolError, naming what is available, if stage is not."""
        if self.stage_available(stage):
            return
        ready = [s.name for s in self.stages() if self.stage_available(s)]
        raise ToolError(
            "lab %s is not available yet (%s marks it \"available\": false); "
            "available stages: %s (while writing the lab, --unreleased "
            "lifts this check)"
            % (stage.lab.name, display_path(self.path), ", ".join(ready)))

    def available_stage(self, name: str) -> Stage:
        """The stage called name, checked to exist and to be available."""
        stage = self.find_stage(name)
        self.require_available(stage)
        return stage

    def default_stage(self) -> Stage:
        """The last available solved stage, or base when no lab is ready."""
        ready = self.available_labs()
        return Stage(ready[-1], solved=True) if ready else Stage()

    def available_labs(self) -> List[Lab]:
        """The labs that can be used, in catalogue order."""
        return [lab for lab in self.labs if self.is_available(lab)]

    # ---- what a stage contains ----

    def defines(self, stage: Stage) -> List[str]:
        """Flags -DLAB_<NAME>=N: every lab macro's value in stage."""
        return ["-D%s=%d" % (lab.macro, stage.level(lab)) for lab in self.labs]

    def macros(self) -> List[str]:
        """The macro name of every lab, in catalogue order."""
        return [lab.macro for lab in self.labs]

    def programs(self, stage: Stage) -> List[str]:
        """User programs of every lab whose starter the stage includes."""
        return [prog for lab in self.labs if stage.level(lab) >= 1
                for prog in lab.programs]

    def included_paths(self, stage: Stage) -> List[str]:
        """Catalogue entries (files or dir/) that the stage contains."""
        return [path for lab in self.labs
                for path in lab_paths(lab, stage.level(lab))]

    def omitted_paths(self, stage: Stage) -> List[str]:
        """Catalogue entries that belong to later labs or later solutions."""
        included = set(self.included_paths(stage))
        return [path for lab in self.labs
                for path in lab_paths(lab, 2) if path not in included]


def lab_paths(lab: Lab, level: int) -> List[str]:
    """The catalogue paths a lab contributes at the given macro level."""
    if level >= 2:
        return lab.files + lab.solution_files
    if level == 1:
        return list(lab.files)
    return []


def path_covers(entry: str, path: str) -> bool:
    """Whether a catalogue entry (a file, or a directory ending in /) holds path."""
    if entry.endswith("/"):
        return path.startswith(entry)
    return path == entry


def display_path(path: str) -> str:
    """path relative to the working directory when it lies beneath it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# ---- loading and validation ----

class _Checker:
    """Collects the context (file, lab) that every error message names."""

    def __init__(self, path: str) -> None:
        self.where = display_path(path)

    def fail(self, message: str) -> NoReturn:
        """Raise a ToolError that names the catalogue file."""
        raise ToolError("%s: %s" % (self.where, message))


def load(root: str, unreleased: bool = False) -> Catalogue:
    """Read and validate ROOT/labs/catalogue.json."""
    path = os.path.join(root, "labs", "catalogue.json")
    check = _Checker(path)
    data = _read_json(path, check)
    if not isinstance(data, dict) or "labs" not in data:
        check.fail('the top level must be an object with a "labs" list')
    for key in data:
        if key not in TOP_KEYS:
            check.fail("unknown top-level key '%s' (known keys: %s)"
                       % (key, ", ".join(TOP_KEYS)))
    if not isinstance(data["labs"], list):
        check.fail("'labs' must be a list of lab objects")
    instructor_only = _path_list(
        data.get("instructor_only", list(DEFAULT_INSTRUCTOR_ONLY)),
        "'instructor_only'", check)
    labs = [_load_lab(i + 1, fields, check)
            for i, fields in enumerate(data["labs"])]
    _check_unique_names(labs, check)
    _check_student_files(labs, instructor_only, check)
    _check_release_order(labs, check)
    _check_disjoint(labs, check)
    _check_unique_programs(labs, check)
    return Catalogue(path, labs, instructor_only, unreleased)


def _read_json(path: str, check: _Checker) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        check.fail("no such file; the stage tool needs the lab catalogue "
                   "(is --root the top of the Kiln repository?)")
    except (OSError, UnicodeDecodeError) as e:
        check.fail("cannot read it: %s" % e)
    try:
        return json.loads(text)
    except ValueError as e:
        check.fail("not valid JSON: %s" % e)


def _load_lab(number: int, fields: Any, check: _Checker) -> Lab:
    if not isinstance(fields, dict):
        check.fail("lab %d must be an object" % number)
    name = fields.get("name")
    label = "lab %d" % number
    if isinstance(name, str):
        label += " (%s)" % name
    for key in REQUIRED_LAB_KEYS:
        if key not in fields:
            check.fail("%s has no '%s'" % (label, key))
    for key in fields:
        if key not in REQUIRED_LAB_KEYS + OPTIONAL_LAB_KEYS:
            check.fail("%s has an unknown key '%s' (known keys: %s)"
                       % (label, key,
                          ", ".join(REQUIRED_LAB_KEYS + OPTIONAL_LAB_KEYS)))
    if not isinstance(name, str) or not LAB_NAME.match(name) or name == BASE:
        check.fail("%s: 'name' must be a lower-case identifier other than "
                   "'base' (it names a branch and the macro LAB_<NAME>)"
                   % label)
    if not isinstance(fields["title"], str) or not fields["title"].strip():
        check.fail("%s: 'title' must be a non-empty string" % label)
    if not isinstance(fields["available"], bool):
        check.fail("%s: 'available' must be true or false" % label)
    _path_list([fields["handout"]], "%s: 'handout'" % label, check)
    for key in ("files", "solution_files", "edits", "protected", "student_files"):
        _path_list(fields.get(key, []), "%s: '%s'" % (label, key), check)
    programs = fields["programs"]
    if not isinstance(programs, list) or not all(
            isinstance(p, str) and PROGRAM_NAME.match(p) for p in programs):
        check.fail("%s: 'programs' must be a list of program names such as "
                   "\"trace\"" % label)
    lab = Lab(number, fields)
    for path in lab.protected:
        if not any(path_covers(entry, path) for entry in lab.files):
            check.fail("%s: 'protected' lists %s, which is not among the "
                       "lab's 'files' (only files handed out with the "
                       "starter can be protected)" % (label, path))
    if any(path_covers(entry, lab.handout) for entry in lab.solution_files):
        check.fail("%s: the handout %s must come with the starter, not in "
                   "'solution_files'" % (label, lab.handout))
    return lab


def _path_list(value: Any, what: str, check: _Checker) -> List[str]:
    if not isinstance(value, list):
        check.fail("%s must be a list of paths" % what)
    for path in value:
        if not isinstance(path, str) or not SAFE_PATH.match(path) or any(
                part in (".", "..") for part in path.rstrip("/").split("/")):
            check.fail("%s: %s is not a plain relative path inside the "
                       "repository (use / separators, no spaces, no '..'; "
                       "end a directory with /)" % (what, json.dumps(path)))
    return list(value)


def _check_unique_names(labs: List[Lab], check: _Checker) -> None:
    seen = {}
    for lab in labs:
        if lab.name in seen:
            check.fail("lab %d repeats the name '%s' of lab %d"
                       % (lab.number, lab.name, seen[lab.name]))
        seen[lab.name] = lab.number


def _check_student_files(labs: List[Lab], instructor_only: List[str],
                         check: _Checker) -> None:
    """What a student may change must be theirs to change: never a test, a
    grader, the build's recipes or anything the host runs while building."""
    protected = [(path, lab) for lab in labs for path in lab.protected + [lab.handout]]
    for lab in labs:
        for path in lab.student_files:
            where = "lab %d (%s) lets students change %s" % (lab.number, lab.name, path)
            reason = tamper.never_student_reason(path)
            if reason:
                check.fail("%s, but %s; take it out of 'edits', 'solution_files' "
                           "and 'student_files'" % (where, reason))
            for entry in instructor_only:
                if _overlap(entry, path):
                    check.fail("%s, which is instructor-only (%s)" % (where, entry))
            for other, owner in protected:
                if _overlap(other, path):
                    check.fail("%s, which lab %d (%s) protects (its handout or "
                               "a test program)" % (where, owner.number, owner.name))


def _check_release_order(labs: List[Lab], check: _Checker) -> None:
    """Labs build on each other, so they can only become available in order."""
    for earlier, later in zip(labs, labs[1:]):
        if later.available and not earlier.available:
            check.fail("lab %d (%s) is available but lab %d (%s) before it "
                       "is not; labs become available in order"
                       % (later.number, later.name, earlier.number,
                          earlier.name))


def _check_disjoint(labs: List[Lab], check: _Checker) -> None:
    """A path belongs to one lab only, or the stage it appears in is unclear."""
    owners = []
    for lab in labs:
        for path in lab.files + lab.solution_files:
            for other, owner in owners:
                if _overlap(path, other):
                    where = ("lab %d (%s)" % (owner.number, owner.name)
                             if owner is not lab else "this lab")
                    check.fail("lab %d (%s) lists %s, which %s already lists "
                               "as %s" % (lab.number, lab.name, path, where,
                                          other))
            owners.append((path, lab))


def _overlap(a: str, b: str) -> bool:
    return a == b or (a.endswith("/") and b.startswith(a)) or \
        (b.endswith("/") and a.startswith(b))


def _check_unique_programs(labs: List[Lab], check: _Checker) -> None:
    programs = {}
    for lab in labs:
        for prog in lab.programs:
            if prog in programs:
                check.fail("lab %d (%s) lists program '%s', which lab %d "
                           "already lists" % (lab.number, lab.name, prog,
                                              programs[prog]))
            programs[prog] = lab.number
