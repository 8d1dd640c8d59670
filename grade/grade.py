"""Grade a lab: python3 grade/grade.py [LAB] [-j N] [-k PATTERN] [--json FILE]
[--junit FILE] [--logs DIR] [--kernel kernel/kernel] [--fs fs.img]

LAB defaults to the contents of conf/lab, which a student tree carries; the
lab's grader is grade/grade_<LAB>.py. The kernel and fs.img must be built
already (`make grade` builds them first). The report ends with the score
and "N passed, N failed"; the exit status is 0 only at full marks.
"""

import argparse
import importlib.util
import os
import sys
from typing import Optional, Sequence

GRADE_DIR = os.path.dirname(os.path.abspath(__file__))
if GRADE_DIR not in sys.path:
    sys.path.insert(0, GRADE_DIR)

import gradelib  # noqa: E402  (it puts the tree's root on sys.path)
from grade import report  # noqa: E402

CONF_LAB = os.path.join(gradelib.ROOT, "conf", "lab")


def lab_from_conf() -> Optional[str]:
    """The lab named in conf/lab, or None outside a student tree."""
    try:
        with open(CONF_LAB) as conf:
            return conf.read().strip() or None
    except FileNotFoundError:
        return None


def known_labs() -> str:
    names = sorted(name[len("grade_"):-len(".py")] for name in os.listdir(GRADE_DIR)
                   if name.startswith("grade_") and name.endswith(".py"))
    return ", ".join(names) or "none"


def load_lab(name: str) -> gradelib.Lab:
    """Import grade/grade_<name>.py and return the Lab it declares."""
    path = os.path.join(GRADE_DIR, "grade_{}.py".format(name))
    if not os.path.isfile(path):
        raise SystemExit("There is no grader for lab '{}' ({} does not exist). Graders: {}."
                         .format(name, report.show_path(path), known_labs()))
    spec = importlib.util.spec_from_file_location("grade_" + name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    labs = [lab for lab in gradelib.created_labs() if lab.name == name]
    if len(labs) != 1:
        raise SystemExit("{} must create exactly one Lab(\"{}\")".format(
            report.show_path(path), name))
    return labs[0]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Grade a Kiln lab: boot the kernel in QEMU and run the lab's tests.")
    parser.add_argument("lab", nargs="?", help="the lab to grade (default: conf/lab)")
    gradelib.add_options(parser)
    options = parser.parse_args(argv)
    name = options.lab or lab_from_conf()
    try:
        if name is None:
            raise SystemExit("Which lab? This tree has no conf/lab; name one, e.g. "
                             "`make grade LAB=trace` (graders: {}).".format(known_labs()))
        lab = load_lab(name)
    except SystemExit as stop:
        report.write_crash_files(options.json, options.junit, name or "?", str(stop.code))
        print(stop.code, file=sys.stderr)
        return 2
    except Exception as error:
        reason = "The grader of lab {} could not be loaded: {!r}".format(name, error)
        report.write_crash_files(options.json, options.junit, name, reason)
        raise
    return gradelib.grade(lab, options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
