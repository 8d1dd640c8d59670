"""Boot Kiln under QEMU and drive its serial console from Python.

A QemuSession starts one QEMU on a private copy of fs.img (so sessions can run
side by side and no test sees another's files), collects everything the
console prints in a background thread (and appends it to a log file as it
arrives), and offers expect/send/run in the style of a terminal robot.

Waiting never hangs forever: every wait has a time limit and ends with
Timeout; a kernel panic ends it early with KernelPanic; a QEMU that dies ends
it with QemuExited. All three carry the console output seen so far, so a
report can show what the kernel printed before things went wrong.

Example:
    with QemuSession("kernel/kernel", "fs.img", cpus=3, log_path="x.log") as q:
        q.wait_prompt(timeout=60)
        out = q.run("ls", timeout=10)
"""

from __future__ import annotations

import argparse
import atexit
import codecs
import errno
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import BinaryIO, Callable, List, Optional, Sequence, Set, Tuple, Union

from .qemu_version import install_advice

DEFAULT_QEMU = "qemu-system-riscv64"

# The shell's prompt, counted only when it is the last thing printed: then
# the shell is really waiting for input, not merely mentioned in some output.
PROMPT = re.compile(r"\$ \Z")

# How the kernel announces a panic. It may land in the middle of a line that a
# user program had started ("test sbrk: panic: ..."), so it is matched after
# any whitespace, not only at the start of a line.
PANIC = re.compile(r"(?<!\S)panic: [^\n]*")

# After a panic the kernel may still print a few lines (registers, a
# backtrace). Wait until the console has been quiet this long, at most
# PANIC_SETTLE_MAX seconds, so the report has all of it.
PANIC_QUIET = 0.3
PANIC_SETTLE_MAX = 2.0

# The UART hands QEMU one byte at a time, so output arrives in tiny pieces.
# Searching the whole output after each piece would be quadratic; waiting
# this long between searches keeps the cost bounded at a negligible delay.
SEARCH_INTERVAL = 0.01

# Only this much of an unfinished line is kept for the panic scan, so a
# program that prints without newlines does not make each scan longer.
LONGEST_LINE = 4096

# How much console output a session keeps (in memory and in its log); a
# kernel that prints more is cut off with FLOOD_NOTE.
OUTPUT_LIMIT = 16 * 1024 * 1024
FLOOD_NOTE = b"\n[the console printed more than 16 MB; the rest was dropped]\n"

# Seconds that QEMU gets to exit after SIGTERM before it is killed outright.
TERMINATE_GRACE = 2.0

# Bytes copied at a time when a session copies its disk.
COPY_CHUNK = 1 << 20

PatternLike = Union[str, "re.Pattern[str]"]



def add_boot_options(parser: "argparse.ArgumentParser", root: str) -> None:
    """Give a command line the options that say what to boot: --kernel, --fs, --qemu.

    The grader, `make test` and `make bench` all boot the tree's own build by
    default, so they share these options and their defaults.
    """
    parser.add_argument("--kernel", default=os.path.join(root, "kernel", "kernel"),
                        help="kernel to boot (default: kernel/kernel)")
    parser.add_argument("--fs", default=os.path.join(root, "fs.img"),
                        help="file system image (default: fs.img)")
    parser.add_argument("--qemu", default=os.environ.get("QEMU", DEFAULT_QEMU),
                        help="QEMU binary (default: $QEMU or qemu-system-riscv64)")


class QemuError(Exception):
    """Something went wrong with a QEMU session; `output` is the console text."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output

    def tail(self, lines: int = 40) -> str:
        """Return the last `lines` lines of the console output."""
        return tail(self.output, lines)


class Timeout(QemuError):
    """A wait hit its time limit; `pattern` says what was awaited."""

    def __init__(self, message: str, output: str, pattern: str) -> None:
        super().__init__(message, output)
        self.pattern = pattern


class KernelPanic(QemuError):
    """The kernel panicked; `panic_line` is the line that says so."""

    def __init__(self, panic_line: str, output: str) -> None:
        super().__init__("kernel " + panic_line, output)
        self.panic_line = panic_line


class QemuExited(QemuError):
    """QEMU is gone (it exited, or the session was closed) while in use."""


def tail(text: str, lines: int = 40) -> str:
    """Return the last `lines` lines of text."""
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])


def qemu_command(qemu: Union[str, Sequence[str]], kernel: str, disk: str,
                 cpus: int, memory: str = "128M",
                 extra_args: Sequence[str] = (),
                 qmp_socket: Optional[str] = None) -> List[str]:
    """Build the QEMU argument list that boots `kernel` with `disk` as its drive.

    `qemu` is a binary name or a whole command prefix (tests pass a Python
    script there). The serial port is wired to stdin/stdout and the monitor is
    off, so QEMU needs no terminal and every byte on stdin goes to the guest.
    With qmp_socket, QEMU also serves its machine protocol (QMP) on that unix
    socket, through which grade/monitor.py reads the harts' registers.
    """
    prefix = [qemu] if isinstance(qemu, str) else list(qemu)
    qmp = ["-qmp", "unix:{},server=on,wait=off".format(qmp_socket)] if qmp_socket else []
    return prefix + [
        "-machine", "virt", "-bios", "none", "-kernel", kernel,
        "-m", memory, "-smp", str(cpus), "-nographic",
        "-global", "virtio-mmio.force-legacy=false",
        "-drive", "file={},if=none,format=raw,id=x0".format(disk),
        "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
        "-monitor", "none", "-serial", "stdio",
    ] + qmp + list(extra_args)


def _compile(pattern: PatternLike) -> "re.Pattern[str]":
    """A plain string is matched literally; a compiled regex is used as is."""
    if isinstance(pattern, str):
        return re.compile(re.escape(pattern))
    return pattern


def _describe(pattern: PatternLike) -> str:
    """Name a pattern for messages, the way the caller wrote it."""
    if pattern is PROMPT:
        return "the shell prompt '$ '"
    if isinstance(pattern, str):
        return repr(pattern)
    return "a match for regex " + repr(pattern.pattern)


class QemuSession:
    """One running QEMU with Kiln's console at the other end of a pipe.

    Output is matched from a cursor: a successful expect moves the cursor past
    the match, and mark() moves it to the end of the output, so each wait only
    sees what came after the previous one.
    """

    def __init__(self, kernel: str, fs_img: str, cpus: int = 1,
                 log_path: Optional[str] = None,
                 extra_args: Sequence[str] = (),
                 qemu: Union[str, Sequence[str]] = DEFAULT_QEMU,
                 memory: str = "128M",
                 panic_pattern: Optional["re.Pattern[str]"] = PANIC,
                 prepare_disk: Optional[Callable[[str], None]] = None,
                 monitor: bool = False) -> None:
        """Copy fs_img to a private file and boot kernel on it.

        panic_pattern=None turns panic detection off, for tests that want to
        watch a panic happen. prepare_disk, if given, is called with the
        private copy's path before QEMU starts (to add files to it). With
        monitor=True QEMU serves QMP on the unix socket self.monitor_path.
        """
        self.panic_pattern = panic_pattern
        self._cond = threading.Condition()
        self._chunks: List[str] = []
        self._length = 0
        self._cursor = 0
        self._unfinished_line = ""
        self._panic_at: Optional[int] = None
        self._eof = False
        self._closed = False
        self._close_lock = threading.Lock()
        self._log: Optional[BinaryIO] = None
        if not os.path.isfile(kernel):
            raise QemuError("kernel {} not found; build it with `make`".format(kernel))
        self.disk = _private_copy(fs_img)
        self._monitor_dir: Optional[str] = None
        self.monitor_path: Optional[str] = None
        try:
            if prepare_disk is not None:
                prepare_disk(self.disk)
            if monitor:
                # Unix socket paths are limited to about 100 bytes, so the
                # socket gets a short folder of its own in the temp dir.
                self._monitor_dir = tempfile.mkdtemp(prefix="kiln-qmp-")
                self.monitor_path = os.path.join(self._monitor_dir, "qmp")
            self._log = _open_log(log_path)
            self.argv = qemu_command(qemu, kernel, self.disk, cpus, memory, extra_args,
                                     self.monitor_path)
            self.started_at = time.monotonic()
            self._proc = _launch(self.argv)
        except BaseException:
            self._discard_files()
            raise
        _register(self)
        self._reader = threading.Thread(target=self._read_console,
                                        name="qemu-console", daemon=True)
        self._reader.start()

    # ---- the context-manager protocol ----

    def __enter__(self) -> "QemuSession":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- reading the console ----

    def _read_console(self) -> None:
        """Background thread: move QEMU's output into the buffer and the log.

        Past OUTPUT_LIMIT bytes the output is read and dropped, so that a
        kernel that floods its console fills neither memory nor the disk.
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = self._proc.stdout.fileno()
        kept = 0
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if data and kept >= OUTPUT_LIMIT:
                continue
            if data and kept + len(data) >= OUTPUT_LIMIT:
                data = data[:OUTPUT_LIMIT - kept] + FLOOD_NOTE
                kept = OUTPUT_LIMIT
            kept += len(data)
            if self._log is not None and data:
                self._log.write(data)
                self._log.flush()
            # The console may end lines with "\r\n"; patterns should not care.
            text = decoder.decode(data, final=not data).replace("\r", "")
            with self._cond:
                self._scan_for_panic(text)
                self._chunks.append(text)
                self._length += len(text)
                if not data:
                    self._eof = True
                self._cond.notify_all()
            if not data:
                return

    def _scan_for_panic(self, text: str) -> None:
        """Note where the first panic message is, given new output text.

        The new text is scanned together with the unfinished line before it,
        because a panic message may arrive in pieces. Call with the lock held,
        before text joins the output.
        """
        if self.panic_pattern is None or self._panic_at is not None:
            return
        scanned = self._unfinished_line + text
        found = self.panic_pattern.search(scanned)
        if found:
            self._panic_at = self._length - len(self._unfinished_line) + found.start()
            return
        line = scanned[scanned.rfind("\n") + 1:]
        self._unfinished_line = line[-LONGEST_LINE:]

    def _joined(self) -> str:
        """All output as one string (call with the lock held).

        The reader only appends pieces; joining them waits until somebody
        looks, so that a flood of one-byte pieces costs linear time.
        """
        if len(self._chunks) > 1:
            self._chunks = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    @property
    def output(self) -> str:
        """Everything the console has printed so far."""
        with self._cond:
            return self._joined()

    @property
    def panicked(self) -> bool:
        """True once the kernel has printed a panic message."""
        with self._cond:
            return self._panic_at is not None

    def mark(self) -> None:
        """Ignore all output so far in later waits."""
        with self._cond:
            self._cursor = self._length

    # ---- waiting ----

    def expect(self, pattern: PatternLike, timeout: float = 30.0) -> "re.Match[str]":
        """Wait until output after the cursor matches pattern; return the match.

        A str is matched literally, a compiled regex as a regex. The cursor
        moves to the end of the match. Raises Timeout after `timeout` seconds,
        KernelPanic if the kernel panics first, QemuExited if QEMU dies.
        """
        regex = _compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                found = self._search(regex)
                if found:
                    return found
                if self._panic_at is not None:
                    break
                if self._eof:
                    raise QemuExited(self._exit_message(pattern), self._joined())
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    what = _describe(pattern)
                    message = "{} did not appear within {:g} s".format(what, round(timeout, 1))
                    raise Timeout(message, self._joined(), what)
                self._cond.wait(remaining)
            time.sleep(SEARCH_INTERVAL)
        return self._after_panic(regex)

    def _search(self, regex: "re.Pattern[str]") -> Optional["re.Match[str]"]:
        """Match regex after the cursor and advance it (call with the lock held)."""
        found = regex.search(self._joined(), self._cursor)
        if found:
            self._cursor = found.end()
        return found

    def _after_panic(self, regex: "re.Pattern[str]") -> "re.Match[str]":
        """Let the panic report finish, then match one last time or raise KernelPanic."""
        self._settle()
        with self._cond:
            found = self._search(regex)
            if found:
                return found
            start = self._panic_at or 0
            output = self._joined()
            line_end = output.find("\n", start)
            line = output[start:line_end if line_end >= 0 else len(output)]
            raise KernelPanic(line.strip(), output)

    def _settle(self) -> None:
        """Wait until the console is quiet, QEMU has exited, or time is up."""
        give_up = time.monotonic() + PANIC_SETTLE_MAX
        with self._cond:
            seen = self._length
            while not self._eof and time.monotonic() < give_up:
                self._cond.wait(PANIC_QUIET)
                if self._length == seen:
                    return
                seen = self._length

    def _exit_message(self, pattern: PatternLike) -> str:
        """Explain why QEMU is gone (call with the lock held)."""
        if self._closed:
            return "the QEMU session was closed while waiting for " + _describe(pattern)
        try:
            status: Optional[int] = self._proc.wait(timeout=TERMINATE_GRACE)
        except subprocess.TimeoutExpired:
            status = None
        return "QEMU exited with status {} while waiting for {}".format(
            status, _describe(pattern))

    def wait_prompt(self, timeout: float = 30.0) -> "re.Match[str]":
        """Wait until the shell prompt "$ " is the last thing on the console."""
        return self.expect(PROMPT, timeout)

    # ---- typing ----

    def send(self, text: str) -> None:
        """Type text on the console (use "\\n" to end a line)."""
        try:
            self._proc.stdin.write(text.encode())
            self._proc.stdin.flush()
        except (OSError, ValueError) as error:
            raise QemuExited("cannot type into QEMU: it is gone ({})".format(error),
                             self.output) from None

    def run(self, command: str, until: Optional[PatternLike] = None,
            timeout: float = 30.0) -> str:
        """Type a command line and wait for `until` (default: the next prompt).

        Returns the console text from the command's echo to the end of the
        match, so a caller can look for more than the one awaited pattern.
        """
        with self._cond:
            start = self._length
            self._cursor = start
        self.send(command + "\n")
        found = self.expect(PROMPT if until is None else until, timeout)
        return found.string[start:found.end()]

    # ---- ending ----

    def close(self, keep_disk: Optional[str] = None) -> None:
        """Kill QEMU (and anything it started), then delete the private disk.

        With keep_disk, the disk is moved there instead: it holds exactly
        what the kernel had written when QEMU died, as a disk would after a
        power cut. Safe to call more than once and from another thread than
        the one waiting on the session: that wait then ends with QemuExited.
        """
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        _kill_group(self._proc)
        self._reader.join(timeout=5)
        for stream in (self._proc.stdin, self._proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if keep_disk is not None:
            shutil.move(self.disk, keep_disk)
        self._discard_files()
        _unregister(self)

    def _discard_files(self) -> None:
        """Close the log and remove the private disk copy and the monitor socket."""
        if self._log is not None:
            self._log.close()
        try:
            os.unlink(self.disk)
        except FileNotFoundError:
            pass
        if self._monitor_dir is not None:
            shutil.rmtree(self._monitor_dir, ignore_errors=True)

    @property
    def returncode(self) -> Optional[int]:
        """QEMU's exit status, or None while it runs."""
        return self._proc.poll()


def _private_copy(fs_img: str) -> str:
    """Copy fs_img to a fresh temporary file, so this session's writes stay its own."""
    if not os.path.isfile(fs_img):
        raise QemuError("file system image {} not found; build it with `make`".format(fs_img))
    fd, path = tempfile.mkstemp(prefix="kiln-fs-", suffix=".img")
    os.close(fd)
    try:
        sparse_copy(fs_img, path)
    except BaseException:
        os.unlink(path)
        raise
    return path


def sparse_copy(source: str, dest: str) -> None:
    """Copy the file source to dest, leaving holes where source has no data.

    A disk image is mostly blocks never written (mkfs leaves them as holes
    in the file), so copying only the data keeps a private copy of even a
    large disk cheap to make: in time, and in room on the host's disk.
    Chunks of zeros are left as holes too, for a source on a file system
    that cannot say where its holes are.
    """
    with open(source, "rb") as src, open(dest, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        for start, end in _data_ranges(src.fileno(), size):
            src.seek(start)
            position = start
            while position < end:
                chunk = src.read(min(COPY_CHUNK, end - position))
                if not chunk:
                    break
                if chunk.count(0) != len(chunk):
                    dst.seek(position)
                    dst.write(chunk)
                position += len(chunk)
        dst.truncate(size)


def _data_ranges(fd: int, size: int) -> List[Tuple[int, int]]:
    """The (start, end) byte ranges of fd that may hold data, in order.

    Asks the file system with SEEK_DATA and SEEK_HOLE where it can, and
    otherwise takes the whole file as one range.
    """
    if not hasattr(os, "SEEK_DATA"):
        return [(0, size)]
    ranges = []
    position = 0
    try:
        while position < size:
            start = os.lseek(fd, position, os.SEEK_DATA)
            end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
            ranges.append((start, end))
            position = end
    except OSError as error:
        if error.errno != errno.ENXIO:   # ENXIO: no data after position
            return [(0, size)]
    return ranges


def _open_log(log_path: Optional[str]) -> Optional[BinaryIO]:
    """Open (truncate) the session's log file, creating its folder if needed."""
    if log_path is None:
        return None
    folder = os.path.dirname(log_path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    return open(log_path, "wb")


def _launch(argv: List[str]) -> "subprocess.Popen[bytes]":
    """Start QEMU in a session of its own, console on pipes.

    Its own session means its own process group, which close() can kill as
    a whole, and keeps the terminal's Ctrl-C for the Python side to handle.
    """
    try:
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except FileNotFoundError:
        raise QemuError("QEMU ({}) was not found. {}".format(argv[0], install_advice())) from None


def _kill_group(proc: "subprocess.Popen[bytes]") -> None:
    """Terminate the process group led by proc; kill it if it lingers."""
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()
    # Sweep up anything else left in the group, should QEMU have started helpers.
    _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, signum: int) -> None:
    """Send signum to process group pgid, ignoring a group that is already gone."""
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


# ---- every live session, so that none outlives the Python program ----

_live: Set[QemuSession] = set()
_live_lock = threading.Lock()


def _register(session: QemuSession) -> None:
    with _live_lock:
        _live.add(session)


def _unregister(session: QemuSession) -> None:
    with _live_lock:
        _live.discard(session)


def close_all() -> None:
    """Close every session still open (on Ctrl-C, at exit)."""
    with _live_lock:
        sessions = list(_live)
    for session in sessions:
        session.close()


atexit.register(close_all)


def interrupt_on_termination() -> None:
    """Make SIGTERM and SIGHUP raise KeyboardInterrupt, like Ctrl-C does.

    Python skips `finally` blocks and atexit handlers when a signal kills it;
    turning these signals into an exception lets sessions close and QEMUs
    die with their driver. Call from the main thread of a program.
    """
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt("signal {}".format(signum))

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
