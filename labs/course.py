#!/usr/bin/env python3
"""Official grading for a course: Gradescope's autograder, and a whole class
graded at once on this machine. Both run the same routine on every
submission (grade/autograder.py): its student files, and nothing else, in a
pristine starter tree projected here by the stage tool, built and graded.

    labs/course.py gradescope LAB [--output FILE] [--time-limit SECONDS]
    labs/course.py grade-class LAB SUBMISSIONS [--output DIR] [-j N]
        [--time-limit SECONDS]

(`make gradescope LAB=...` and `make grade-class LAB=... SUBMISSIONS=...`.)
"""

import argparse
import concurrent.futures
import csv
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
if __package__ in (None, ""):
    # Run as a script: make the labs package importable from its parent.
    sys.path.insert(0, os.path.dirname(HERE))

from grade import report  # noqa: E402
from grade.autograder import BUILD_USER  # noqa: E402
from labs.catalogue import Catalogue, Lab, Stage, load  # noqa: E402
from labs.errors import ToolError, UsageError  # noqa: E402
from labs.project import project_into  # noqa: E402

DEFAULT_ROOT = os.path.dirname(HERE)

# What Kiln needs to build and grade: the README's set-up packages (without
# gdb-multiarch and unifdef, which only people and the stage tool use).
PACKAGES = ("gcc-riscv64-unknown-elf", "binutils-riscv64-unknown-elf", "qemu-system-misc",
            "make", "gcc", "libc6-dev", "python3", "git")

# The folder of the autograder zip that holds the pristine starter.
STARTER_FOLDER = "kiln"

# Gradescope stops an autograder after 10 minutes unless told otherwise.
GRADESCOPE_TIME_LIMIT = 540.0
CLASS_TIME_LIMIT = 1800.0
# How long a submission's autograder may overrun its time limit before it is killed.
CLASS_KILL_GRACE = 120.0

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (choose an Ubuntu 22.04 or newer base image: QEMU must be 6.2 or newer).
# It installs what Kiln needs to build and grade, makes the account that
# builds submissions (grade/autograder.py: so that nothing a build runs can
# touch the grader or the results), then builds the pristine starter, so
# that grading a submission recompiles only the submission's files.
#
#   setup.sh            install and build
#   setup.sh --check    only say which packages are missing (status 1 if any)
#   setup.sh --dry-run  print the commands instead of running them
set -euo pipefail

PACKAGES=(@PACKAGES@)
HERE=$(cd "$(dirname "$0")" && pwd)
STARTER="$HERE/@STARTER@"

missing_packages() {
  local package
  for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      echo "$package"
    fi
  done
}

DRY_RUN=""
case "${1:-}" in
  --check)
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
      echo "missing packages:" $missing
      exit 1
    fi
    echo "all packages are installed: ${PACKAGES[*]}"
    exit 0 ;;
  --dry-run) DRY_RUN=1 ;;
  "") ;;
  *) echo "usage: $0 [--check | --dry-run]" >&2; exit 2 ;;
esac

run() {
  if [ -n "$DRY_RUN" ]; then
    echo "+ $*"
  else
    "$@"
  fi
}

run apt-get update
run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
if ! id -u @BUILD_USER@ >/dev/null 2>&1; then
  run useradd --system --no-create-home --shell /usr/sbin/nologin @BUILD_USER@
fi
run make -C "$STARTER" check-qemu
run make -C "$STARTER" -j"$(nproc)" all fs-pristine.img
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, as /autograder/run_autograder
# in /autograder: the submission is in submission/, results go to
# results/results.json. KILN_AUTOGRADER_ROOT puts that layout elsewhere (to
# try the autograder out), KILN_TIME_LIMIT changes the time limit in seconds
# (keep it a minute below the assignment's autograder timeout).
ROOT=${KILN_AUTOGRADER_ROOT:-/autograder}
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
WORK=$(mktemp -d)
cd "$ROOT/source/@STARTER@" && python3 -m grade.autograder \
  --submission "$ROOT/submission" --results "$RESULTS" \
  --report "$ROOT/results/report.txt" --work "$WORK" \
  --time-limit "${KILN_TIME_LIMIT:-@TIME_LIMIT@}"
status=$?
if [ ! -s "$RESULTS" ]; then
  # Not even Python ran: still leave Gradescope a result that says so.
  printf '{"score": 0, "output": "The autograder could not run (status %s); see its log."}\n' \
    "$status" > "$RESULTS"
fi
rm -rf "$WORK"
"""


# ---- Gradescope ----

def gradescope(catalogue: Catalogue, root: str, lab: Lab, output: str,
               time_limit: float) -> int:
    """Write the autograder zip for lab; return how many files it holds."""
    stage = Stage(lab)
    catalogue.require_available(stage)
    with tempfile.TemporaryDirectory(prefix="kiln-gradescope-") as work:
        starter = os.path.join(work, STARTER_FOLDER)
        project_into(catalogue, root, stage, starter)
        scripts = {
            "setup.sh": setup_script(),
            "run_autograder": RUN_AUTOGRADER.replace("@STARTER@", STARTER_FOLDER)
            .replace("@TIME_LIMIT@", "{:g}".format(time_limit)),
        }
        partial = output + ".part"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in scripts.items():
                _add(archive, name, text.encode(), 0o755)
            count = len(scripts)
            for top, dirs, files in os.walk(starter):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(top, name)
                    relpath = os.path.relpath(path, work).replace(os.sep, "/")
                    with open(path, "rb") as f:
                        _add(archive, relpath, f.read(), os.stat(path).st_mode & 0o777)
                    count += 1
        os.replace(partial, output)
    return count


def setup_script() -> str:
    """setup.sh, for the README's packages and the build account."""
    return SETUP_SH.replace("@PACKAGES@", " ".join(PACKAGES)) \
        .replace("@STARTER@", STARTER_FOLDER).replace("@BUILD_USER@", BUILD_USER)


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    """Add a file with its Unix mode (Gradescope runs the scripts as they are)."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


# ---- a whole class ----

class Graded(NamedTuple):
    """One student's results."""
    student: str
    results: dict


def submissions_in(folder: str) -> List[Tuple[str, str]]:
    """(student, path) for every submission in folder: a subfolder, a repository or a zip."""
    if not os.path.isdir(folder):
        raise ToolError("%s is not a folder of submissions" % folder)
    found = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or not (os.path.isdir(path) or name.endswith(".zip")):
            continue
        student = name[:-4] if name.endswith((".zip", ".git")) else name
        found.append((student, path))
    if not found:
        raise ToolError("%s holds no submissions (subfolders, repositories or zip "
                        "files, one per student)" % folder)
    names = [student for student, _ in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ToolError("these students have more than one submission in %s: %s"
                        % (folder, ", ".join(twice)))
    return found


def prepare_starter(catalogue: Catalogue, root: str, lab: Lab, dest: str) -> None:
    """Project lab's starter into dest and build it once, so that each
    submission's build recompiles only what it changed."""
    stage = Stage(lab)
    catalogue.require_available(stage)
    project_into(catalogue, root, stage, dest)
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    built = subprocess.run(["make", "-j{}".format(os.cpu_count() or 1), "all",
                            "fs-pristine.img"], cwd=dest, env=environment,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if built.returncode != 0:
        raise ToolError("the %s starter does not build:\n%s"
                        % (lab.name, built.stdout.decode("utf-8", "replace")[-3000:]))


def grade_one(starter: str, student: str, submission: str, output: str,
              time_limit: float, patterns: Sequence[str] = ()) -> Graded:
    """Run the official routine on one submission, in a process of its own
    (patterns: only the tests they match, to try the plumbing out)."""
    results_path = os.path.join(output, "results", student + ".json")
    command = [sys.executable, "-m", "grade.autograder", "--submission",
               os.path.abspath(submission), "--results", results_path,
               "--report", os.path.join(output, "reports", student + ".txt"),
               "--work", os.path.join(output, "work", student), "-j", "1",
               "--time-limit", "{:g}".format(time_limit)]
    for pattern in patterns:
        command += ["-k", pattern]
    try:
        subprocess.run(command, cwd=starter, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                       timeout=time_limit + CLASS_KILL_GRACE, start_new_session=True)
    except subprocess.TimeoutExpired:
        pass
    try:
        with open(results_path, encoding="utf-8") as f:
            return Graded(student, json.load(f))
    except (OSError, ValueError):
        reason = "the autograder wrote no results for this submission (it was stopped " \
            "after {:g} s)".format(time_limit + CLASS_KILL_GRACE)
        results = report.gradescope(report.crash_report(student, reason))
        results["extra_data"]["problem"] = reason
        report.write_text(results_path, json.dumps(results, indent=2))
        return Graded(student, results)


def grade_class(catalogue: Catalogue, root: str, lab: Lab, folder: str, output: str,
                jobs: int, time_limit: float) -> List[Graded]:
    """Grade every submission in folder officially; write the CSV, reports, summary."""
    submissions = submissions_in(folder)
    os.makedirs(output, exist_ok=True)
    starter = os.path.join(output, "starter")
    if os.path.lexists(starter):
        shutil.rmtree(starter)
    print("Building the pristine %s starter in %s ..." % (lab.name, starter), flush=True)
    prepare_starter(catalogue, root, lab, starter)
    return grade_all(starter, submissions, output, jobs, time_limit,
                     "Lab %d (%s)" % (lab.number, lab.name))


def grade_all(starter: str, submissions: Sequence[Tuple[str, str]], output: str,
              jobs: int, time_limit: float, title: str,
              patterns: Sequence[str] = ()) -> List[Graded]:
    """Grade (student, path) submissions with a built starter, jobs at a time.

    Each runs in a process of its own, so one that hangs, floods its console
    or crashes the grader only scores zero itself. Writes OUTPUT/scores.csv
    and OUTPUT/summary.txt; reports go to OUTPUT/reports/, results to
    OUTPUT/results/, logs to OUTPUT/work/<student>/logs/.
    """
    print("Grading %d submissions, %d at a time; reports in %s/"
          % (len(submissions), jobs, os.path.join(output, "reports")), flush=True)
    graded = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(grade_one, starter, student, path, output, time_limit,
                               patterns) for student, path in submissions]
        for future in concurrent.futures.as_completed(futures):
            done = future.result()
            graded.append(done)
            print("  %-24s %s/%s" % (done.student, report.number(done.results.get("score", 0)),
                                     report.number(report.max_score(done.results))),
                  flush=True)
    graded.sort(key=lambda g: g.student)
    write_csv(os.path.join(output, "scores.csv"), graded)
    summary = class_summary(title, graded)
    report.write_text(os.path.join(output, "summary.txt"), summary)
    print(summary)
    return graded


def test_columns(graded: Sequence[Graded]) -> List[str]:
    """The tests' short names, in the grader's order, over every student's results."""
    columns: List[str] = []
    for one in graded:
        for test in one.results.get("tests", []):
            name = _test_name(test)
            if name not in columns:
                columns.append(name)
    return columns


def _test_name(test: dict) -> str:
    return test.get("extra_data", {}).get("test") or test.get("name", "?")


def write_csv(path: str, graded: Sequence[Graded]) -> None:
    """One row per student: total, maximum, each test's score, and why a
    submission could not be graded (empty when it was)."""
    columns = test_columns(graded)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "score", "max_score"] + columns + ["problem"])
        for one in graded:
            scores = {_test_name(t): report.number(t.get("score", 0))
                      for t in one.results.get("tests", [])}
            writer.writerow([one.student, report.number(one.results.get("score", 0)),
                             report.number(report.max_score(one.results))]
                            + [scores.get(name, "") for name in columns]
                            + [one.results.get("extra_data", {}).get("problem", "")])


def class_summary(title: str, graded: Sequence[Graded]) -> str:
    """Scores at a glance and the tests most failed, most failed first."""
    failed: Dict[str, int] = {}
    for one in graded:
        for test in one.results.get("tests", []):
            if test.get("status") != "passed":
                failed[_test_name(test)] = failed.get(_test_name(test), 0) + 1
    full = sum(1 for one in graded if one.results.get("tests")
               and all(t.get("status") == "passed" for t in one.results["tests"]))
    lines = ["%s: %d submissions, %d with full marks." % (title, len(graded), full)]
    if graded:
        scores = [float(one.results.get("score", 0)) for one in graded]
        lines.append("Scores: mean %s, lowest %s, highest %s." % (
            report.number(round(sum(scores) / len(scores), 1)),
            report.number(min(scores)), report.number(max(scores))))
    lines.append("Tests most failed:")
    order = test_columns(graded)
    ranked = sorted(failed.items(), key=lambda item: (-item[1], order.index(item[0])))
    lines += ["  %-32s failed by %d of %d" % (name, count, len(graded))
              for name, count in ranked] or ["  none"]
    return "\n".join(lines)


# ---- the command line ----

def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="labs/course.py",
        description="Official grading: Gradescope's autograder zip, or a whole class here.")
    parser.add_argument("--root", default=DEFAULT_ROOT, metavar="DIR",
                        help="top of the Kiln repository (default: the folder above labs/)")
    parser.add_argument("--unreleased", action="store_true",
                        help="treat labs marked not available as available")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("gradescope", help="write gradescope-LAB.zip, Gradescope's autograder")
    p.add_argument("lab", metavar="LAB")
    p.add_argument("--output", metavar="FILE", help="default: gradescope-LAB.zip")
    p.add_argument("--time-limit", type=float, default=GRADESCOPE_TIME_LIMIT,
                   metavar="SECONDS", help="for grading one submission (default: "
                   "%(default)g, for Gradescope's default timeout of 10 minutes)")
    p = sub.add_parser("grade-class", help="grade every submission in a folder")
    p.add_argument("lab", metavar="LAB")
    p.add_argument("submissions", metavar="SUBMISSIONS",
                   help="a folder with one subfolder, repository or zip per student")
    p.add_argument("--output", metavar="DIR", help="default: grades-LAB")
    p.add_argument("-j", dest="jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="grade N submissions at a time (default: number of cores)")
    p.add_argument("--time-limit", type=float, default=CLASS_TIME_LIMIT, metavar="SECONDS",
                   help="for one submission (default: %(default)g)")
    args = parser.parse_args(argv)
    try:
        catalogue = load(args.root, unreleased=args.unreleased)
        lab = catalogue.find_lab(args.lab)
        if args.command == "gradescope":
            output = args.output or "gradescope-%s.zip" % lab.name
            started = time.monotonic()
            count = gradescope(catalogue, args.root, lab, output, args.time_limit)
            print("Wrote %s (%d files) in %.0f s. Upload it as the assignment's "
                  "autograder (Ubuntu 22.04 or newer); set its timeout above %g s."
                  % (output, count, time.monotonic() - started, args.time_limit))
        else:
            graded = grade_class(catalogue, args.root, lab, args.submissions,
                                 args.output or "grades-%s" % lab.name,
                                 max(1, args.jobs), args.time_limit)
            print("Wrote %s/scores.csv and %s/summary.txt (%d students)."
                  % (args.output or "grades-%s" % lab.name,
                     args.output or "grades-%s" % lab.name, len(graded)))
    except UsageError as e:
        print("%s (see labs/course.py --help)" % e, file=sys.stderr)
        return 2
    except ToolError as e:
        print(e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
