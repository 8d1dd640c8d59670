"""Tests of how the Makefile builds user programs: Kiln's own, and foreign ones.

user/user.h declares printf with a format attribute, and Kiln builds with
-Werror, so a printf whose arguments do not match its format is an error
in Kiln's own programs. Programs from elsewhere (xv6's usertests, other
courses' lab programs), named in EXTRA_UPROGS, make the same mistakes all
the time; for them the warning must be shown and the build go on.

The tests build in a scratch copy of the tree through the Makefile's own
rules. They need make and the RISC-V cross compiler.

Run: python3 -m unittest tests.test_userbuild -v
"""

import os
import shutil
import subprocess
import tempfile
import unittest
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CROSS_GCC = "riscv64-unknown-elf-gcc"

# The mistakes foreign programs are full of: %p given a uint64, and an
# argument more than the format asks for.
SLOPPY_MAIN = """\
int
main(int argc, char *argv[])
{
  uint64 where = 0x1000;

  printf("at %p\\n", where);
  printf("%d arguments\\n", argc, argv[0]);
  exit(0);
}
"""

SLOPPY_PROGRAM = '#include "kernel/types.h"\n#include "user/user.h"\n\n' + SLOPPY_MAIN

# What the build leaves behind, which the scratch copy should build afresh.
BUILT_NAMES = {".git", "__pycache__", "logs", "grade-logs", "stripped", ".stage.mk",
               "usys.S", "fs.img", "fs-pristine.img", "kernel.asm"}


def _built(directory: str, names: List[str]) -> List[str]:
    """The names in directory that a build makes (for shutil.copytree's ignore)."""
    ignored = []
    for name in names:
        path = os.path.join(directory, name)
        program = os.path.isfile(path) and os.access(path, os.X_OK) and (
            name.startswith("_") or name in ("kernel", "mkfs"))
        if name in BUILT_NAMES or name.endswith((".o", ".d")) or program:
            ignored.append(name)
    return ignored


@unittest.skipUnless(shutil.which("make") and shutil.which(CROSS_GCC),
                     "needs make and the RISC-V cross compiler")
class UserBuildTests(unittest.TestCase):
    """Build sloppy programs in a scratch copy of the tree."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.scratch = tempfile.mkdtemp(prefix="kiln-userbuild-")
        cls.tree = os.path.join(cls.scratch, "kiln")
        shutil.copytree(ROOT, cls.tree, symlinks=True, ignore=_built)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def make(self, *arguments: str) -> subprocess.CompletedProcess:
        """Run make in the scratch tree; its output (both streams) is in .stdout."""
        return subprocess.run(["make", "--no-print-directory"] + list(arguments),
                              cwd=self.tree, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=300)

    def write_sloppy_program(self, name: str) -> None:
        """Make user/NAME.c the sloppy program (each test uses its own NAME)."""
        with open(os.path.join(self.tree, "user", name + ".c"), "w") as f:
            f.write(SLOPPY_PROGRAM)

    def test_foreign_program_builds_and_shows_the_warnings(self) -> None:
        self.write_sloppy_program("foreign")
        result = self.make("user/_foreign", "EXTRA_UPROGS=foreign")
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertTrue(os.path.isfile(os.path.join(self.tree, "user", "_foreign")))
        self.assertIn("warning:", result.stdout)
        self.assertIn("[-Wformat=]", result.stdout)
        self.assertIn("[-Wformat-extra-args]", result.stdout)
        self.assertNotIn("error:", result.stdout)

    def test_foreign_program_goes_on_the_disk(self) -> None:
        self.write_sloppy_program("ondisk")
        result = self.make("-n", "fs.img", "EXTRA_UPROGS=ondisk")
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("user/stripped/_ondisk", result.stdout)

    def test_without_extra_uprogs_the_same_mistakes_are_errors(self) -> None:
        self.write_sloppy_program("unlisted")
        result = self.make("user/_unlisted")
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("error:", result.stdout)
        self.assertIn("-Werror=format", result.stdout)

    def test_kiln_program_with_the_mistakes_fails(self) -> None:
        self.write_sloppy_program("echo")   # echo is one of Kiln's own programs
        for arguments in ([], ["EXTRA_UPROGS=echo"]):
            with self.subTest(arguments=arguments):
                result = self.make("user/_echo", *arguments)
                self.assertNotEqual(result.returncode, 0, result.stdout)
                self.assertIn("error:", result.stdout)
                self.assertIn("-Werror=format", result.stdout)


if __name__ == "__main__":
    unittest.main()
