"""Check that a usable QEMU is installed, and say how to get one if not.

Usage: python3 grade/qemu_version.py [qemu-binary]

The Makefile runs this before `make qemu` so that a missing or too-old QEMU
gives one plain sentence instead of a confusing error from deep inside QEMU.
It prints nothing when all is well, and exits 1 with instructions otherwise.
"""

import os
import re
import shutil
import subprocess
import sys
from typing import Optional, Tuple

DEFAULT_QEMU = "qemu-system-riscv64"

# 6.2 is the oldest release whose virt machine and virtio-mmio options match
# the command line that the Makefile and the test driver use.
MINIMUM_VERSION = (6, 2)


def install_advice() -> str:
    """Return the command that installs QEMU on this kind of machine."""
    if sys.platform == "darwin":
        return "Install it with: brew install qemu"
    return ("On Debian or Ubuntu install it with: "
            "sudo apt-get install qemu-system-misc")


def parse_version(text: str) -> Optional[Tuple[int, ...]]:
    """Extract (major, minor, micro) from `qemu --version` output, or None."""
    found = re.search(r"version (\d+)\.(\d+)(?:\.(\d+))?", text)
    if not found:
        return None
    return tuple(int(part) for part in found.groups("0"))


def find_binary(qemu: str) -> Optional[str]:
    """Resolve qemu like the shell would: a path as given, a bare name via PATH."""
    if os.sep in qemu:
        return qemu if os.access(qemu, os.X_OK) else None
    return shutil.which(qemu)


def problem(qemu: str = DEFAULT_QEMU) -> Optional[str]:
    """Describe what is wrong with the QEMU binary `qemu`, or None if it is fine."""
    path = find_binary(qemu)
    if path is None:
        return "QEMU ({}) was not found. {}".format(qemu, install_advice())
    try:
        result = subprocess.run([path, "--version"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return "Could not run {} --version ({}). {}".format(path, error, install_advice())
    version = parse_version(result.stdout.decode(errors="replace"))
    if version is None:
        return "Could not tell which version {} is. {}".format(path, install_advice())
    if version < MINIMUM_VERSION:
        return "{} is version {}, but Kiln needs QEMU {} or newer. {}".format(
            path, ".".join(map(str, version)),
            ".".join(map(str, MINIMUM_VERSION)), install_advice())
    return None


def main(argv: list) -> int:
    """Command-line entry: exit status 0 if QEMU is usable, else 1 with advice."""
    qemu = argv[1] if len(argv) > 1 else DEFAULT_QEMU
    trouble = problem(qemu)
    if trouble:
        print(trouble, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
