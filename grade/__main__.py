"""python3 -m grade: the grader's command line (see grade/cli.py)."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
