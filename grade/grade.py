#!/usr/bin/env python3
"""Grade labs: python3 grade/grade.py [LAB ...] [options], the same program as
python3 -m grade (see grade/cli.py), for Makefiles that name a script.
"""

import os
import sys

if __name__ == "__main__":
    # Python puts this file's folder first on the path, where this file would
    # pass for the grade package itself; the package lives in the folder above.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from grade.cli import main
    sys.exit(main(sys.argv[1:]))
