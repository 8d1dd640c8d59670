"""Ask a running QEMU where each hart is: registers and a frame-pointer walk.

QEMU serves its machine protocol (QMP) on a unix socket when started with
`-qmp unix:PATH,server=on,wait=off` (QemuSession(monitor=True) does so).
QMP speaks JSON, one message a line, and runs any human monitor command on
a chosen CPU, so no terminal echo has to be picked apart:

    with Monitor(session.monitor_path) as monitor:
        monitor.stop()
        for hart in monitor.harts():
            regs = monitor.registers(hart)          # {"pc": ..., "ra": ..., ...}
            word = monitor.read_virtual(regs["satp"], regs["s0"] - 8)

walk_stack() then follows the kernel's frame pointers (Kiln is built with
-fno-omit-frame-pointer) through the hart's page table, which gives a
backtrace of a hung or panicked kernel without any help from the kernel.
"""

import json
import re
import socket
from typing import Callable, Dict, List, Optional

# Register names as `info registers` prints them ("x1/ra"), mapped to their ABI name.
REGISTER = re.compile(r"\b(?:x\d+/)?([a-z][a-z0-9]*)\s+([0-9a-fA-F]{16})\b")
# `x /1gx ADDR` answers "ADDR: 0xVALUE", or "... Cannot access memory".
MEMORY_WORD = re.compile(r"^[0-9a-fA-F]+: 0x([0-9a-fA-F]+)", re.MULTILINE)

SATP_SV39 = 8
PAGE_SHIFT = 12
PTE_V, PTE_R, PTE_X = 1 << 0, 1 << 1, 1 << 3

# A kernel stack holds at most this many frames worth showing.
MAX_FRAMES = 24
# Frames of one stack lie within this many bytes of each other; a saved frame
# pointer further away is garbage, not a frame.
MAX_FRAME_DISTANCE = 64 * 1024


class MonitorError(Exception):
    """QEMU's monitor could not be reached or refused a command."""


class Monitor:
    """A QMP connection to one QEMU."""

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.settimeout(timeout)
        try:
            self._socket.connect(path)
            self._stream = self._socket.makefile("rwb")
            self._receive()  # the greeting
            self.command("qmp_capabilities")
        except (OSError, ValueError) as error:
            self._socket.close()
            raise MonitorError("cannot talk to QEMU's monitor at {}: {}".format(path, error))

    def __enter__(self) -> "Monitor":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._stream.close()
        except (OSError, AttributeError):
            pass
        self._socket.close()

    def _receive(self) -> dict:
        line = self._stream.readline()
        if not line:
            raise MonitorError("QEMU closed its monitor")
        return json.loads(line)

    def command(self, name: str, **arguments: object) -> object:
        """Run one QMP command and return its result (events are skipped)."""
        message: Dict[str, object] = {"execute": name}
        if arguments:
            message["arguments"] = arguments
        try:
            self._stream.write(json.dumps(message).encode() + b"\n")
            self._stream.flush()
            while True:
                reply = self._receive()
                if "return" in reply:
                    return reply["return"]
                if "error" in reply:
                    raise MonitorError("QEMU refused {}: {}".format(
                        name, reply["error"].get("desc", reply["error"])))
        except (OSError, ValueError) as error:
            raise MonitorError("QEMU's monitor stopped answering: {}".format(error))

    def human(self, command_line: str, cpu: Optional[int] = None) -> str:
        """Run a human monitor command (as typed at `(qemu)`), on a chosen CPU."""
        arguments: Dict[str, object] = {"command-line": command_line}
        if cpu is not None:
            arguments["cpu-index"] = cpu
        return str(self.command("human-monitor-command", **arguments))

    def stop(self) -> None:
        """Pause every hart, so that all registers are read at one moment."""
        self.command("stop")

    def harts(self) -> List[int]:
        """The CPU indices of the machine's harts."""
        return sorted(cpu["cpu-index"] for cpu in self.command("query-cpus-fast"))

    def registers(self, cpu: int) -> Dict[str, int]:
        """The integer registers and CSRs of one hart by name ("pc", "ra", "s0", "satp"...)."""
        text = self.human("info registers", cpu)
        return {name: int(value, 16) for name, value in REGISTER.findall(text)}

    def read_physical(self, address: int) -> Optional[int]:
        """The 64-bit word at a physical address, or None outside RAM and devices."""
        found = MEMORY_WORD.search(self.human("xp /1gx 0x{:x}".format(address)))
        return int(found.group(1), 16) if found else None

    def read_virtual(self, satp: int, address: int) -> Optional[int]:
        """The 64-bit word at a virtual address under page table satp, or None if unmapped.

        QEMU's own `x` translates with the hart's current privilege mode,
        which is no help for a hart caught in a machine-mode handler (no
        translation there), so the page table is walked here.
        """
        physical = translate(self.read_physical, satp, address)
        return None if physical is None else self.read_physical(physical)


def translate(read_physical: Callable[[int], Optional[int]], satp: int,
              address: int) -> Optional[int]:
    """The physical address of a virtual one under satp (Sv39), or None if unmapped."""
    if satp >> 60 == 0:
        return address  # no translation
    if satp >> 60 != SATP_SV39:
        return None
    table = (satp & ((1 << 44) - 1)) << PAGE_SHIFT
    for level in (2, 1, 0):
        index = (address >> (PAGE_SHIFT + 9 * level)) & 0x1ff
        pte = read_physical(table + 8 * index)
        if pte is None or not pte & PTE_V:
            return None
        base = (pte >> 10) << PAGE_SHIFT
        if pte & (PTE_R | PTE_X):
            # A leaf; above level 0 it maps a whole megapage or gigapage.
            return base | (address & ((1 << (PAGE_SHIFT + 9 * level)) - 1))
        table = base
    return None


def interrupted_pc(registers: Dict[str, int], same_function: Callable[[int, int], bool]
                   ) -> Optional[int]:
    """If the hart is inside its machine-mode trap handler, where it was interrupted.

    QEMU stops harts when they take an interrupt, so a hart in a loop is
    often caught at the machine-mode timer handler (mtvec); what matters is
    the code it interrupted, at mepc. That handler keeps ra and s0 intact.
    """
    vector = registers.get("mtvec", 0) & ~3
    pc = registers.get("pc", 0)
    if vector and (pc == vector or same_function(pc, vector)):
        return registers.get("mepc")
    return None


def walk_stack(registers: Dict[str, int], read_word: Callable[[int], Optional[int]],
               is_code: Callable[[int], bool],
               same_function: Callable[[int, int], bool]) -> List[int]:
    """The return addresses of a hart's kernel stack, innermost first.

    Each frame keeps the caller's return address at fp-8 and the caller's
    frame pointer at fp-16. Two kinds of function break that rule at the top
    of the stack, so the first frame gets a second look:
    - a leaf function saves only the frame pointer, at fp-8 (what is found
      there is then a stack address, not code), and its caller's return
      address is still in ra;
    - a function without any frame (a tight loop, say) leaves s0 pointing at
      its caller's frame, so ra holds the one return address the walk would
      miss. It is told apart from a stale ra by lying in another function.
    """
    pc, fp, ra = registers.get("pc", 0), registers.get("s0", 0), registers.get("ra", 0)
    frames: List[int] = []
    if not is_code(pc):
        return frames
    saved_ra = read_word(fp - 8) if fp else None
    if saved_ra is not None and not is_code(saved_ra) and _next_frame(fp, saved_ra):
        # A leaf: fp-8 holds the caller's frame pointer.
        if is_code(ra):
            frames.append(ra)
        fp = saved_ra
    elif is_code(ra) and ra != saved_ra and not same_function(ra, pc):
        frames.append(ra)
    while fp and len(frames) < MAX_FRAMES:
        saved_ra, saved_fp = read_word(fp - 8), read_word(fp - 16)
        if saved_ra is None or not is_code(saved_ra):
            break
        frames.append(saved_ra)
        if saved_fp is None or not _next_frame(fp, saved_fp):
            break
        fp = saved_fp
    return frames


def _next_frame(fp: int, candidate: int) -> bool:
    """Whether candidate can be the frame pointer of the caller of frame fp."""
    return candidate % 8 == 0 and fp < candidate <= fp + MAX_FRAME_DISTANCE
