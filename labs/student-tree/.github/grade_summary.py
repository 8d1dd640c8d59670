#!/usr/bin/env python3
"""Turn the grader's results.json into a GitHub Actions run summary.

Usage (in .github/workflows/grade.yml): python3 .github/grade_summary.py results.json

It prints the score, appends a table of the tests to the file named by
$GITHUB_STEP_SUMMARY, and sets the step output `result`: the results in the
format of GitHub Classroom's grading reporter (JSON, base64-encoded). A
missing or unreadable results.json is reported as a score of zero with the
reason. The exit status is always 0: the grade step's own status already
says whether every test passed.
"""

import base64
import json
import os
import sys
from typing import Any, Dict, List

# Classroom shows at most this much of a failed test's output.
MESSAGE_LIMIT = 2000


def load(path: str) -> Dict[str, Any]:
    """results.json, or a stand-in that says why there is none."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        return failure("{} was not written: grading stopped before it ended "
                       "(see the log of the Grade step).".format(path))
    except (OSError, ValueError) as error:
        return failure("{} cannot be read: {}".format(path, error))
    if not isinstance(data, dict):
        return failure("{} does not hold a JSON object.".format(path))
    return data


def failure(reason: str) -> Dict[str, Any]:
    """Results that score zero and say why."""
    return {"score": 0, "output": reason, "tests": []}


def number(value: Any) -> str:
    """A score as people write it: 15, 7.5."""
    try:
        return "{:g}".format(float(value))
    except (TypeError, ValueError):
        return "?"


def tests_of(data: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The per-test entries that are well formed."""
    tests = data.get("tests")
    if not isinstance(tests, list):
        return []
    return [test for test in tests if isinstance(test, dict)]


def max_score(data: Dict[str, Any]) -> float:
    """The total points: the file's, else the sum over the tests."""
    if isinstance(data.get("max_score"), (int, float)):
        return float(data["max_score"])
    return float(sum(test.get("max_score", 0) or 0 for test in tests_of(data)))


def summary(data: Dict[str, Any]) -> str:
    """The run summary in Markdown: the score, the tests, the report's text."""
    lines = ["## Score: {} / {}".format(number(data.get("score", 0)),
                                        number(max_score(data))), ""]
    tests = tests_of(data)
    if tests:
        lines += ["| test | result | points |", "| --- | --- | --- |"]
        for test in tests:
            passed = test.get("status") == "passed"
            lines.append("| {} | {} | {} / {} |".format(
                str(test.get("name", "?")).replace("|", "\\|"),
                "passed" if passed else "**failed**",
                number(test.get("score", 0)), number(test.get("max_score", 0))))
        lines.append("")
    output = str(data.get("output", "")).strip()
    if output:
        lines += ["<details><summary>Report</summary>", "", "```",
                  output.replace("```", "'''"), "```", "", "</details>", ""]
    lines.append("The console log of every test is in the artifact "
                 "`grade-logs` of this run.")
    return "\n".join(lines) + "\n"


def classroom(data: Dict[str, Any]) -> Dict[str, Any]:
    """The results as GitHub Classroom's grading reporter reads them."""
    tests = []
    for test in tests_of(data):
        passed = test.get("status") == "passed"
        tests.append({
            "name": str(test.get("name", "?")),
            "status": "pass" if passed else "fail",
            "score": test.get("score", 0) or 0,
            "message": "" if passed else str(test.get("output", ""))[-MESSAGE_LIMIT:],
            "test_code": "make grade",
            "filename": "",
            "line_no": 0,
            "execution_time": "",
        })
    if not tests:
        status = "error"
        tests.append({"name": "grading", "status": "error", "score": 0,
                      "message": str(data.get("output", ""))[-MESSAGE_LIMIT:],
                      "test_code": "make grade", "filename": "", "line_no": 0,
                      "execution_time": ""})
    else:
        status = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    return {"version": 1, "status": status, "max_score": max_score(data),
            "tests": tests}


def append(variable: str, text: str) -> None:
    """Append text to the file that an Actions variable names, if it is set."""
    path = os.environ.get(variable)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(text)


def main(argv: List[str]) -> int:
    path = argv[1] if len(argv) > 1 else "results.json"
    data = load(path)
    print("Score: {} / {}".format(number(data.get("score", 0)), number(max_score(data))))
    append("GITHUB_STEP_SUMMARY", summary(data))
    encoded = base64.b64encode(json.dumps(classroom(data)).encode()).decode()
    append("GITHUB_OUTPUT", "result={}\n".format(encoded))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
