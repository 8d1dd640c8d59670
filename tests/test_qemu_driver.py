"""Tests of grade/qemu.py and grade/qemu_version.py that need no Kiln kernel.

The driver is pointed at a fake QEMU: this very file, run as a script with
the argument "fake-qemu MODE". In each mode it behaves like one situation the
driver must handle: a shell that answers commands, a hung kernel that even
ignores SIGTERM, a QEMU that fails to start, a kernel that panics. One last
test boots real QEMU on a few instructions of RISC-V assembly, when QEMU and
the cross compiler are installed, to check the command line QEMU is given.

Run: python3 -m unittest tests/test_qemu_driver.py (or `make test`).
"""

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import qemu, qemu_version  # noqa: E402
from grade.qemu import KernelPanic, QemuError, QemuExited, QemuSession, Timeout  # noqa: E402

THIS_FILE = os.path.abspath(__file__)
DISK_CONTENT = b"pristine file system image\n"


# ---- the fake QEMU ----

def _say(text: str) -> None:
    """Write to stdout unbuffered, as QEMU's serial port does."""
    os.write(1, text.encode())


def _sleep_forever() -> None:
    while True:
        time.sleep(60)


def _disk_argument(argv: List[str]) -> str:
    """Find the drive's file name in a QEMU command line."""
    drive = argv[argv.index("-drive") + 1]
    return re.search(r"file=([^,]+)", drive).group(1)


def _fake_shell(argv: List[str]) -> None:
    """Boot, scribble on the disk, then answer command lines like Kiln's shell."""
    disk = _disk_argument(argv)
    with open(disk, "r+b") as image:
        image.write(b"scribbled")
    _say("fake kernel booting\ndisk={}\ninit: starting sh\n$ ".format(disk))
    for line in sys.stdin:
        command = line.rstrip("\n")
        _say(command + "\n")
        if command.startswith("echo "):
            _say(command[5:] + "\n")
        elif command == "usertests":
            _say("test one: OK\nALL TESTS PASSED\n")
        elif command == "panic":
            _say("panic: fake trouble\nbacktrace:\n0x0000000080001234\n")
            _sleep_forever()
        elif command == "spawn":
            child = subprocess.Popen(["sleep", "300"])
            _say("child={}\n".format(child.pid))
        _say("$ ")
    _sleep_forever()


def _fake_torrent() -> None:
    """A kernel that prints without end, as fast as it can."""
    line = ("x" * 1023 + "\n").encode()
    while True:
        os.write(1, line * 64)


def _fake_slow_panic() -> None:
    """Panic in the middle of a user's line, then trickle out a backtrace."""
    _say("$ test sbrk: ")
    time.sleep(0.2)
    _say("pan")
    time.sleep(0.1)
    _say("ic: late\n")
    for frame in range(4):
        time.sleep(0.1)
        _say("0x000000008000{:04x}\n".format(frame))
    _sleep_forever()


def _fake_flood() -> None:
    """Print a lot of output one byte at a time, as the UART makes QEMU do."""
    for index in range(100000):
        os.write(1, b"\n" if index % 80 == 79 else b"x")
    _say("END\n")
    _sleep_forever()


def _fake_hang() -> None:
    """A kernel that stops printing, in a QEMU that shrugs off SIGTERM."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _say("fake kernel booting\n")
    _sleep_forever()


def _fake_die() -> None:
    """A QEMU that rejects its command line."""
    sys.stderr.write("fake-qemu: could not load kernel\n")
    sys.stderr.flush()
    sys.exit(3)


def fake_qemu(mode: str, argv: List[str]) -> None:
    """Act out one mode; argv is the QEMU command line the driver built."""
    if argv == ["--version"]:
        _say("QEMU emulator version 7.2.0 (fake)\n")
        return
    actions = {"shell": lambda: _fake_shell(argv), "slow-panic": _fake_slow_panic,
               "flood": _fake_flood, "torrent": _fake_torrent, "hang": _fake_hang,
               "die": _fake_die}
    actions[mode]()


# ---- helpers for the tests ----

def _process_gone(pid: int) -> bool:
    """True if pid no longer runs (a zombie waiting to be reaped counts as gone)."""
    try:
        with open("/proc/{}/stat".format(pid)) as status:
            return status.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


class DriverTestCase(unittest.TestCase):
    """Gives each test a scratch folder with a kernel file and an fs.img."""

    def setUp(self) -> None:
        self.scratch = tempfile.mkdtemp(prefix="kiln-driver-test-")
        self.addCleanup(shutil.rmtree, self.scratch)
        self.kernel = os.path.join(self.scratch, "kernel")
        self.fs_img = os.path.join(self.scratch, "fs.img")
        self.log = os.path.join(self.scratch, "logs", "session.log")
        for path, content in ((self.kernel, b"\x7fELF"), (self.fs_img, DISK_CONTENT)):
            with open(path, "wb") as out:
                out.write(content)

    def start(self, mode: str, **options) -> QemuSession:
        """Start a session on the fake QEMU in `mode`; it is closed after the test."""
        session = QemuSession(self.kernel, self.fs_img, cpus=2, log_path=self.log,
                              qemu=[sys.executable, THIS_FILE, "fake-qemu", mode],
                              **options)
        self.addCleanup(session.close)
        return session


class CommandLineTests(unittest.TestCase):

    def test_command_boots_the_kernel_on_the_given_disk(self) -> None:
        argv = qemu.qemu_command("qemu-x", "k.elf", "/tmp/d.img", 3, extra_args=["-S"])
        self.assertEqual(argv[0], "qemu-x")
        self.assertEqual(argv[-1], "-S")
        text = " ".join(argv)
        for piece in ("-machine virt", "-bios none", "-kernel k.elf", "-m 128M", "-smp 3",
                      "file=/tmp/d.img,if=none,format=raw,id=x0",
                      "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
                      "-monitor none", "-serial stdio"):
            self.assertIn(piece, text)

    def test_command_may_serve_qmp_on_a_socket(self) -> None:
        argv = qemu.qemu_command("qemu-x", "k", "d", 1, qmp_socket="/tmp/q/qmp")
        self.assertIn("-qmp unix:/tmp/q/qmp,server=on,wait=off", " ".join(argv))
        self.assertNotIn("-qmp", qemu.qemu_command("qemu-x", "k", "d", 1))

    def test_command_prefix_may_be_a_list(self) -> None:
        argv = qemu.qemu_command(["python3", "fake"], "k", "d", 1)
        self.assertEqual(argv[:3], ["python3", "fake", "-machine"])


class ConversationTests(DriverTestCase):

    def test_expect_returns_the_match_and_moves_past_it(self) -> None:
        session = self.start("shell")
        found = session.expect(re.compile(r"disk=(\S+)"), timeout=10)
        self.assertEqual(found.group(1), session.disk)
        session.wait_prompt(timeout=10)
        with self.assertRaises(Timeout):
            session.expect("disk=", timeout=0.3)

    def test_run_returns_the_command_output_up_to_the_prompt(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        self.assertEqual(session.run("echo hello", timeout=10), "echo hello\nhello\n$ ")
        self.assertEqual(session.run("echo again", timeout=10), "echo again\nagain\n$ ")

    def test_run_waits_for_a_chosen_pattern(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        output = session.run("usertests", until=re.compile(r"ALL TESTS PASSED"), timeout=10)
        self.assertIn("test one: OK", output)

    def test_output_reaches_the_log_as_it_arrives(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        with open(self.log) as log:
            self.assertIn("fake kernel booting", log.read())

    def test_a_flood_of_tiny_pieces_is_taken_in_stride(self) -> None:
        session = self.start("flood")
        started = time.monotonic()
        session.expect("END", timeout=60)
        self.assertLess(time.monotonic() - started, 20)
        self.assertEqual(len(session.output), 100000 + len("END\n"))

    def test_endless_output_is_cut_off_in_memory_and_in_the_log(self) -> None:
        self.addCleanup(setattr, qemu, "OUTPUT_LIMIT", qemu.OUTPUT_LIMIT)
        qemu.OUTPUT_LIMIT = 200000
        session = self.start("torrent")
        with self.assertRaises(Timeout):
            session.expect("never printed", timeout=2)
        kept = len(session.output)
        self.assertEqual(kept, 200000 + len(qemu.FLOOD_NOTE))
        self.assertTrue(session.output.endswith(qemu.FLOOD_NOTE.decode()))
        session.close()
        self.assertEqual(os.path.getsize(self.log), kept)

    def test_mark_forgets_earlier_output(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        session.mark()
        with self.assertRaises(Timeout):
            session.expect("booting", timeout=0.2)


class FailureTests(DriverTestCase):

    def test_a_hung_kernel_times_out_and_is_killed_keeping_its_output(self) -> None:
        self.addCleanup(setattr, qemu, "TERMINATE_GRACE", qemu.TERMINATE_GRACE)
        qemu.TERMINATE_GRACE = 0.5
        session = self.start("hang")
        # Starting Python may take seconds on a busy machine; the hang comes after.
        session.expect("fake kernel booting", timeout=60)
        with self.assertRaises(Timeout) as caught:
            session.expect("$ ", timeout=1)
        self.assertIn("fake kernel booting", caught.exception.output)
        self.assertIn("'$ '", str(caught.exception))
        session.close()
        self.assertEqual(session.returncode, -signal.SIGKILL)
        with open(self.log) as log:
            self.assertIn("fake kernel booting", log.read())

    def test_a_panic_ends_the_wait_with_the_whole_report(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        started = time.monotonic()
        with self.assertRaises(KernelPanic) as caught:
            session.run("panic", until="ALL TESTS PASSED", timeout=30)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(caught.exception.panic_line, "panic: fake trouble")
        self.assertIn("0x0000000080001234", caught.exception.output)
        self.assertTrue(session.panicked)

    def test_a_panic_in_mid_line_is_seen_and_late_lines_are_kept(self) -> None:
        session = self.start("slow-panic")
        with self.assertRaises(KernelPanic) as caught:
            session.expect("ALL TESTS PASSED", timeout=30)
        self.assertEqual(caught.exception.panic_line, "panic: late")
        self.assertIn("0x0000000080000003", caught.exception.tail(2))

    def test_output_before_a_panic_still_matches(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        session.send("panic\n")
        session.expect("fake trouble", timeout=10)

    def test_panic_detection_can_be_turned_off(self) -> None:
        session = self.start("slow-panic", panic_pattern=None)
        session.expect("0x0000000080000003", timeout=10)
        self.assertFalse(session.panicked)

    def test_a_qemu_that_exits_ends_the_wait_at_once(self) -> None:
        session = self.start("die")
        started = time.monotonic()
        with self.assertRaises(QemuExited) as caught:
            session.wait_prompt(timeout=30)
        self.assertLess(time.monotonic() - started, 10)
        self.assertIn("status 3", str(caught.exception))
        self.assertIn("could not load kernel", caught.exception.output)

    def test_a_missing_qemu_says_how_to_install_it_and_leaves_no_disk(self) -> None:
        disks = os.path.join(self.scratch, "tmp")
        os.mkdir(disks)
        self.addCleanup(setattr, tempfile, "tempdir", tempfile.tempdir)
        tempfile.tempdir = disks
        with self.assertRaises(QemuError) as caught:
            QemuSession(self.kernel, self.fs_img, qemu=os.path.join(self.scratch, "no-qemu"))
        self.assertIn("install", str(caught.exception))
        self.assertEqual(os.listdir(disks), [])

    def test_missing_kernel_or_image_says_to_build(self) -> None:
        for kernel, fs_img in ((self.kernel + ".missing", self.fs_img),
                               (self.kernel, self.fs_img + ".missing")):
            with self.assertRaises(QemuError) as caught:
                QemuSession(kernel, fs_img)
            self.assertIn("make", str(caught.exception))


class CleanupTests(DriverTestCase):

    def test_each_session_gets_a_private_disk_that_close_removes(self) -> None:
        first, second = self.start("shell"), self.start("shell")
        for session in (first, second):
            session.wait_prompt(timeout=10)
        self.assertNotEqual(first.disk, second.disk)
        self.assertNotEqual(first.disk, self.fs_img)
        with open(first.disk, "rb") as copy:
            self.assertTrue(copy.read().startswith(b"scribbled"))
        first.close()
        second.close()
        self.assertFalse(os.path.exists(first.disk))
        self.assertFalse(os.path.exists(second.disk))
        with open(self.fs_img, "rb") as original:
            self.assertEqual(original.read(), DISK_CONTENT)

    def test_prepare_disk_edits_the_private_copy_before_boot(self) -> None:
        seen = []

        def prepare(disk: str) -> None:
            seen.append(disk)
            with open(disk, "ab") as image:
                image.write(b"token\n")

        session = self.start("shell", prepare_disk=prepare)
        session.wait_prompt(timeout=10)
        self.assertEqual(seen, [session.disk])
        with open(session.disk, "rb") as copy:
            self.assertTrue(copy.read().endswith(b"token\n"))
        with open(self.fs_img, "rb") as original:
            self.assertEqual(original.read(), DISK_CONTENT)

    def test_a_failing_prepare_disk_leaves_nothing_behind(self) -> None:
        disks = os.path.join(self.scratch, "tmp")
        os.mkdir(disks)
        self.addCleanup(setattr, tempfile, "tempdir", tempfile.tempdir)
        tempfile.tempdir = disks

        def refuse(disk: str) -> None:
            raise ValueError("no room")

        with self.assertRaises(ValueError):
            self.start("shell", prepare_disk=refuse, monitor=True)
        self.assertEqual(os.listdir(disks), [])

    def test_monitor_socket_is_named_and_removed_on_close(self) -> None:
        session = self.start("shell", monitor=True)
        self.assertIn("unix:{},server=on,wait=off".format(session.monitor_path), session.argv)
        self.assertTrue(os.path.isdir(os.path.dirname(session.monitor_path)))
        session.close()
        self.assertFalse(os.path.exists(os.path.dirname(session.monitor_path)))
        self.assertIsNone(self.start("shell").monitor_path)

    def test_close_kills_the_whole_process_group(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        child = int(re.search(r"child=(\d+)", session.run("spawn", timeout=10)).group(1))
        session.close()
        deadline = time.monotonic() + 5
        while not _process_gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(_process_gone(child))

    def test_leaving_the_with_block_closes_the_session(self) -> None:
        with self.assertRaises(ZeroDivisionError):
            with QemuSession(self.kernel, self.fs_img,
                             qemu=[sys.executable, THIS_FILE, "fake-qemu", "shell"]) as session:
                session.wait_prompt(timeout=10)
                1 / 0
        self.assertIsNotNone(session.returncode)
        self.assertFalse(os.path.exists(session.disk))

    def test_close_from_another_thread_ends_a_wait_and_typing(self) -> None:
        session = self.start("shell")
        session.wait_prompt(timeout=10)
        qemu.close_all()
        with self.assertRaises(QemuExited) as caught:
            session.expect("never printed", timeout=10)
        self.assertIn("closed", str(caught.exception))
        with self.assertRaises(QemuExited):
            session.send("echo too late\n")
        session.close()


class SparseCopyTests(unittest.TestCase):
    """A session's private disk is a sparse copy: same bytes, holes left as holes."""

    def setUp(self) -> None:
        self.scratch = tempfile.mkdtemp(prefix="kiln-sparse-test-")
        self.addCleanup(shutil.rmtree, self.scratch, True)

    def make_sparse(self, path: str, size: int, pieces: List[int]) -> bytes:
        """A file of size bytes, holes but for 4 KB of data at each offset in pieces."""
        with open(path, "wb") as image:
            for offset in pieces:
                image.seek(offset)
                image.write(bytes([offset % 251 + 1]) * 4096)
            image.truncate(size)
        with open(path, "rb") as image:
            return image.read()

    def test_the_copy_has_the_same_bytes_and_size(self) -> None:
        source, dest = (os.path.join(self.scratch, name) for name in ("a.img", "b.img"))
        size = 64 * 1024 * 1024 + 3000
        content = self.make_sparse(source, size, [0, 5 * 1024 * 1024, size - 4096])
        qemu.sparse_copy(source, dest)
        with open(dest, "rb") as copy:
            self.assertEqual(copy.read(), content)

    def test_holes_stay_holes(self) -> None:
        source, dest = (os.path.join(self.scratch, name) for name in ("a.img", "b.img"))
        self.make_sparse(source, 64 * 1024 * 1024, [1024 * 1024])
        qemu.sparse_copy(source, dest)
        allocated = os.stat(dest).st_blocks * 512
        self.assertLess(allocated, 1024 * 1024, "the copy is not sparse")

    def test_zeros_written_out_become_holes_too(self) -> None:
        source, dest = (os.path.join(self.scratch, name) for name in ("a.img", "b.img"))
        with open(source, "wb") as image:
            image.write(bytes(8 * 1024 * 1024) + b"end")
        qemu.sparse_copy(source, dest)
        with open(dest, "rb") as copy:
            self.assertEqual(copy.read(), bytes(8 * 1024 * 1024) + b"end")
        self.assertLess(os.stat(dest).st_blocks * 512, 1024 * 1024)


class RunnerTests(DriverTestCase):
    """tests/run_tests.py's usertests check and report, against the fake QEMU."""

    def setUp(self) -> None:
        super().setUp()
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        self.addCleanup(sys.path.remove, os.path.join(ROOT, "tests"))
        import run_tests
        self.runner = run_tests
        self.addCleanup(setattr, run_tests, "LOG_DIR", run_tests.LOG_DIR)
        run_tests.LOG_DIR = os.path.join(self.scratch, "logs")
        self.settings = run_tests.Settings(
            self.kernel, self.fs_img, [sys.executable, THIS_FILE, "fake-qemu", "shell"], None)

    def run_usertests_check(self, arguments: str):
        check = self.runner.Check("fake", "", 30, self.runner.usertests_check(1, arguments))
        return self.runner.run_check(check, self.settings)

    def test_passing_usertests_pass(self) -> None:
        result = self.run_usertests_check("")
        self.assertTrue(result.passed, result.reason)
        self.assertRegex(self.runner.format_result(result), r"^PASS fake \(\d+\.\ds\)\n    log: ")

    def test_usertests_that_return_to_the_shell_fail_with_the_output(self) -> None:
        result = self.run_usertests_check("-q")
        self.assertFalse(result.passed)
        report = self.runner.format_result(result)
        self.assertRegex(report, r"^FAIL fake \(\d+\.\ds\): `usertests -q` failed")
        self.assertIn("    | $ usertests -q", report)

    def test_select_matches_parts_of_names(self) -> None:
        names = [check.name for check in self.runner.select(self.runner.CHECKS, ["quick"])]
        self.assertEqual(names, ["usertests-quick"])


class VersionTests(unittest.TestCase):

    def setUp(self) -> None:
        self.scratch = tempfile.mkdtemp(prefix="kiln-version-test-")
        self.addCleanup(shutil.rmtree, self.scratch)

    def fake_binary(self, version_line: str) -> str:
        """Make an executable that prints version_line for --version."""
        path = os.path.join(self.scratch, "qemu-system-riscv64")
        with open(path, "w") as script:
            script.write("#!/bin/sh\necho '{}'\n".format(version_line))
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        return path

    def test_parse_version(self) -> None:
        self.assertEqual(qemu_version.parse_version(
            "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7)"), (7, 2, 22))
        self.assertEqual(qemu_version.parse_version("QEMU emulator version 8.0"), (8, 0, 0))
        self.assertIsNone(qemu_version.parse_version("no numbers here"))

    def test_new_enough_qemu_is_fine(self) -> None:
        self.assertIsNone(qemu_version.problem(self.fake_binary("QEMU emulator version 6.2.0")))

    def test_old_qemu_is_refused_with_advice(self) -> None:
        message = qemu_version.problem(self.fake_binary("QEMU emulator version 5.2.0"))
        self.assertIn("6.2", message)
        self.assertIn("install", message)

    def test_missing_qemu_is_refused_with_advice(self) -> None:
        message = qemu_version.problem(os.path.join(self.scratch, "absent"))
        self.assertIn("not found", message)
        self.assertIn("install", message)

    def test_command_line_is_silent_on_success(self) -> None:
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "grade", "qemu_version.py"),
             self.fake_binary("QEMU emulator version 7.2.0")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual((result.returncode, result.stdout), (0, b""))


# A few instructions that print a prompt and then echo every byte typed, on
# each hart: enough of a "kernel" to show that real QEMU accepts our options.
TINY_KERNEL = """
    .globl _start
_start:
    li t0, 0x10000000
    la t1, greeting
1:  lbu t2, 0(t1)
    beqz t2, 2f
    sb t2, 0(t0)
    addi t1, t1, 1
    j 1b
2:  lbu t2, 5(t0)
    andi t2, t2, 1
    beqz t2, 2b
    lbu t2, 0(t0)
    sb t2, 0(t0)
    j 2b
greeting:
    .asciz "tiny kernel\\n$ "
"""
CROSS_GCC = "riscv64-unknown-elf-gcc"


@unittest.skipUnless(shutil.which(qemu.DEFAULT_QEMU) and shutil.which(CROSS_GCC),
                     "needs qemu-system-riscv64 and riscv64-unknown-elf-gcc")
class RealQemuTests(DriverTestCase):

    def build_tiny_kernel(self) -> None:
        source = os.path.join(self.scratch, "tiny.S")
        with open(source, "w") as out:
            out.write(TINY_KERNEL)
        subprocess.run([CROSS_GCC, "-march=rv64imac", "-mabi=lp64", "-nostdlib",
                        "-Wl,-Ttext=0x80000000", "-o", self.kernel, source],
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        with open(self.fs_img, "wb") as image:
            image.truncate(1024 * 1024)

    def test_real_qemu_boots_and_echoes(self) -> None:
        self.build_tiny_kernel()
        with QemuSession(self.kernel, self.fs_img, cpus=1, log_path=self.log) as session:
            session.wait_prompt(timeout=30)
            self.assertEqual(session.run("hi", until="hi\n", timeout=30), "hi\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["fake-qemu"]:
        fake_qemu(sys.argv[2], sys.argv[3:])
    else:
        unittest.main()
