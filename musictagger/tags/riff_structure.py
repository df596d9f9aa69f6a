"""The chunks of a RIFF file (WAV) or an IFF one (AIFF), and of a chunk made of chunks (a WAV's ``LIST``): what the
decoder's check for a compressed stream, the INFO tags' reader and tagging's audio check each look through.

A chunk is a 4-byte id, a 4-byte size (little-endian in RIFF, big-endian in IFF) and its contents, padded to an
even size; the next chunk starts after the pad byte.  A file's chunks start after its 12-byte ``RIFF``/``FORM``
header.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from musictagger.file_bytes import FileBytes

HEADER_BYTES = 12
"""``RIFF`` (or ``FORM``), the size of the rest, ``WAVE`` (or ``AIFF``, ``AIFC``): where the first chunk starts."""


@dataclass(frozen=True)
class Chunk:
    """One chunk: its id, where its contents start and their size as its header says (they may run past the end of
    a file cut short)."""

    id: bytes
    start: int
    size: int


def chunks(source: FileBytes | BinaryIO, offset: int = HEADER_BYTES, *, big_endian: bool = False) -> Iterator[Chunk]:
    """The chunks of ``source`` from ``offset`` on, each found where the one before it ends, as long as a whole
    header is there.  ``source`` is a file's bytes (or a chunk's contents), or the open file, read only at each
    header: its position is then wherever the caller's reading left it."""
    layout = ">4sI" if big_endian else "<4sI"
    while len(header := _bytes_at(source, offset, 8)) == 8:
        chunk_id, size = struct.unpack(layout, header)
        yield Chunk(chunk_id, offset + 8, size)
        offset += 8 + size + (size & 1)


def _bytes_at(source: FileBytes | BinaryIO, offset: int, size: int) -> FileBytes:
    if isinstance(source, bytes | memoryview):
        return source[offset : offset + size]
    source.seek(offset)
    return source.read(size)
