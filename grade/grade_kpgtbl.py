#!/usr/bin/env python3
"""Grader for lab 2, kpgtbl: a kernel page table per process.

The vmprint test reads the page table that exec prints for init at boot and
checks it the way the hardware would read it: depths and indices form a
tree, each PTE's physical address is the one printed, and the leaves are
where init's memory, the trapframe and the trampoline must be. The other
tests run user/kpgtbltest, which reads the copyin path counters of the
statistics device, and the usertests, on one hart and on three.
"""

import re
from collections import namedtuple
from typing import List, Tuple

from grade.gradelib import Lab, Run

lab = Lab("kpgtbl")

PGSIZE = 4096
KERNBASE = 0x80000000
PHYSTOP = KERNBASE + 128 * 1024 * 1024
MAXVA = 1 << 38
MAXUVA = MAXVA - (1 << 30)   # 255 GB: all but the last root entry
TRAMPOLINE = MAXVA - PGSIZE
TRAPFRAME = TRAMPOLINE - PGSIZE

PTE_V, PTE_R, PTE_W, PTE_X, PTE_U = 1, 2, 4, 8, 16

HEADER = re.compile(r"^page table (0x[0-9a-f]{16})\s*$", re.MULTILINE)
ENTRY = re.compile(r"^((?: \.\.)+)(\d+): pte (0x[0-9a-f]{16}) pa (0x[0-9a-f]{16})\s*$")

Entry = namedtuple("Entry", "depth index pte pa line")
Leaf = namedtuple("Leaf", "va flags pa")


def printed_tables(run: Run, out: str) -> Tuple[int, List[Entry]]:
    """The lines after the one "page table" header: (root address, entries)."""
    headers = HEADER.findall(out)
    if not headers:
        run.fail("no line \"page table 0x...\" in the boot output: exec must call "
                 "vmprint(p->pagetable) for pid 1, and vmprint must print its header")
    if len(headers) > 1:
        run.fail("the boot output holds %d page tables; exec prints init's only" % len(headers))
    found = HEADER.search(out)
    entries = []
    for line in out[found.end():].lstrip("\r\n").split("\n"):
        match = ENTRY.match(line)
        if not match:
            break
        dots, index, pte, pa = match.groups()
        entries.append(Entry(len(dots) // 3, int(index), int(pte, 16), int(pa, 16), line.strip()))
    if not entries:
        run.fail("no entry lines like \" ..0: pte 0x... pa 0x...\" follow the header:\n" +
                 out[found.start():found.start() + 400])
    return int(found.group(1), 16), entries


def check_entry(run: Run, entry: Entry) -> None:
    if not 0 <= entry.index < 512:
        run.fail("index %d is not 0..511: %r" % (entry.index, entry.line))
    if not entry.pte & PTE_V:
        run.fail("a PTE without PTE_V is printed (only valid entries should be): %r"
                 % entry.line)
    if entry.pa != (entry.pte >> 10) << 12:
        run.fail("pa is not the address in the PTE (PTE2PA): %r" % entry.line)
    if not KERNBASE <= entry.pa < PHYSTOP:
        run.fail("pa is not in RAM: %r" % entry.line)


def walk_tree(run: Run, entries: List[Entry]) -> Tuple[List[Leaf], List[int]]:
    """Check the tree's shape; return the leaves (va, flags, pa) and the table pages."""
    leaves, tables = [], []
    path = []          # indices from the root down to the previous entry
    last_index = {}    # depth -> last index seen under the current parent
    for number, entry in enumerate(entries):
        check_entry(run, entry)
        if entry.depth > len(path) + 1 or (number == 0 and entry.depth != 1):
            run.fail("depth jumps from %d to %d at %r" % (len(path), entry.depth, entry.line))
        if entry.depth > 3:
            run.fail("Sv39 has three levels, but this line is at depth %d: %r"
                     % (entry.depth, entry.line))
        if entry.depth == len(path) + 1 and number > 0:
            previous = entries[number - 1]
            if previous.pte & (PTE_R | PTE_W | PTE_X):
                run.fail("%r is a leaf, yet entries are printed below it" % previous.line)
        path = path[:entry.depth - 1] + [entry.index]
        for deeper in [d for d in last_index if d > entry.depth]:
            del last_index[deeper]
        if last_index.get(entry.depth, -1) >= entry.index:
            run.fail("indices must increase within a table: %r" % entry.line)
        last_index[entry.depth] = entry.index
        is_leaf = entry.pte & (PTE_R | PTE_W | PTE_X)
        following = entries[number + 1] if number + 1 < len(entries) else None
        if entry.depth < 3:
            if is_leaf:
                run.fail("Kiln maps no superpages, but %r is a leaf at depth %d"
                         % (entry.line, entry.depth))
            if following is None or following.depth != entry.depth + 1:
                run.fail("%r points to a page-table page, but none of its entries "
                         "are printed below it" % entry.line)
            tables.append(entry.pa)
        else:
            if not is_leaf:
                run.fail("a PTE at depth 3 must be a leaf (R, W or X set): %r" % entry.line)
            va = (path[0] << 30) | (path[1] << 21) | (path[2] << 12)
            leaves.append(Leaf(va, entry.pte & 0x3FF, entry.pa))
    return leaves, tables


def check_init_memory(run: Run, leaves: List[Leaf]) -> None:
    """init's pages: text and data, a guard page without PTE_U, one stack page."""
    user = [leaf for leaf in leaves if leaf.va < MAXUVA]
    if len(user) < 3:
        run.fail("init has at least text, a guard page and a stack page, but only %d "
                 "user pages are printed" % len(user))
    for number, leaf in enumerate(user):
        if leaf.va != number * PGSIZE:
            run.fail("init's memory is contiguous from address 0, but page %d is at va 0x%x"
                     % (number, leaf.va))
    without_u = [leaf.va for leaf in user if not leaf.flags & PTE_U]
    if without_u != [user[-2].va]:
        run.fail("exactly one user page, the guard page just below the stack, lacks "
                 "PTE_U; here: %s" % (", ".join("0x%x" % va for va in without_u) or "none"))
    stack = user[-1]
    if stack.flags & (PTE_R | PTE_W | PTE_U) != PTE_R | PTE_W | PTE_U:
        run.fail("the stack page (va 0x%x) is not readable and writable by the user"
                 % stack.va)
    if not user[0].flags & PTE_X:
        run.fail("init's text at va 0 is not executable")


def check_top(run: Run, leaves: List[Leaf]) -> None:
    """The trampoline and the trapframe, at the top, kernel-only."""
    top = {leaf.va: leaf for leaf in leaves if leaf.va >= MAXUVA}
    if sorted(top) != [TRAPFRAME, TRAMPOLINE]:
        run.fail("above user memory, a user page table maps the trapframe (0x%x) and the "
                 "trampoline (0x%x) only; printed: %s" % (TRAPFRAME, TRAMPOLINE, ", ".join(
                     "0x%x" % va for va in sorted(top)) or "none"))
    trampoline, trapframe = top[TRAMPOLINE], top[TRAPFRAME]
    if trampoline.flags & (PTE_R | PTE_X | PTE_U) != PTE_R | PTE_X:
        run.fail("the trampoline must be readable and executable, and not a user page")
    if not KERNBASE <= trampoline.pa < KERNBASE + 0x200000:
        run.fail("the trampoline's pa 0x%x is not in the kernel's text" % trampoline.pa)
    if trapframe.flags & (PTE_R | PTE_W | PTE_U) != PTE_R | PTE_W:
        run.fail("the trapframe must be readable and writable, and not a user page")


@lab.test(points=15, title="vmprint: init's page table at boot", timeout=60, cpus=1)
def vmprint(run: Run) -> None:
    run.boot()
    root, entries = printed_tables(run, run.session.output)
    if root % PGSIZE or not KERNBASE <= root < PHYSTOP:
        run.fail("the root 0x%x is not a page of RAM" % root)
    leaves, tables = walk_tree(run, entries)
    pages = [root] + tables + [leaf.pa for leaf in leaves if leaf.va != TRAMPOLINE]
    if len(set(pages)) != len(pages):
        run.fail("the same physical page shows up twice among init's page-table pages "
                 "and memory")
    check_init_memory(run, leaves)
    check_top(run, leaves)
    # Only pid 1's exec prints: the shell's children must not.
    out = run.shell("echo hi")
    run.no_match(r"page table", out)


@lab.test(points=20, title="kpgtbltest direct: copies take the direct path", timeout=60)
def direct(run: Run) -> None:
    run.token_line("kpgtbltest direct: OK", run.shell("kpgtbltest direct"))


@lab.test(points=15, title="kpgtbltest mirror: private, in step with sbrk/exec", timeout=60)
def mirror(run: Run) -> None:
    run.token_line("kpgtbltest mirror: OK", run.shell("kpgtbltest mirror"))


@lab.test(points=10, title="kpgtbltest badptr: bad user pointers give -1", timeout=60)
def badptr(run: Run) -> None:
    run.token_line("kpgtbltest badptr: OK", run.shell("kpgtbltest badptr"))


@lab.test(points=10, title="kpgtbltest leak: 2000 fork/exec/exit, no page lost",
          timeout=120)
def leak(run: Run) -> None:
    run.token_line("kpgtbltest leak: OK", run.shell("kpgtbltest leak 2000"))


lab.usertests(points=5, quick=True, cpus=1)
lab.usertests(points=5, quick=True, cpus=3)
lab.usertests(points=10, quick=False, cpus=1)
lab.usertests(points=10, quick=False, cpus=3)

if __name__ == "__main__":
    lab.main()
