"""Kiln's grading package: the library graders import (grade.gradelib), the
command line (python3 -m grade), the reports, the official grading of
submissions (grade.autograder), and the tools around QEMU."""
