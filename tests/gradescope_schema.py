"""A check of results.json against Gradescope's documented format.

Written from "Autograder Specifications" (gradescope-autograders.readthedocs.io,
section "Output format"): the top level may hold score, execution_time,
output, output_format, test_output_format, test_name_format, visibility,
stdout_visibility, extra_data, tests and leaderboard; each test may hold
score, max_score, status, name, name_format, number, output, output_format,
tags, visibility and extra_data. score is required at the top unless every
test has one; status is "passed" or "failed"; visibility is one of hidden,
after_due_date, after_published, visible; formats are text, html,
simple_format, md or ansi.

problems(data) lists what is wrong (nothing when Gradescope would take it).
"""

import json
import math
from typing import Any, Dict, List

TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
            "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
            "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}
STATUSES = {"passed", "failed"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _check_fields(where: str, data: Dict[str, Any], problems: List[str]) -> None:
    """The fields that the top level and a test share, each of its type."""
    for key in ("score", "max_score", "execution_time"):
        if key in data and not _is_number(data[key]):
            problems.append("{}: {} must be a number, not {!r}".format(where, key, data[key]))
    for key in ("output", "name", "number"):
        if key in data and not isinstance(data[key], str):
            problems.append("{}: {} must be a string".format(where, key))
    for key in ("output_format", "test_output_format", "test_name_format", "name_format"):
        if key in data and data[key] not in FORMATS:
            problems.append("{}: {} must be one of {}".format(where, key, sorted(FORMATS)))
    for key in ("visibility", "stdout_visibility"):
        if key in data and data[key] not in VISIBILITIES:
            problems.append("{}: {} must be one of {}".format(where, key, sorted(VISIBILITIES)))
    if "extra_data" in data and not isinstance(data["extra_data"], dict):
        problems.append("{}: extra_data must be an object".format(where))


def problems(data: Any) -> List[str]:
    """What keeps data from being a valid results.json (empty when it is one)."""
    found: List[str] = []
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        return ["not JSON: {}".format(error)]
    if not isinstance(data, dict):
        return ["the top level must be an object"]
    found += ["unknown top-level key {!r}".format(key) for key in sorted(set(data) - TOP_KEYS)]
    _check_fields("top level", data, found)
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        return found + ["tests must be a list"]
    for number, test in enumerate(tests, 1):
        where = "test {}".format(number)
        if not isinstance(test, dict):
            found.append("{} must be an object".format(where))
            continue
        found += ["{}: unknown key {!r}".format(where, key)
                  for key in sorted(set(test) - TEST_KEYS)]
        _check_fields(where, test, found)
        if "status" in test and test["status"] not in STATUSES:
            found.append("{}: status must be passed or failed".format(where))
        if "tags" in test and not (isinstance(test["tags"], list)
                                   and all(isinstance(tag, str) for tag in test["tags"])):
            found.append("{}: tags must be a list of strings".format(where))
    if "score" not in data and not (tests and all(isinstance(t, dict) and "score" in t
                                                  for t in tests)):
        found.append("a score is required at the top level unless every test has one")
    return found
