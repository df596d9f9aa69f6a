"""A file's bytes without reading them all: what walks a container's structure (tagging's audio check, the Ogg page
walker) looks at."""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import BinaryIO

FileBytes = bytes | memoryview
"""A file's bytes, or a view of them (:func:`mapped_bytes`), whose slices are views too."""


def mapped_bytes(path: Path) -> FileBytes:
    """The bytes of ``path`` as a view of the file mapped into memory, read only where looked at; the bytes themselves
    where the file cannot be mapped (an empty file, a file system that maps none: some FUSE and network mounts).  The
    mapping ends once the view and its slices are gone."""
    with open(path, "rb") as file:
        return mapped_file(file)


def mapped_file(file: BinaryIO) -> FileBytes:
    """:func:`mapped_bytes` of a file open for reading, wherever it stands (one that opened it to look at its head
    opens it once); it may be closed after."""
    try:
        return memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError):  # ValueError: an empty file
        file.seek(0)
        return file.read()
