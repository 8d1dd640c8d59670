"""Add a small file to the root directory of a Kiln file system image.

The grader gives each test a private copy of fs.img holding /gradetoken, a
file that mkfs never makes. This module edits the image in place, following
the on-disk format of kernel/fs.h (all integers little-endian):

    block 0: unused; block 1: superblock; then the log, the inode blocks,
    the free bitmap and the data blocks.
    struct superblock { uint magic, size, nblocks, ninodes, nlog,
                        logstart, inodestart, bmapstart; }
    struct dinode { short type, major, minor, nlink; uint size;
                    uint addrs[13]; }                  64 bytes, 16 a block
    struct dirent { ushort inum; char name[14]; }     16 bytes

The magic says how addrs[] maps a file's blocks (the Layout below): the
classic layout has 12 direct addresses and one singly-indirect block; the
large-file layout has 11 direct addresses, a singly- and a doubly-indirect
block.

    log header (block logstart) { int n; int block[LOGSIZE]; }, and the
    block to install at block[i] is block logstart + 1 + i.

A free inode has type 0 and a free block a clear bit in the bitmap. An image
from a QEMU that was killed while committing holds a log still to install;
the kernel would install it at boot, over the changes made here, so this
module installs it first, just as the kernel's recovery does.

Usage from Python: add_file("copy-of-fs.img", "gradetoken", b"0123abcd..."),
and read_file("copy-of-fs.img", "gradetoken") to read it back.
"""

import struct
from typing import BinaryIO, Dict, List, NamedTuple, Tuple

BSIZE = 1024
ROOTINO = 1
T_DIR, T_FILE = 1, 2
DIRSIZ = 14

SUPERBLOCK = struct.Struct("<8I")
DINODE = struct.Struct("<4hI13I")
DIRENT = struct.Struct("<H14s")
IPB = BSIZE // DINODE.size
BPB = BSIZE * 8
ADDRESSES = 13                  # entries of addrs[]
PER_BLOCK = BSIZE // 4          # addresses in an indirect block


class Layout(NamedTuple):
    """How addrs[] maps a file: direct addresses, then one indirect block per level.

    levels[i] is the depth of the indirect tree whose root is in
    addrs[direct + i]: 1 for a singly-indirect block, 2 for a doubly-indirect one.
    """
    direct: int
    levels: Tuple[int, ...]

    def max_blocks(self) -> int:
        """The most data blocks a file can have."""
        return self.direct + sum(PER_BLOCK ** level for level in self.levels)


FSMAGIC = 0x10203040          # the classic layout
FSMAGIC_LARGE = 0x10203041    # the large-file layout

# The layout of each kind of image, by superblock magic.
LAYOUTS = {
    FSMAGIC: Layout(12, (1,)),
    FSMAGIC_LARGE: Layout(11, (1, 2)),
}

# Only these block addresses are direct in every layout (the large-file one
# has 11), so a file made here never uses an indirect block and is written
# the same way whatever the layout.
DIRECT_BLOCKS = min(layout.direct for layout in LAYOUTS.values())


class FsImageError(Exception):
    """The image is not a Kiln file system, or has no room for the file."""


class Image:
    """An open image file with block-level and inode-level helpers.

    Opening it installs a pending log (in memory until commit()). Writes are
    held back until commit(), so that a file that does not fit leaves the
    image as it was. grade/fsck.py reads images through it too.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.pending: Dict[int, bytes] = {}
        fields = SUPERBLOCK.unpack(self.read_block(1)[:SUPERBLOCK.size])
        (magic, self.size, self.nblocks, self.ninodes, self.nlog, self.logstart,
         self.inodestart, self.bmapstart) = fields
        if magic not in LAYOUTS:
            raise FsImageError("not a Kiln file system image (bad superblock magic 0x{:x})"
                               .format(magic))
        self.layout = LAYOUTS[magic]
        self._install_log()

    def _install_log(self) -> None:
        """Install a committed but uninstalled log, as the kernel does at boot."""
        header = self.read_block(self.logstart)
        (count,) = struct.unpack_from("<i", header)
        self.blocks_from_log = 0
        if count == 0:
            return
        if not 0 < count < self.nlog:
            raise FsImageError("the log header is corrupt (it lists {} blocks)".format(count))
        homes = struct.unpack_from("<{}i".format(count), header, 4)
        for index, home in enumerate(homes):
            if not 0 < home < self.size:
                raise FsImageError("the log header is corrupt (block {})".format(home))
            self.write_block(home, self.read_block(self.logstart + 1 + index))
        self.write_block(self.logstart, bytes(BSIZE))
        self.blocks_from_log = count

    def read_block(self, number: int) -> bytes:
        if number in self.pending:
            return self.pending[number]
        self.handle.seek(number * BSIZE)
        data = self.handle.read(BSIZE)
        if len(data) != BSIZE:
            raise FsImageError("the image ends before block {}".format(number))
        return data

    def write_block(self, number: int, data: bytes) -> None:
        assert len(data) == BSIZE
        self.pending[number] = data

    def commit(self) -> None:
        for number, data in sorted(self.pending.items()):
            self.handle.seek(number * BSIZE)
            self.handle.write(data)
        self.pending.clear()

    # ---- inodes ----

    def _inode_place(self, inum: int) -> Tuple[int, int]:
        return self.inodestart + inum // IPB, (inum % IPB) * DINODE.size

    def read_inode(self, inum: int) -> List[int]:
        block, offset = self._inode_place(inum)
        return list(DINODE.unpack_from(self.read_block(block), offset))

    def write_inode(self, inum: int, fields: List[int]) -> None:
        block, offset = self._inode_place(inum)
        data = bytearray(self.read_block(block))
        DINODE.pack_into(data, offset, *fields)
        self.write_block(block, bytes(data))

    def allocate_inode(self, kind: int) -> int:
        """Claim the first free inode (type 0) for a new object of type kind."""
        for inum in range(ROOTINO + 1, self.ninodes):
            if self.read_inode(inum)[0] == 0:
                self.write_inode(inum, [kind, 0, 0, 1, 0] + [0] * ADDRESSES)
                return inum
        raise FsImageError("the image has no free inode")

    # ---- blocks ----

    def allocate_block(self) -> int:
        """Claim the first free data block in the bitmap; it is zeroed."""
        first_data = self.size - self.nblocks
        for bitmap_index in range(first_data // BPB, (self.size + BPB - 1) // BPB):
            bitmap = bytearray(self.read_block(self.bmapstart + bitmap_index))
            for byte, value in enumerate(bitmap):
                if value == 0xFF:
                    continue
                for bit in range(8):
                    number = bitmap_index * BPB + byte * 8 + bit
                    if first_data <= number < self.size and not value & (1 << bit):
                        bitmap[byte] |= 1 << bit
                        self.write_block(self.bmapstart + bitmap_index, bytes(bitmap))
                        self.write_block(number, bytes(BSIZE))
                        return number
        raise FsImageError("the image has no free data block")


def add_file(image_path: str, name: str, content: bytes) -> None:
    """Create /NAME holding content in the image, which is changed in place."""
    encoded = name.encode()
    if not encoded or len(encoded) > DIRSIZ or b"/" in encoded or b"\0" in encoded:
        raise FsImageError("{!r} is not a file name the root directory can hold".format(name))
    if len(content) > DIRECT_BLOCKS * BSIZE:
        raise FsImageError("{} bytes is too big: files added to an image may have at "
                           "most {} bytes".format(len(content), DIRECT_BLOCKS * BSIZE))
    try:
        with open(image_path, "r+b") as handle:
            image = Image(handle)
            root = image.read_inode(ROOTINO)
            if root[0] != T_DIR:
                raise FsImageError("inode {} is not a directory".format(ROOTINO))
            if _lookup(image, root, encoded):
                raise FsImageError("the image already has a file /{}".format(name))
            inum = image.allocate_inode(T_FILE)
            _write_content(image, inum, content)
            _add_entry(image, root, encoded, inum)
            image.commit()
    except OSError as error:
        raise FsImageError("cannot edit {}: {}".format(image_path, error))


def read_file(image_path: str, name: str) -> bytes:
    """The content of /NAME in the image (FsImageError if there is none)."""
    try:
        with open(image_path, "rb") as handle:
            image = Image(handle)
            root = image.read_inode(ROOTINO)
            inum = _lookup(image, root, name.encode())
            if not inum:
                raise FsImageError("the image has no file /{}".format(name))
            inode = image.read_inode(inum)
            size = inode[4]
            if size > DIRECT_BLOCKS * BSIZE:
                raise FsImageError("/{} is too big to read here".format(name))
            blocks = inode[5:5 + (size + BSIZE - 1) // BSIZE]
            return b"".join(image.read_block(block) for block in blocks)[:size]
    except OSError as error:
        raise FsImageError("cannot read {}: {}".format(image_path, error))


def _write_content(image: Image, inum: int, content: bytes) -> None:
    inode = image.read_inode(inum)
    for index in range(0, len(content), BSIZE):
        block = image.allocate_block()
        image.write_block(block, content[index:index + BSIZE].ljust(BSIZE, b"\0"))
        inode[5 + index // BSIZE] = block
    inode[4] = len(content)
    image.write_inode(inum, inode)


def _directory_blocks(root: List[int]) -> List[int]:
    size = root[4]
    count = (size + BSIZE - 1) // BSIZE
    if count > DIRECT_BLOCKS:
        raise FsImageError("the root directory is too big to edit")
    return root[5:5 + count]


def _lookup(image: Image, root: List[int], name: bytes) -> int:
    """The inode number that / gives name, or 0."""
    for block in _directory_blocks(root):
        data = image.read_block(block)
        for offset in range(0, BSIZE, DIRENT.size):
            inum, entry_name = DIRENT.unpack_from(data, offset)
            if inum and entry_name.rstrip(b"\0") == name:
                return inum
    return 0


def _add_entry(image: Image, root: List[int], name: bytes, inum: int) -> None:
    """Put (inum, name) in the first free slot of /, growing it if it is full."""
    size = root[4]
    for offset in range(0, size, DIRENT.size):
        block = root[5 + offset // BSIZE]
        data = bytearray(image.read_block(block))
        if DIRENT.unpack_from(data, offset % BSIZE)[0] == 0:
            DIRENT.pack_into(data, offset % BSIZE, inum, name)
            image.write_block(block, bytes(data))
            return
    if size % BSIZE == 0:
        if size // BSIZE >= DIRECT_BLOCKS:
            raise FsImageError("the root directory is full")
        root[5 + size // BSIZE] = image.allocate_block()
    block = root[5 + size // BSIZE]
    data = bytearray(image.read_block(block))
    DIRENT.pack_into(data, size % BSIZE, inum, name)
    image.write_block(block, bytes(data))
    root[4] = size + DIRENT.size
    image.write_inode(ROOTINO, root)
