#!/usr/bin/env python3
"""Kiln's stage tool: the labs as stages of one annotated source tree.

A stage is `base`, `<lab>` (that lab's starter: earlier labs solved, this one
scaffolded) or `<lab>-solved`. The catalogue, labs/catalogue.json, lists the
labs in order. Run `labs/stage.py --help` for the commands.
"""

import argparse
import os
import sys
from typing import Callable, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
if __package__ in (None, ""):
    # Run as a script: make the labs package importable from its parent.
    sys.path.insert(0, os.path.dirname(HERE))

from labs import branches, compare, solutions  # noqa: E402
from labs.catalogue import Catalogue, Stage, load  # noqa: E402
from labs.errors import ToolError, UsageError  # noqa: E402
from labs.project import project_into  # noqa: E402

DEFAULT_ROOT = os.path.dirname(HERE)

EPILOG = """\
stages: base, then for each lab in catalogue order <lab> (its starter) and
<lab>-solved. In a stage the macro LAB_<NAME> of a lab is 0 before the lab,
1 in its starter and 2 from its solution on.

exit status: 0 success, 1 failure, 2 bad usage (unknown stage, lab or option).
"""


def cmd_list(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Print every stage with its availability, marking the default."""
    default = catalogue.default_stage().name
    for stage in catalogue.stages():
        status = ("available" if catalogue.stage_available(stage)
                  else "not available yet")
        mark = " (default)" if stage.name == default else ""
        print("%-18s %-18s %s%s" % (stage.name, status, stage.describe(),
                                    mark))


def _stage_or_default(catalogue: Catalogue, name: Optional[str]) -> Stage:
    if name is None:
        return catalogue.default_stage()
    return catalogue.available_stage(name)


def cmd_defines(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Print the -DLAB_<NAME>=N compiler flags of a stage."""
    stage = _stage_or_default(catalogue, args.stage)
    print(" ".join(catalogue.defines(stage)))


def make_vars(catalogue: Catalogue, stage: Stage) -> str:
    """Makefile assignments for stage, one per line."""
    omitted = [path + "%" if path.endswith("/") else path
               for path in catalogue.omitted_paths(stage)]
    return ("STAGE := %s\n" % stage.name
            + "STAGE_DEFAULT := %s\n" % catalogue.default_stage().name
            + "STAGE_LAB := %s\n" % (stage.lab.name if stage.lab else "")
            + "LABDEFS := %s\n" % " ".join(catalogue.defines(stage))
            + "LAB_UPROGS := %s\n" % " ".join(catalogue.programs(stage))
            + "STAGE_OMIT := %s\n" % " ".join(omitted))


def cmd_make_vars(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Print a stage's Makefile assignments, or write them to --output."""
    text = make_vars(catalogue, _stage_or_default(catalogue, args.stage))
    if args.output is None:
        sys.stdout.write(text)
        return
    # Rewritten only when it changes, so that its timestamp tells make
    # exactly when the stage switched and objects need rebuilding.
    try:
        with open(args.output, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    parent = os.path.dirname(args.output)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)


def cmd_default(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Print the name of the default stage."""
    print(catalogue.default_stage().name)


def cmd_project(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Project a stage into a new directory and say how many files it has."""
    stage = catalogue.available_stage(args.stage)
    projected = project_into(catalogue, args.root, stage, args.dest)
    print("Projected %s (%s) into %s: %d files."
          % (stage.name, stage.describe(), args.dest, len(projected)))


def cmd_solutions(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Bring solutions/ up to date, or with --check only verify it."""
    if args.check:
        checked = solutions.check(catalogue, args.root)
        print("%s/ is fresh (%d lab diff%s checked)."
              % (solutions.DIRECTORY, len(checked),
                 "" if len(checked) == 1 else "s"))
        return
    touched = solutions.write(catalogue, args.root)
    for relpath in touched:
        print("updated %s" % relpath)
    if not touched:
        print("%s/ is up to date." % solutions.DIRECTORY)


def cmd_branches(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Create the student repository with the labs up to --until."""
    names = branches.build(catalogue, args.root, args.dest, staff=args.staff,
                           until=args.until)
    checked_out = names[1] if len(names) > 1 else names[0]
    print("Created the repository %s with branches: %s; %s is checked out."
          % (args.dest, ", ".join(names), checked_out))
    _say_what_comes_next(catalogue, names, args.dest)


def cmd_release(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Add the next lab's branch to an existing student repository."""
    names = branches.release(catalogue, args.root, args.dest, args.lab,
                             staff=args.staff)
    print("Released lab %s into %s: new branch%s %s."
          % (args.lab, args.dest, "es" if len(names) > 1 else "",
             ", ".join(names)))
    if branches.is_bare(args.dest):
        print("%s is bare: students who fetch from it get %s now."
              % (args.dest, args.lab))
    else:
        print("Students get it once you push it: git -C %s push origin %s"
              % (args.dest, args.lab))
    if len(names) > 1:
        print("(%s is for staff: never push it where students can fetch.)"
              % ", ".join(names[1:]))
    _say_what_comes_next(catalogue, names, args.dest)


def _say_what_comes_next(catalogue: Catalogue, names: Sequence[str],
                         dest: str) -> None:
    """Name the next lab to release, if there is one."""
    last = max((lab.number for lab in catalogue.labs if lab.name in names),
               default=0)
    later = [lab for lab in catalogue.available_labs() if lab.number > last]
    if later:
        print("After the deadline of the last lab released: "
              "make release LAB=%s DEST=%s" % (later[0].name, dest))


def cmd_compare(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Print a submission's changes beside the reference solution's."""
    text = compare.report(catalogue, args.root, args.submission, args.lab)
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))


def _add_common_options(parser: argparse.ArgumentParser,
                        top_level: bool) -> None:
    """--root and --unreleased, accepted before or after the command.

    Only the top level has real defaults; a command's parser leaves an
    option it did not see unset, so it cannot undo one given earlier.
    """
    parser.add_argument(
        "--root", metavar="DIR",
        default=DEFAULT_ROOT if top_level else argparse.SUPPRESS,
        help="top of the Kiln repository (default: the folder above labs/)")
    parser.add_argument(
        "--unreleased", action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="treat labs marked not available as available (while a lab "
             "is being written)")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser: global options and one subcommand each."""
    parser = argparse.ArgumentParser(
        prog="labs/stage.py", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Kiln's stage tool: list, build and project the stages "
                    "of the labs, and manage their reference solutions.")
    _add_common_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str,
                handler: Callable[[Catalogue, argparse.Namespace], None],
                help_text: str) -> argparse.ArgumentParser:
        """Add a subcommand with the common options and its handler."""
        p = sub.add_parser(name, help=help_text, description=help_text)
        _add_common_options(p, top_level=False)
        p.set_defaults(handler=handler)
        return p

    command("list", cmd_list, "list every stage in order, with availability")
    p = command("defines", cmd_defines,
                "print the compiler flags (-DLAB_...=N) of a stage")
    p.add_argument("stage", nargs="?", metavar="STAGE",
                   help="stage (default: the default stage)")
    p = command("make-vars", cmd_make_vars,
                "print Makefile assignments for a stage: STAGE, "
                "STAGE_DEFAULT, STAGE_LAB, LABDEFS, LAB_UPROGS, STAGE_OMIT")
    p.add_argument("stage", nargs="?", metavar="STAGE",
                   help="stage (default: the default stage)")
    p.add_argument("--output", metavar="FILE",
                   help="write to FILE instead, only if its content changes")
    command("default", cmd_default,
            "print the default stage: the last available solved stage")
    p = command("project", cmd_project,
                "copy the tree as STAGE sees it into DEST, lab macros removed")
    p.add_argument("stage", metavar="STAGE")
    p.add_argument("dest", metavar="DEST",
                   help="new directory (must not exist, or be empty)")
    p = command("solutions", cmd_solutions,
                "write solutions/<lab>.diff for every available lab")
    p.add_argument("--check", action="store_true",
                   help="only check that the committed diffs are fresh")
    p = command("branches", cmd_branches,
                "create the student repository: branch base and the starters "
                "of the labs up to --until, each on top of the one before")
    p.add_argument("dest", metavar="DEST",
                   help="new directory (must not exist, or be empty)")
    p.add_argument("--until", metavar="LAB",
                   help="the last lab to include (default: the first lab)")
    p.add_argument("--staff", action="store_true",
                   help="also add the <lab>-solved branches")
    p = command("release", cmd_release,
                "add LAB's starter to the student repository DEST, on top of "
                "the previous lab's branch")
    p.add_argument("lab", metavar="LAB")
    p.add_argument("dest", metavar="DEST",
                   help="the student repository made by the branches command")
    p.add_argument("--staff", action="store_true",
                   help="also add <lab>-solved (automatic when DEST has the "
                        "previous lab's -solved branch)")
    p = command("compare", cmd_compare,
                "show a submission's changes beside the reference solution's")
    p.add_argument("submission", metavar="SUBMISSION_DIR")
    p.add_argument("--lab", metavar="LAB",
                   help="the lab (default: read from SUBMISSION_DIR/conf/lab)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command in argv; return the exit status (0, 1 or 2)."""
    args = build_parser().parse_args(argv)
    try:
        catalogue = load(args.root, unreleased=args.unreleased)
        args.handler(catalogue, args)
        sys.stdout.flush()
    except UsageError as e:
        print("%s (see labs/stage.py --help)" % e, file=sys.stderr)
        return 2
    except ToolError as e:
        print(e, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (say, `| head`) left early; that is not an error here.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:
        where = " %s" % e.filename if e.filename else ""
        print("labs/stage.py: cannot use%s: %s" % (where, e.strerror or e),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
