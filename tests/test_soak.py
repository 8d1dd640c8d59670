"""Tests of tests/soak.py that need no QEMU: its plan, its script, how it reads lines.

The soak itself boots Kiln for minutes: `make soak`, or the `soak` check of
tests/run_tests.py for one minute.

Run: python3 -m unittest tests.test_soak (or `make test`).
"""

import os
import random
import sys
import unittest
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests import soak  # noqa: E402


class PlanTests(unittest.TestCase):

    def test_fresh_seeds_differ_and_every_other_run_shares(self) -> None:
        plan = soak.make_plan(60, 5000, 4, None, random.Random(7))
        seeds = [run.seed for run in plan.runs]
        self.assertEqual(len(set(seeds)), 4)
        self.assertEqual([run.shared for run in plan.runs], [True, False, True, False])
        self.assertEqual(plan, soak.make_plan(60, 5000, 4, None, random.Random(7)))

    def test_given_seeds_replay_in_order(self) -> None:
        plan = soak.make_plan(30, 100, 4, soak.parse_seeds("5,6,7"), random.Random())
        self.assertEqual([(run.seed, run.shared) for run in plan.runs],
                         [(5, True), (6, False), (7, True)])
        self.assertEqual(plan.replay(),
                         "python3 tests/soak.py --seconds 30 --iterations 100 --seeds 5,6,7")
        self.assertEqual(soak.script(plan).decode().splitlines(), [
            "sysfuzz -q -t 30 -s 100 5 &",
            "sysfuzz -q -t 30 100 6 &",
            "sysfuzz -q -t 30 -s 100 7 &",
        ])
        with self.assertRaises(ValueError):
            soak.make_plan(30, 100, 2, [5, 5], random.Random())
        for bad in ("5,x", "-1", str(soak.LARGEST_SEED + 1)):
            with self.assertRaises(ValueError):
                soak.parse_seeds(bad)

    def test_script_lines_fit_the_console_line(self) -> None:
        plan = soak.make_plan(99999, 99999, 2, [soak.LARGEST_SEED, 1], random.Random())
        for line in soak.script(plan).decode().splitlines():
            self.assertLess(len(line), 128)


class LastLineTests(unittest.TestCase):
    """LAST_LINE reads the lines user/sysfuzz.c prints with -t, a prompt before or not."""

    def seeds(self, text: str) -> List[int]:
        return [int(found.group(1) or found.group(2)) for found in soak.LAST_LINE.finditer(text)]

    def test_ok_and_fail_lines_name_the_first_seed(self) -> None:
        text = ("$ $ sysfuzz FAIL: seed 12 (round 3, first seed 10), scratch sysfuzz.9: "
                "cannot create the scratch directory (no free inode?)\n"
                "sysfuzz ok: 45000 calls in 9 rounds, seeds 522-530, scratch sysfuzz.13 "
                "removed, 101 inodes cleaned\n"
                "sysfuzz ok: 5000 calls in 1 rounds, seeds 7-7, scratch sysfuzz.all left to "
                "1 other run\n")
        self.assertEqual(self.seeds(text), [10, 522, 7])

    def test_other_lines_are_not_last_lines(self) -> None:
        text = ("sysfuzz: rounds of 5000 calls for 60 s, seeds from 5 up, shared scratch x\n"
                "sysfuzz ok: 100 calls, seed 5, scratch sysfuzz.3 removed, 2 inodes cleaned\n")
        self.assertEqual(self.seeds(text), [])


if __name__ == "__main__":
    unittest.main()
