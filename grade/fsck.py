#!/usr/bin/env python3
"""Check a Kiln file system image for consistency, the way fsck would.

The kernel's log makes every file system call all or nothing, so an image is
consistent after any crash once its log is installed (Image does that, as
the kernel's recovery does at boot). This checker says whether that holds:

- every block an inode uses lies in the data area, and no two uses share it;
- the free bitmap marks exactly the metadata blocks and the blocks in use;
- every directory entry names an allocated inode, and every directory has
  "." (itself) and ".." (its parent) and is reached from one parent only;
- every inode's link count is the number of entries that name it from
  other directories (a directory's own "." does not count, and the root
  counts one extra link for being the root);
- an allocated inode with no links is an orphan: a file removed while a
  process still had it open when the machine stopped. Like xv6, Kiln does
  not reclaim orphans at boot, so they are counted, not reported. An
  orphan directory (removed while some process's cwd) still holds "." and
  "..", but they are no links: its parent gave up the ".." link when it was
  removed, and may since have been freed itself.

The block layout is that of kernel/fs.h: 12 direct blocks and one indirect.

Usage: python3 grade/fsck.py fs.img   (exit status 0 when consistent)
"""

import os
import struct
import sys
from typing import Dict, List, NamedTuple, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import fsimage  # noqa: E402

NDIRECT = 12
NINDIRECT = fsimage.BSIZE // 4
T_DEVICE = 3
MAX_PROBLEMS = 20


class Report(NamedTuple):
    """What a check found: problems (empty when consistent) and figures."""
    problems: List[str]
    inodes_in_use: int
    blocks_in_use: int
    orphans: int
    blocks_from_log: int


def check(image_path: str) -> Report:
    """Check the image at image_path (it is only read); see the module docstring."""
    with open(image_path, "rb") as handle:
        image = fsimage.Image(handle)
        inodes = _allocated_inodes(image)
        problems: List[str] = []
        owners = _check_blocks(image, inodes, problems)
        _check_bitmap(image, owners, problems)
        links = _check_directories(image, inodes, problems)
        orphans = _check_link_counts(inodes, links, problems)
        return Report(problems[:MAX_PROBLEMS], len(inodes), len(owners), orphans,
                      image.blocks_from_log)


def _allocated_inodes(image: fsimage.Image) -> Dict[int, List[int]]:
    """The fields of every inode in use (type not 0), by inode number."""
    inodes = {}
    for inum in range(1, image.ninodes):
        fields = image.read_inode(inum)
        if fields[0] != 0:
            inodes[inum] = fields
    return inodes


def _data_blocks(image: fsimage.Image, inode: List[int]) -> List[int]:
    """An inode's data blocks in file order: the direct ones, then the indirect ones."""
    addrs = inode[5:]
    blocks = [block for block in addrs[:NDIRECT] if block]
    indirect = addrs[NDIRECT]
    if indirect and image.size - image.nblocks <= indirect < image.size:
        entries = struct.unpack("<{}I".format(NINDIRECT), image.read_block(indirect))
        blocks.extend(block for block in entries if block)
    return blocks


def _block_list(image: fsimage.Image, inode: List[int]) -> List[int]:
    """Every block an inode uses: its data blocks and its indirect block."""
    indirect = inode[5 + NDIRECT]
    return _data_blocks(image, inode) + ([indirect] if indirect else [])


def _check_blocks(image: fsimage.Image, inodes: Dict[int, List[int]],
                  problems: List[str]) -> Dict[int, int]:
    """Map each data block in use to its inode; report strays and blocks used twice."""
    first_data = image.size - image.nblocks
    owners: Dict[int, int] = {}
    for inum, inode in inodes.items():
        if inode[0] not in (fsimage.T_DIR, fsimage.T_FILE, T_DEVICE):
            problems.append("inode {} has the unknown type {}".format(inum, inode[0]))
            continue
        if inode[4] > (NDIRECT + NINDIRECT) * fsimage.BSIZE:
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
        bitmap = image.read_block(image.bmapstart + block // fsimage.BPB)
        index = block % fsimage.BPB
        marked = bool(bitmap[index // 8] & (1 << (index % 8)))
        needed = block < first_data or block in owners
        if marked and not needed:
            problems.append("block {} is marked in use but no inode uses it".format(block))
        elif needed and not marked:
            problems.append("block {} is in use but marked free".format(block))


def _entries(image: fsimage.Image, directory: List[int]) -> List[Tuple[int, str]]:
    """The (inum, name) entries of a directory inode, skipping empty slots."""
    data = b"".join(image.read_block(block) for block in _data_blocks(image, directory))
    result = []
    for offset in range(0, min(directory[4], len(data)), fsimage.DIRENT.size):
        inum, name = fsimage.DIRENT.unpack_from(data, offset)
        if inum:
            result.append((inum, name.rstrip(b"\0").decode(errors="replace")))
    return result


def _check_directories(image: fsimage.Image, inodes: Dict[int, List[int]],
                       problems: List[str]) -> Dict[int, int]:
    """Check each directory's entries; count the links that name each inode."""
    links: Dict[int, int] = {inum: 0 for inum in inodes}
    parents: Dict[int, List[int]] = {}
    for inum, inode in inodes.items():
        if inode[0] != fsimage.T_DIR or inode[3] == 0:
            continue  # not a directory, or an orphan one: its entries name nothing
        names: Dict[str, int] = {}
        for target, name in _entries(image, inode):
            if target not in inodes:
                problems.append("directory {} has an entry {!r} naming free inode {}"
                                .format(inum, name, target))
                continue
            names[name] = target
            if name == "." or (name == ".." and inum == fsimage.ROOTINO):
                continue
            links[target] += 1
            if name != ".." and inodes[target][0] == fsimage.T_DIR:
                parents.setdefault(target, []).append(inum)
        if names.get(".") != inum:
            problems.append("directory {} has no \".\" entry naming itself".format(inum))
        if ".." not in names:
            problems.append("directory {} has no \"..\" entry".format(inum))
    for inum, inode in inodes.items():
        if inode[0] == fsimage.T_DIR and len(parents.get(inum, [])) > 1:
            problems.append("directory {} is in more than one directory: {}".format(
                inum, parents[inum]))
    return links


def _check_link_counts(inodes: Dict[int, List[int]], links: Dict[int, int],
                       problems: List[str]) -> int:
    """Compare each inode's link count with its entries; return the orphans."""
    orphans = 0
    for inum, inode in inodes.items():
        expected = links[inum] + (1 if inum == fsimage.ROOTINO else 0)
        nlink = inode[3]
        if nlink == 0 and expected == 0:
            orphans += 1
        elif nlink != expected:
            problems.append("inode {} has {} links but {} entries name it".format(
                inum, nlink, expected))
    return orphans


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
