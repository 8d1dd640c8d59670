"""Kiln's host-side grading library: boot the kernel under QEMU and talk to it."""
