"""The pages of an Ogg file as stored: what the tagging's audio check and the reader's chain test both walk.

An Ogg file is a run of pages, each a 27-byte header (``OggS``, version, flags, granule position, the
logical stream's serial number, sequence, checksum, segment count), a lacing table of one byte per
segment, and the segments.  A page whose flags have :data:`BEGINS_STREAM` opens a logical stream.  A
*chained* file is several Ogg files one after another, as stream recorders save one broadcast after
another: a stream begins after another's pages have started, which :func:`is_chained` tells.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from musictagger.file_bytes import FileBytes, mapped_bytes

MAGIC = b"OggS"
HEADER_BYTES = 27
BEGINS_STREAM = 0x02
"""The header-type flag of a logical stream's first page."""


@dataclass(frozen=True)
class Page:
    """One page: where it starts, its header-type flags, its stream's serial, its lacing values and where its
    segments start (they end at :attr:`end`)."""

    offset: int
    flags: int
    serial: int
    lacing: bytes
    body: int

    @property
    def end(self) -> int:
        return self.body + sum(self.lacing)


def pages(data: FileBytes) -> Iterator[Page]:
    """The pages of ``data`` in order, each found where the one before it ends.

    Raises
    ------
    ValueError
        A page does not start where the one before it ends, or runs past the end of ``data``.
    """
    offset = 0
    while offset < len(data):
        if data[offset : offset + 4] != MAGIC or offset + HEADER_BYTES > len(data):
            raise ValueError(f"lost Ogg page sync at byte {offset}")
        flags = data[offset + 5]
        serial = struct.unpack("<I", data[offset + 14 : offset + 18])[0]
        lacing = bytes(data[offset + HEADER_BYTES : offset + HEADER_BYTES + data[offset + 26]])
        page = Page(offset, flags, serial, lacing, offset + HEADER_BYTES + len(lacing))
        if page.end > len(data):
            raise ValueError(f"truncated Ogg page at byte {offset}")
        yield page
        offset = page.end


def is_multiplexed(path: Path) -> bool:
    """Whether ``path`` is an Ogg file whose first pages begin two or more logical streams (a video's picture and
    sound, several audio tracks), which libsndfile reads as its first stream alone, without a word."""
    with path.open("rb") as file:
        if file.read(4) != MAGIC:
            return False
    begun = 0
    try:
        for page in pages(mapped_bytes(path)):
            if not page.flags & BEGINS_STREAM:
                break
            begun += 1
    except ValueError:
        return False
    return begun > 1


def is_chained(path: Path) -> bool:
    """Whether ``path`` is an Ogg file in which a logical stream begins after another stream's pages began: two or
    more Ogg files joined end to end.  (The streams of one multiplexed file all begin before any other page.)  A
    file that is not Ogg, or whose pages break off before a second stream begins, is not chained."""
    with path.open("rb") as file:
        if file.read(4) != MAGIC:
            return False
    started = False
    try:
        for page in pages(mapped_bytes(path)):
            if not page.flags & BEGINS_STREAM:
                started = True
            elif started:
                return True
    except ValueError:
        return False
    return False
