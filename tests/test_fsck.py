"""Tests of grade/fsck.py: each kind of damage is reported, a sound image is not.

Each test builds a small image (make_image from tests/test_gradelib.py, then
directories and files added here through grade/fsimage.py), damages it the
way a kernel bug would, and checks what fsck says about it.

Run: python3 -m unittest tests.test_fsck (or `make test`).
"""

import os
import shutil
import struct
import subprocess
import sys
import unittest
from typing import Callable, Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grade import fsck, fsimage  # noqa: E402
from tests.test_gradelib import ScratchTestCase, make_image  # noqa: E402

FSCK_PY = os.path.join(ROOT, "grade", "fsck.py")


class Editor:
    """Small-scale surgery on an open image: make and unmake directory entries.

    Directories made here hold at most one block of entries, which is all
    these tests need.
    """

    def __init__(self, image: fsimage.Image) -> None:
        self.image = image

    def field(self, inum: int, index: int, value: int) -> None:
        """Set one field of a dinode (0 type, 3 nlink, 4 size, 5.. addrs)."""
        inode = self.image.read_inode(inum)
        inode[index] = value
        self.image.write_inode(inum, inode)

    def add_link(self, inum: int, change: int) -> None:
        self.field(inum, 3, self.image.read_inode(inum)[3] + change)

    def slots(self, directory: int) -> List[Tuple[int, int, bytes]]:
        """(offset, inum, name) of every slot, in use or not."""
        inode = self.image.read_inode(directory)
        data = self.image.read_block(inode[5])
        return [(offset,) + fsimage.DIRENT.unpack_from(data, offset)
                for offset in range(0, inode[4], fsimage.DIRENT.size)]

    def write_slot(self, directory: int, offset: int, inum: int, name: bytes) -> None:
        inode = self.image.read_inode(directory)
        data = bytearray(self.image.read_block(inode[5]))
        fsimage.DIRENT.pack_into(data, offset, inum, name)
        self.image.write_block(inode[5], bytes(data))

    def link(self, directory: int, name: bytes, inum: int) -> None:
        """Add the entry (inum, name) to directory, without touching any nlink."""
        inode = self.image.read_inode(directory)
        if inode[5] == 0:
            inode[5] = self.image.allocate_block()
        self.image.write_inode(directory, inode[:4] + [inode[4] + fsimage.DIRENT.size]
                               + inode[5:])
        self.write_slot(directory, inode[4], inum, name)

    def unlink(self, directory: int, name: bytes) -> int:
        """Clear directory's entry called name, without touching any nlink; its inum."""
        for offset, inum, entry in self.slots(directory):
            if inum and entry.rstrip(b"\0") == name:
                self.write_slot(directory, offset, 0, b"")
                return inum
        raise KeyError(name)

    def mkdir(self, parent: int, name: bytes) -> int:
        """A new directory in parent, with "." and "..", counted as the kernel does."""
        inum = self.image.allocate_inode(fsimage.T_DIR)
        self.link(inum, b".", inum)
        self.link(inum, b"..", parent)
        self.link(parent, name, inum)
        self.add_link(parent, 1)
        return inum

    def create(self, parent: int, name: bytes, content: bytes = b"") -> int:
        """A new file in parent holding content (at most one block)."""
        inum = self.image.allocate_inode(fsimage.T_FILE)
        if content:
            block = self.image.allocate_block()
            self.image.write_block(block, content.ljust(fsimage.BSIZE, b"\0"))
            self.field(inum, 5, block)
            self.field(inum, 4, len(content))
        self.link(parent, name, inum)
        return inum


class FsckTests(ScratchTestCase):
    """A tree / {file, a/ {g, b/ {f}}} is sound, and each kind of damage is found."""

    def setUp(self) -> None:
        super().setUp()
        self.image = self.path("fs.img")
        make_image(self.image)
        self.inums: Dict[str, int] = {}

        def build(editor: Editor) -> None:
            root = fsimage.ROOTINO
            self.inums["file"] = editor.create(root, b"file", b"x" * 700)
            self.inums["a"] = editor.mkdir(root, b"a")
            self.inums["g"] = editor.create(self.inums["a"], b"g", b"g")
            self.inums["b"] = editor.mkdir(self.inums["a"], b"b")
            self.inums["f"] = editor.create(self.inums["b"], b"f")
        self.edit(build)
        self.pristine = self.path("pristine.img")
        shutil.copyfile(self.image, self.pristine)

    def edit(self, change: Callable[[Editor], None]) -> None:
        with open(self.image, "r+b") as handle:
            image = fsimage.Image(handle)
            change(Editor(image))
            image.commit()

    def problems_after(self, change: Callable[[Editor], None]) -> List[str]:
        """fsck's problems once change is made to a fresh copy of the sound image."""
        shutil.copyfile(self.pristine, self.image)
        self.edit(change)
        return fsck.check(self.image).problems

    def assertReported(self, change: Callable[[Editor], None], *expected: str) -> List[str]:
        """Each of expected is part of some problem that fsck reports after change."""
        problems = self.problems_after(change)
        for text in expected:
            self.assertTrue(any(text in problem for problem in problems),
                            "{!r} not in {}".format(text, problems))
        return problems

    def test_a_sound_image_is_consistent(self) -> None:
        report = fsck.check(self.image)
        self.assertEqual(report.problems, [])
        self.assertEqual((report.inodes_in_use, report.blocks_in_use, report.orphans),
                         (6, 5, 0))  # blocks: 3 directories and 2 files with data

    @unittest.skipUnless(os.path.isfile(os.path.join(ROOT, "fs.img")), "needs `make`")
    def test_the_real_image_is_consistent(self) -> None:
        self.assertEqual(fsck.check(os.path.join(ROOT, "fs.img")).problems, [])

    def test_block_and_inode_damage_is_reported(self) -> None:
        def flip_bitmap_bit(block: int) -> Callable[[Editor], None]:
            def change(editor: Editor) -> None:
                image = editor.image
                data = bytearray(image.read_block(image.bmapstart))
                data[block // 8] ^= 1 << (block % 8)
                image.write_block(image.bmapstart, bytes(data))
            return change

        def file_field(index: int, value: int) -> Callable[[Editor], None]:
            return lambda editor: editor.field(self.inums["file"], index, value)

        file_block = 8  # after the root directory's block 7
        cases = [
            (flip_bitmap_bit(file_block), "block 8 is in use but marked free"),
            (flip_bitmap_bit(150), "block 150 is marked in use but no inode uses it"),
            (file_field(3, 2), "inode 2 has 2 links but 1 entries name it"),
            (file_field(0, 7), "inode 2 has the unknown type 7"),
            (file_field(5, 3), "inode 2 uses block 3, outside the data area"),
            (file_field(6, file_block), "block 8 is used by inodes 2 and 2"),
        ]
        for change, problem in cases:
            with self.subTest(problem=problem):
                self.assertReported(change, problem)

    def test_an_entry_naming_a_free_inode_is_reported(self) -> None:
        self.assertReported(lambda editor: editor.field(self.inums["f"], 0, 0),
                            "directory {} has an entry 'f' naming free inode {}".format(
                                self.inums["b"], self.inums["f"]))
        self.assertReported(lambda editor: editor.link(self.inums["a"], b"far", 5000),
                            "entry 'far' naming out-of-range inode 5000")

    def test_a_file_no_directory_names_is_reported_with_its_links(self) -> None:
        problems = self.assertReported(
            lambda editor: editor.unlink(self.inums["b"], b"f"),
            "file {} (nlink 1) is in use but no directory reachable from / names it".format(
                self.inums["f"]),
            "inode {} has 1 links but 0 entries name it".format(self.inums["f"]))
        self.assertEqual(len(problems), 2, problems)

    def test_a_detached_tree_is_reported_once(self) -> None:
        def detach_a(editor: Editor) -> None:
            editor.unlink(fsimage.ROOTINO, b"a")
            editor.add_link(fsimage.ROOTINO, -1)  # as unlink does for a's ".."
        problems = self.assertReported(
            detach_a, "directory {} (nlink 2) is unreachable from /, with 2 entries and "
                      "3 inodes below it".format(self.inums["a"]))
        unreachable = [p for p in problems if "unreachable" in p or "names it" in p]
        self.assertEqual(len(unreachable), 1, problems)

    def test_a_removed_directory_that_still_holds_files_is_reported(self) -> None:
        # What a kernel that lets a process create in its removed working
        # directory leaves behind once the process has gone.
        def create_in_removed_b(editor: Editor) -> None:
            editor.unlink(self.inums["a"], b"b")
            editor.add_link(self.inums["a"], -1)
            editor.add_link(self.inums["b"], -1)
        self.assertReported(create_in_removed_b,
                            "directory {} (nlink 0) is unreachable from /, with 1 entries "
                            "and 1 inodes below it".format(self.inums["b"]))

    def test_orphans_are_counted_not_reported(self) -> None:
        def remove_open_file_and_working_directory(editor: Editor) -> None:
            editor.unlink(fsimage.ROOTINO, b"file")
            editor.add_link(self.inums["file"], -1)
            editor.unlink(self.inums["b"], b"f")
            editor.field(self.inums["f"], 0, 0)  # f was removed and freed
            editor.unlink(self.inums["a"], b"b")
            editor.add_link(self.inums["a"], -1)
            editor.add_link(self.inums["b"], -1)
        shutil.copyfile(self.pristine, self.image)
        self.edit(remove_open_file_and_working_directory)
        report = fsck.check(self.image)
        self.assertEqual((report.problems, report.orphans), ([], 2))

    def test_a_dot_dot_that_names_another_directory_is_reported(self) -> None:
        def point_b_at_the_root(editor: Editor) -> None:
            editor.write_slot(self.inums["b"], fsimage.DIRENT.size, fsimage.ROOTINO, b"..")
            editor.add_link(self.inums["a"], -1)
            editor.add_link(fsimage.ROOTINO, 1)
        problems = self.assertReported(
            point_b_at_the_root,
            "directory {} (/a/b) has \"..\" naming inode 1, but it is in directory {}".format(
                self.inums["b"], self.inums["a"]))
        self.assertEqual(len(problems), 1, problems)

    def test_missing_dots_and_a_directory_in_two_places_are_reported(self) -> None:
        self.assertReported(lambda editor: editor.unlink(self.inums["b"], b".."),
                            "directory {} (/a/b) has no \"..\" entry".format(self.inums["b"]))
        self.assertReported(lambda editor: editor.unlink(self.inums["b"], b"."),
                            "has no \".\" entry naming itself")
        self.assertReported(lambda editor: editor.link(fsimage.ROOTINO, b"b2", self.inums["b"]),
                            "directory {} is in more than one directory: [1, {}]".format(
                                self.inums["b"], self.inums["a"]))

    def test_a_detached_loop_of_directories_is_reported(self) -> None:
        def loop(editor: Editor) -> None:
            editor.unlink(fsimage.ROOTINO, b"a")
            editor.add_link(fsimage.ROOTINO, -1)
            editor.link(self.inums["b"], b"up", self.inums["a"])
        self.assertReported(loop, "directory {} (nlink 2) is unreachable from /".format(
            self.inums["a"]))

    def test_odd_names_are_shown_escaped(self) -> None:
        def odd_entry(editor: Editor) -> None:
            editor.link(fsimage.ROOTINO, b"\x01odd\xff/name14", 5000)
        self.assertReported(odd_entry, r"entry '\x01odd\xff/name14' naming")

    def test_an_open_file_removed_before_a_crash_is_an_orphan(self) -> None:
        def unlink_but_keep(editor: Editor) -> None:
            editor.unlink(fsimage.ROOTINO, b"file")
            editor.add_link(self.inums["file"], -1)
        self.assertEqual(self.problems_after(unlink_but_keep), [])
        self.assertEqual(fsck.check(self.image).orphans, 1)

    def test_many_problems_are_cut_short(self) -> None:
        def many(editor: Editor) -> None:
            for index in range(30):
                editor.link(self.inums["a"], b"n%d" % index, 5000)
        problems = self.problems_after(many)
        self.assertEqual(len(problems), fsck.MAX_PROBLEMS + 1)
        self.assertEqual(problems[-1], "... and 10 more problems")

    def test_the_command_says_what_it_found(self) -> None:
        command = [sys.executable, FSCK_PY, self.image]
        result = subprocess.run(command, stdout=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(result.returncode, 0)
        self.assertIn("consistent", result.stdout)
        self.edit(lambda editor: editor.image.write_inode(
            2, [fsimage.T_FILE, 0, 0, 5, 0] + [0] * 13))
        result = subprocess.run(command, stdout=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(result.returncode, 1)
        self.assertIn("inode 2 has 5 links but 1 entries name it", result.stdout)
        self.assertIn("block 8 is marked in use but no inode uses it", result.stdout)
        self.assertIn("INCONSISTENT", result.stdout)


class LargeLayoutTests(ScratchTestCase):
    """An image of the bigfile lab's layout: 11 direct, a singly- and a doubly-indirect block.

    /big has BIG_BLOCKS data blocks, so it uses two blocks listed by its
    doubly-indirect block; fsck must follow all three levels.
    """

    BIG_BLOCKS = 11 + 256 + 256 + 10

    def setUp(self) -> None:
        super().setUp()
        self.image = self.path("fs.img")
        make_image(self.image, blocks=1200, magic=fsimage.FSMAGIC_LARGE)
        with open(self.image, "r+b") as handle:
            image = fsimage.Image(handle)
            self.big = Editor(image).create(fsimage.ROOTINO, b"big")
            self.indirect = self.lay_out(image, self.big, self.BIG_BLOCKS)
            image.commit()

    def lay_out(self, image: fsimage.Image, inum: int, count: int) -> List[int]:
        """Give inode inum count data blocks; its indirect blocks, singly first."""
        inode = image.read_inode(inum)
        data = [image.allocate_block() for _ in range(count)]
        inode[5:5 + 11] = data[:11]
        rest = data[11:]
        singly = image.allocate_block()
        image.write_block(singly, struct.pack("<256I", *rest[:256]))
        rest = rest[256:]
        middles = []
        while rest:
            middles.append(image.allocate_block())
            chunk = rest[:256]
            image.write_block(middles[-1], struct.pack("<256I", *chunk + [0] * (256 - len(chunk))))
            rest = rest[256:]
        doubly = image.allocate_block()
        image.write_block(doubly, struct.pack("<256I", *middles + [0] * (256 - len(middles))))
        inode[5 + 11], inode[5 + 12] = singly, doubly
        inode[4] = count * fsimage.BSIZE
        image.write_inode(inum, inode)
        return [singly, doubly] + middles

    def test_the_layout_comes_from_the_magic(self) -> None:
        with open(self.image, "rb") as handle:
            layout = fsimage.Image(handle).layout
        self.assertEqual((layout.direct, layout.levels, layout.max_blocks()),
                         (11, (1, 2), 11 + 256 + 256 * 256))

    def test_a_file_through_every_level_is_consistent(self) -> None:
        report = fsck.check(self.image)
        self.assertEqual(report.problems, [])
        # The root's block, the data, and singly, doubly and two middle blocks.
        self.assertEqual(report.blocks_in_use, 1 + self.BIG_BLOCKS + 4)

    def damage(self, change: Callable[[fsimage.Image], None]) -> List[str]:
        with open(self.image, "r+b") as handle:
            image = fsimage.Image(handle)
            change(image)
            image.commit()
        return fsck.check(self.image).problems

    def test_a_data_block_under_the_doubly_indirect_block_marked_free_is_reported(self) -> None:
        middle = self.indirect[3]
        last = struct.unpack_from("<I", self.read_block(middle), 9 * 4)[0]

        def clear_bit(image: fsimage.Image) -> None:
            bitmap = bytearray(image.read_block(image.bmapstart))
            bitmap[last // 8] &= ~(1 << (last % 8))
            image.write_block(image.bmapstart, bytes(bitmap))
        self.assertIn("block {} is in use but marked free".format(last),
                      self.damage(clear_bit))

    def test_a_lost_middle_block_is_reported(self) -> None:
        middle = self.indirect[3]

        def forget_middle(image: fsimage.Image) -> None:
            doubly = self.indirect[1]
            image.write_block(doubly, struct.pack("<256I", self.indirect[2], *[0] * 255))
        problems = self.damage(forget_middle)
        self.assertIn("block {} is marked in use but no inode uses it".format(middle), problems)

    def test_a_size_beyond_the_largest_file_is_reported(self) -> None:
        def grow(image: fsimage.Image) -> None:
            inode = image.read_inode(self.big)
            inode[4] = (11 + 256 + 256 * 256 + 1) * fsimage.BSIZE
            image.write_inode(self.big, inode)
        self.assertIn("inode {} is {} bytes, more than a file can hold".format(
            self.big, (11 + 256 + 256 * 256 + 1) * fsimage.BSIZE), self.damage(grow))

    def read_block(self, number: int) -> bytes:
        with open(self.image, "rb") as handle:
            return fsimage.Image(handle).read_block(number)


if __name__ == "__main__":
    unittest.main()
