"""Tests of the user library's printf (user/printf.c), run on the host.

user/printf.c is compiled with the host's C compiler, its names moved
aside (kiln_printf, kiln_write, ...) so that they do not meet the C
library's, and linked with a generated program that prints a list of
cases. Python's own %-formatting is the reference: like a C library, it
prints %f as the exact value of the double rounded half to even.

Run: python3 -m unittest tests.test_userprintf -v
"""

import math
import os
import random
import shutil
import struct
import subprocess
import tempfile
import unittest
from typing import List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST_CC = shutil.which("gcc") or shutil.which("cc")

RENAMED = ["printf", "fprintf", "write", "memset", "strlen"]

# What user/printf.c needs from the rest of the user library and the kernel.
SUPPORT = """\
#include <unistd.h>
int kiln_write(int fd, const void *buf, int n) { return write(fd, buf, n); }
void *kiln_memset(void *dst, int c, unsigned n)
{
  char *d = dst;
  while (n-- > 0)
    *d++ = c;
  return dst;
}
unsigned kiln_strlen(const char *s)
{
  unsigned n = 0;
  while (s[n])
    n++;
  return n;
}
"""

# A case is a format, its C arguments, and what printf must print.
Case = Tuple[str, str, str]

FLOAT_FORMATS = ["%f", "%.0f", "%.1f", "%.2f", "%.3f", "%.10f", "%.17f", "%12.4f",
                 "%-12.2f|", "%012.3f", "%.40f"]

EDGE_VALUES = [0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 0.05, 0.15, 0.25,
               0.35, 2.675, 1.005, 4.35, 9.9999999, 999999.9999995, 3.14159, -3.14159,
               0.1, 1e16, 1e22, 1e23, 123456789.987654321, 1e300, -1e-300, 5e-324,
               2.2250738585072014e-308, 1.7976931348623157e308]


def c_double(value: float) -> str:
    """value as a C expression that means exactly the same double."""
    return "(double)" + value.hex()


def float_cases() -> List[Case]:
    """Edge values and seeded random doubles, in every float format."""
    chance = random.Random(2024)
    values = list(EDGE_VALUES)
    while len(values) < 120:
        bits = chance.getrandbits(64)
        value = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if math.isfinite(value):
            values.append(value)
    values += [chance.uniform(-1000, 1000) for _ in range(60)]
    values += [chance.randint(-10 ** 6, 10 ** 6) / 1000 for _ in range(60)]
    values += [chance.randint(0, 1000) / 8 for _ in range(30)]
    return [(fmt, c_double(value), fmt % value) for value in values for fmt in FLOAT_FORMATS]


def special_cases() -> List[Case]:
    """inf and nan, which take no zero padding."""
    return [
        ("%f", "__builtin_inf()", "inf"),
        ("%f", "-__builtin_inf()", "-inf"),
        ("%f", "__builtin_nan(\"\")", "nan"),
        ("%.2f", "-__builtin_nan(\"\")", "nan"),
        ("%6.1f|", "__builtin_inf()", "   inf|"),
        ("%-6f|", "-__builtin_inf()", "-inf  |"),
        ("%08f", "__builtin_inf()", "     inf"),
    ]


def other_cases() -> List[Case]:
    """Integers, strings, characters and pointers, with flags and widths."""
    return [
        ("%d", "0", "0"),
        ("%d", "-2147483647 - 1", "-2147483648"),
        ("%5d|", "42", "   42|"),
        ("%-5d|", "42", "42   |"),
        ("%05d", "-42", "-0042"),
        ("%.3d", "7", "007"),
        ("%u", "4294967295U", "4294967295"),
        ("%x", "255", "ff"),
        ("%08x", "48879", "0000beef"),
        ("%ld", "-9223372036854775807L - 1", "-9223372036854775808"),
        ("%lu", "18446744073709551615UL", "18446744073709551615"),
        ("%lld", "123456789012LL", "123456789012"),
        ("%lx", "0xdeadbeefcafeUL", "deadbeefcafe"),
        ("%-*s|%*d|", "6, \"ab\", 4, 7", "ab    |   7|"),
        ("%s", "\"hello\"", "hello"),
        ("%-14s|", "\"README\"", "README        |"),
        ("%14s|", "\"README\"", "        README|"),
        ("%.3s|", "\"abcdef\"", "abc|"),
        ("%s", "(char *)0", "(null)"),
        ("%c%c", "'o', 'k'", "ok"),
        ("%3c|", "'y'", "  y|"),
        ("%p", "(void *)0x1234", "0x0000000000001234"),
        ("100%%", "", "100%"),
        ("%q", "", "%q"),
        ("%lq", "", "%lq"),
        ("ends in %", "", "ends in %"),
    ]


def harness(cases: List[Case]) -> str:
    """A C program that prints every case on a line of its own."""
    calls = []
    for fmt, arguments, _ in cases:
        call = 'kiln_fprintf(1, "%s\\n"' % fmt
        calls.append("  %s%s);" % (call, ", " + arguments if arguments else ""))
    return ("void kiln_fprintf(int fd, const char *fmt, ...);\n"
            "int main(void)\n{\n" + "\n".join(calls) + "\n  return 0;\n}\n")


@unittest.skipUnless(HOST_CC, "needs a host C compiler")
class UserPrintfTests(unittest.TestCase):
    """user/printf.c against Python's formatting."""

    def run_cases(self, cases: List[Case]) -> None:
        with tempfile.TemporaryDirectory(prefix="kiln-printf-") as scratch:
            def path(name: str) -> str:
                return os.path.join(scratch, name)
            with open(path("support.c"), "w") as f:
                f.write(SUPPORT)
            with open(path("cases.c"), "w") as f:
                f.write(harness(cases))
            renames = ["-D%s=kiln_%s" % (name, name) for name in RENAMED]
            subprocess.run([HOST_CC, "-O2", "-w", "-I" + ROOT] + renames +
                           ["-c", os.path.join(ROOT, "user", "printf.c"), "-o", path("printf.o")],
                           check=True)
            subprocess.run([HOST_CC, "-O0", "-w", path("cases.c"), path("support.c"),
                            path("printf.o"), "-o", path("cases")], check=True)
            output = subprocess.run([path("cases")], stdout=subprocess.PIPE,
                                    universal_newlines=True, check=True).stdout
        printed = output.split("\n")
        self.assertEqual(len(printed), len(cases) + 1, "one line per case")
        for (fmt, arguments, expected), got in zip(cases, printed):
            self.assertEqual(got, expected, "printf(\"%s\", %s)" % (fmt, arguments))

    def test_float(self) -> None:
        self.run_cases(float_cases())

    def test_inf_and_nan(self) -> None:
        self.run_cases(special_cases())

    def test_other_conversions(self) -> None:
        self.run_cases(other_cases())


if __name__ == "__main__":
    unittest.main()
