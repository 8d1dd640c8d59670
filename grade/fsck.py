#!/usr/bin/env python3
"""Check a Kiln file system image for consistency, the way fsck would.

The kernel's log makes every file system call all or nothing, so an image is
consistent after any crash once its log is installed (Image does that, as
the kernel's recovery does at boot). This checker says whether that holds:

- every directory entry names an allocated inode, and every directory has
  "." (itself) and ".." (the directory that contains it; the root's names
  the root) and is contained in one directory only;
- every inode in use is reachable from the root. What is not is reported
  once per detached piece: an inode with the number of inodes below it, so
  that a directory cut off with its contents is one problem, not one per
  file in it;
- every inode's link count is the number of entries that name it from
  other directories (a directory's own "." does not count, the root counts
  one extra link for being the root, and a removed directory's ".." no
  longer counts for its old parent);
- every block an inode uses lies in the data area, and no two uses share it;
- the free bitmap marks exactly the metadata blocks and the blocks in use.

One kind of unreachable inode is not a problem: an orphan, an inode with
no links that a process still had open (a file, or an empty directory as
its working directory) when the machine stopped. Like xv6, Kiln does not
reclaim orphans at boot, so they are counted, not reported. An unreachable
inode that still has links, or a removed directory that still holds
entries, is damage.

The block layout follows the image's magic (grade/fsimage.py): 12 direct
blocks and one singly-indirect block, or, in the large-file layout, 11
direct blocks, a singly- and a doubly-indirect block.

Usage: python3 grade/fsck.py fs.img   (exit status 0 when consistent)
"""

import os
import struct
import sys
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import fsimage  # noqa: E402

T_DEVICE = 3
T_SYMLINK = 4
TYPE_NAMES = {fsimage.T_DIR: "directory", fsimage.T_FILE: "file", T_DEVICE: "device",
              T_SYMLINK: "symbolic link"}
MAX_PROBLEMS = 20

Inode = List[int]      # the fields of struct dinode: type, major, minor, nlink, size, addrs
Entry = Tuple[int, bytes]  # (inum, name) of a directory entry in use


class Report(NamedTuple):
    """What a check found: problems (empty when consistent) and figures."""
    problems: List[str]
    inodes_in_use: int
    blocks_in_use: int
    orphans: int
    blocks_from_log: int


class Tree(NamedTuple):
    """What the directories say: each one's entries, and where each inode is named."""
    entries: Dict[int, List[Entry]]       # directory inum -> its entries but "." and ".."
    dots: Dict[int, Dict[bytes, int]]     # directory inum -> {".": inum, "..": inum} found
    containers: Dict[int, List[int]]      # inum -> the directories whose entries name it


def check(image_path: str) -> Report:
    """Check the image at image_path (it is only read); see the module docstring."""
    with open(image_path, "rb") as handle:
        image = fsimage.Image(handle)
        inodes = _allocated_inodes(image)
        tree, entry_problems = _read_directories(image, inodes)
        reachable, paths = _walk_from_root(inodes, tree)
        orphans, unreachable_problems = _check_unreachable(inodes, tree, reachable)
        problems = (entry_problems + unreachable_problems
                    + _check_dots(inodes, tree, paths)
                    + _check_link_counts(inodes, tree))
        owners = _check_blocks(image, inodes, problems)
        _check_bitmap(image, owners, problems)
        if len(problems) > MAX_PROBLEMS:
            problems = problems[:MAX_PROBLEMS] + ["... and {} more problems".format(
                len(problems) - MAX_PROBLEMS)]
        return Report(problems, len(inodes), len(owners), orphans, image.blocks_from_log)


def _allocated_inodes(image: fsimage.Image) -> Dict[int, Inode]:
    """The fields of every inode in use (type not 0), by inode number."""
    inodes = {}
    for inum in range(1, image.ninodes):
        fields = image.read_inode(inum)
        if fields[0] != 0:
            inodes[inum] = fields
    return inodes


def _describe(inum: int, inode: Inode) -> str:
    """'directory 7', 'file 12': an inode named by its type."""
    return "{} {}".format(TYPE_NAMES.get(inode[0], "inode"), inum)


def _show_name(name: bytes) -> str:
    """A directory entry's name, quoted, with odd bytes as escapes: 'a\\x01b'."""
    return repr(name)[1:]


# ---- directories ----

class BlockMap(NamedTuple):
    """The blocks an inode uses: its data in file order, and its indirect blocks."""
    data: List[int]
    indirect: List[int]


def _in_data_area(image: fsimage.Image, block: int) -> bool:
    return image.size - image.nblocks <= block < image.size


def _walk_indirect(image: fsimage.Image, block: int, level: int, found: BlockMap) -> None:
    """Add the tree of indirect blocks rooted at block (level 1: addresses of data)."""
    found.indirect.append(block)
    if not _in_data_area(image, block):
        return  # reported as outside the data area; its contents mean nothing
    entries = struct.unpack("<{}I".format(fsimage.PER_BLOCK), image.read_block(block))
    for entry in entries:
        if entry and level == 1:
            found.data.append(entry)
        elif entry:
            _walk_indirect(image, entry, level - 1, found)


def _block_map(image: fsimage.Image, inode: Inode) -> BlockMap:
    """Follow an inode's addresses as the image's layout says."""
    layout = image.layout
    addrs = inode[5:]
    found = BlockMap([block for block in addrs[:layout.direct] if block], [])
    for slot, level in enumerate(layout.levels, layout.direct):
        if addrs[slot]:
            _walk_indirect(image, addrs[slot], level, found)
    return found


def _data_blocks(image: fsimage.Image, inode: Inode) -> List[int]:
    """An inode's data blocks in file order."""
    return _block_map(image, inode).data


def _entries(image: fsimage.Image, directory: Inode) -> List[Entry]:
    """The (inum, name) entries of a directory inode, skipping empty slots."""
    data = b"".join(image.read_block(block) for block in _data_blocks(image, directory)
                    if _in_data_area(image, block))
    result = []
    for offset in range(0, min(directory[4], len(data)), fsimage.DIRENT.size):
        inum, name = fsimage.DIRENT.unpack_from(data, offset)
        if inum:
            result.append((inum, name.split(b"\0", 1)[0]))
    return result


def _read_directories(image: fsimage.Image,
                      inodes: Dict[int, Inode]) -> Tuple[Tree, List[str]]:
    """Read every directory; report entries naming free inodes and dirs in two places."""
    tree = Tree({}, {}, {})
    problems: List[str] = []
    for inum, inode in sorted(inodes.items()):
        if inode[0] != fsimage.T_DIR:
            continue
        tree.entries[inum], tree.dots[inum] = [], {}
        for target, name in _entries(image, inode):
            if target not in inodes:
                what = "free" if target < image.ninodes else "out-of-range"
                problems.append("directory {} has an entry {} naming {} inode {}".format(
                    inum, _show_name(name), what, target))
            if name in (b".", b".."):
                tree.dots[inum][name] = target
            elif target in inodes:
                tree.entries[inum].append((target, name))
                tree.containers.setdefault(target, []).append(inum)
    for inum in sorted(tree.entries):
        holders = sorted(set(tree.containers.get(inum, [])))
        if len(holders) > 1:
            problems.append("directory {} is in more than one directory: {}".format(
                inum, holders))
    return tree, problems


def _walk_from_root(inodes: Dict[int, Inode],
                    tree: Tree) -> Tuple[Set[int], Dict[int, str]]:
    """The inodes reachable from the root, and the path of each reachable directory."""
    paths = {fsimage.ROOTINO: "/"}
    reachable = {fsimage.ROOTINO} if fsimage.ROOTINO in inodes else set()
    waiting = list(reachable)
    while waiting:
        directory = waiting.pop()
        for target, name in tree.entries.get(directory, []):
            if target in reachable:
                continue
            reachable.add(target)
            if target in tree.entries:
                paths[target] = paths[directory].rstrip("/") + "/" + name.decode(
                    errors="backslashreplace")
                waiting.append(target)
    return reachable, paths


def _below(head: int, tree: Tree, claimed: Set[int]) -> int:
    """Claim head and every unclaimed inode below it; return how many are below."""
    claimed.add(head)
    count, waiting = 0, [head]
    while waiting:
        for target, _ in tree.entries.get(waiting.pop(), []):
            if target not in claimed:
                claimed.add(target)
                count += 1
                waiting.append(target)
    return count


def _check_unreachable(inodes: Dict[int, Inode], tree: Tree,
                       reachable: Set[int]) -> Tuple[int, List[str]]:
    """Count the orphans and report every other piece cut off from the root.

    A piece is headed by an inode that no unreachable directory names (or,
    for a loop of directories, by its lowest inode number).
    """
    lost = sorted(set(inodes) - reachable)
    named_in_lost = {target for directory in lost
                     for target, _ in tree.entries.get(directory, []) if target in lost}
    heads = [inum for inum in lost if inum not in named_in_lost]
    claimed: Set[int] = set(reachable)
    orphans, problems = 0, []
    for inum in heads + lost:
        if inum in claimed:
            continue
        below = _below(inum, tree, claimed)
        inode = inodes[inum]
        if inode[3] == 0 and not tree.entries.get(inum):
            orphans += 1
            continue
        what = "{} (nlink {})".format(_describe(inum, inode), inode[3])
        if inode[0] != fsimage.T_DIR:
            problems.append("{} is in use but no directory reachable from / names it"
                            .format(what))
        else:
            problems.append("{} is unreachable from /, with {} entries and {} inodes "
                            "below it".format(what, len(tree.entries[inum]), below))
    return orphans, problems


def _check_dots(inodes: Dict[int, Inode], tree: Tree, paths: Dict[int, str]) -> List[str]:
    """Every live directory has "." naming itself and ".." naming its container.

    A removed directory (no links) may keep or lose them: nothing can
    reach it by name any more.
    """
    problems = []
    for inum, dots in sorted(tree.dots.items()):
        if inodes[inum][3] == 0:
            continue
        where = "directory {}{}".format(inum, " ({})".format(paths[inum]) if inum in paths
                                        else "")
        if dots.get(b".") != inum:
            problems.append("{} has no \".\" entry naming itself".format(where))
        parent = _container(inum, tree)
        if b".." not in dots:
            problems.append("{} has no \"..\" entry".format(where))
        elif parent is not None and dots[b".."] != parent and dots[b".."] in inodes:
            problems.append("{} has \"..\" naming inode {}, but it is in directory {}"
                            .format(where, dots[b".."], parent))
    return problems


def _container(inum: int, tree: Tree) -> Optional[int]:
    """The directory that holds inum (the root holds itself); None if not just one."""
    if inum == fsimage.ROOTINO:
        return fsimage.ROOTINO
    holders = set(tree.containers.get(inum, []))
    return holders.pop() if len(holders) == 1 else None


def _check_link_counts(inodes: Dict[int, Inode], tree: Tree) -> List[str]:
    """Compare each inode's link count with the entries that name it."""
    links = {inum: len(tree.containers.get(inum, [])) for inum in inodes}
    links[fsimage.ROOTINO] = links.get(fsimage.ROOTINO, 0) + 1
    for inum, dots in tree.dots.items():
        parent = dots.get(b"..")
        # The root's ".." is itself; a removed directory's ".." was
        # taken off its parent's count when it was removed.
        if parent in links and inum != fsimage.ROOTINO and inodes[inum][3] > 0:
            links[parent] += 1
    problems = []
    for inum, inode in sorted(inodes.items()):
        if inode[3] != links[inum]:
            problems.append("inode {} has {} links but {} entries name it".format(
                inum, inode[3], links[inum]))
    return problems


# ---- blocks ----

def _block_list(image: fsimage.Image, inode: Inode) -> List[int]:
    """Every block an inode uses: its data blocks and its indirect blocks."""
    found = _block_map(image, inode)
    return found.data + found.indirect


def _check_blocks(image: fsimage.Image, inodes: Dict[int, Inode],
                  problems: List[str]) -> Dict[int, int]:
    """Map each data block in use to its inode; report strays and blocks used twice."""
    first_data = image.size - image.nblocks
    owners: Dict[int, int] = {}
    for inum, inode in inodes.items():
        if inode[0] not in TYPE_NAMES:
            problems.append("inode {} has the unknown type {}".format(inum, inode[0]))
            continue
        if inode[4] > image.layout.max_blocks() * fsimage.BSIZE:
            problems.append("inode {} is {} bytes, more than a file can hold".format(
                inum, inode[4]))
        for block in _block_list(image, inode):
            if not first_data <= block < image.size:
                problems.append("inode {} uses block {}, outside the data area".format(
                    inum, block))
            elif block in owners:
                problems.append("block {} is used by inodes {} and {}".format(
                    block, owners[block], inum))
            else:
                owners[block] = inum
    return owners


def _check_bitmap(image: fsimage.Image, owners: Dict[int, int],
                  problems: List[str]) -> None:
    """The bitmap marks the metadata and the blocks in use, and nothing else."""
    first_data = image.size - image.nblocks
    for block in range(image.size):
        if block % fsimage.BPB == 0:
            bitmap = image.read_block(image.bmapstart + block // fsimage.BPB)
        index = block % fsimage.BPB
        marked = bool(bitmap[index // 8] & (1 << (index % 8)))
        needed = block < first_data or block in owners
        if marked and not needed:
            problems.append("block {} is marked in use but no inode uses it".format(block))
        elif needed and not marked:
            problems.append("block {} is in use but marked free".format(block))


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 grade/fsck.py FS_IMAGE", file=sys.stderr)
        return 2
    try:
        report = check(argv[0])
    except (OSError, fsimage.FsImageError) as error:
        print("fsck: {}".format(error), file=sys.stderr)
        return 2
    for problem in report.problems:
        print(problem)
    log = ("a log of {} blocks, checked as if installed".format(report.blocks_from_log)
           if report.blocks_from_log else "an empty log")
    print("{}: {} ({} inodes and {} data blocks in use, {} orphans, {})".format(
        argv[0], "INCONSISTENT" if report.problems else "consistent",
        report.inodes_in_use, report.blocks_in_use, report.orphans, log))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
