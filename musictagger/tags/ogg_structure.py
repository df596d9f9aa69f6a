"""The pages of an Ogg file as stored: what the tagging's audio check and the reader's chain test both walk.

An Ogg file is a run of pages, each a 27-byte header (``OggS``, version, flags, granule position, the
logical stream's serial number, sequence, checksum, segment count), a lacing table of one byte per
segment, and the segments.  A page whose flags have :data:`BEGINS_STREAM` opens a logical stream.  A
*chained* file is several Ogg files one after another, as stream recorders save one broadcast after
another: a stream begins after another's pages have started, which :func:`streams` tells.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from musictagger.file_bytes import FileBytes

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


@dataclass(frozen=True)
class Streams:
    """How an Ogg file's logical streams lie (:func:`streams`)."""

    multiplexed: bool
    """Its first pages begin two or more logical streams (a video's picture and sound, several audio tracks), which
    libsndfile reads as its first stream alone, without a word."""
    chained: bool
    """A logical stream begins after another stream's pages began: two or more Ogg files joined end to end.  (The
    streams of one multiplexed file all begin before any other page.)"""


def streams(data: FileBytes) -> Streams:
    """How the logical streams of the Ogg file ``data`` (its bytes, mapped: :func:`~musictagger.file_bytes.
    mapped_file`) lie, from one walk of its first pages: the reader asked whether it was chained, then whether it was
    multiplexed, and opened and walked the file for each.

    A file whose pages break off before a second stream begins is not chained.  Each link of a chain has serial
    numbers of its own (the Ogg format requires it), so the file is chained when its last page belongs to none of
    the streams it opens with: its first pages and its last are read, as libvorbisfile tells a chain, not every page
    (on a USB disk or a network share, every byte of the file).  Only a file that does not end with a whole page (cut
    short, or followed by other bytes), or whose first page begins no stream, has its pages walked, up to any
    damage."""
    opening = _opening_serials(data)
    return Streams(multiplexed=len(opening) > 1, chained=_chained(data, opening))


def _opening_serials(data: FileBytes) -> set[int]:
    """The serial numbers of the logical streams whose first pages open ``data``, before any other page (none when
    its first page begins none, or its first pages are cut short)."""
    serials = set()
    try:
        for page in pages(data):
            if not page.flags & BEGINS_STREAM:
                break
            serials.add(page.serial)
    except ValueError:
        return set()
    return serials


def _chained(data: FileBytes, opening: set[int]) -> bool:
    """:attr:`Streams.chained` of ``data``, which opens with the streams ``opening`` (:func:`_opening_serials`)."""
    if opening and (last := _last_page(bytes(data[-MOST_PAGE_BYTES:]))) is not None:
        return last.serial not in opening
    started = False
    try:
        for page in pages(data):
            if not page.flags & BEGINS_STREAM:
                started = True
            elif started:
                return True
    except ValueError:
        return False
    return False


MOST_PAGE_BYTES = HEADER_BYTES + 255 + 255 * 255
"""The longest an Ogg page can be: its header, 255 lacing values, 255 segments of 255 bytes."""


def _last_page(tail: bytes) -> Page | None:
    """The page that ends ``tail`` (the file's last :data:`MOST_PAGE_BYTES` or fewer) exactly, if one does: the last
    ``OggS`` whose header describes a page ending there (an ``OggS`` inside a page's segments describes none)."""
    start = len(tail)
    while (start := tail.rfind(MAGIC, 0, start)) >= 0:
        try:
            page = next(pages(memoryview(tail)[start:]))
        except ValueError:
            continue
        if page.end == len(tail) - start:
            return page
    return None
