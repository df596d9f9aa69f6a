"""The metadata blocks that open a FLAC file, read by kind: the ones asked for, the others (a cover's megabytes in a
PICTURE block, a SEEKTABLE) skipped unread.

A FLAC file is ``fLaC`` (after an ID3v2 tag some taggers put first), then metadata blocks, each a 4-byte header
(a last-block flag and a 7-bit kind, a 24-bit size) and its contents, then the audio frames.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import BinaryIO

from musictagger.tags.id3_structure import HEADER_BYTES, leading_tag_size

VORBIS_COMMENT = 4
CUESHEET = 5


def metadata_blocks(file: BinaryIO, kinds: Collection[int]) -> dict[int, bytes] | None:
    """Kind → contents of the first block of each of ``kinds`` in the FLAC file ``file`` (read from its start), as far
    as its blocks go; None when it is not a FLAC file."""
    if not _past_magic(file):
        return None
    found: dict[int, bytes] = {}
    for kind, size, _last in _blocks(file):
        if len(found) == len(kinds):
            break
        if kind in kinds and kind not in found:
            found[kind] = file.read(size)
    return found


FRAME_SEARCH = 1 << 16
"""Bytes after the metadata searched for a first frame: a frame of 4096 samples holds up to 48 kB of 16-bit stereo, so a
first frame damaged still leaves the second within them."""


def audio_without_frames(file: BinaryIO) -> int | None:
    """Where the audio of the FLAC file ``file`` (read from its start) begins, when no frame header (its sync code,
    reserved bits clear, its CRC-8 right) starts in the :data:`FRAME_SEARCH` bytes from there: random bytes, not audio,
    follow its metadata.  None when one does, or ``file`` is no FLAC file, or its blocks run past its end (the
    decoders say so).  FFmpeg and libFLAC search such a file to its end for a frame, four times over."""
    if not _past_magic(file):
        return None
    if [last for _kind, _size, last in _blocks(file)][-1:] != [True]:  # walked to its end: after the last block
        return None
    start = file.tell()
    data = file.read(FRAME_SEARCH)
    return None if not data or holds_frame(data) else start


def holds_frame(data: bytes) -> bool:
    """Whether a FLAC frame header (its sync code, reserved bits clear, its CRC-8 right) starts in ``data``."""
    return any(_frame_header_at(data, at.start()) for at in _FRAME_SYNC.finditer(data))


_FRAME_SYNC = re.compile(rb"\xff[\xf8\xf9]")
"""A frame header's 14-bit sync code, a reserved 0 bit and its blocking strategy."""


def _frame_header_at(data: bytes, at: int) -> bool:
    """Whether a FLAC frame header starts at ``data[at]``: its reserved codes unused and its CRC-8 (polynomial 0x07)
    that of the bytes before it."""
    if at + 6 > len(data):
        return False
    block, rate, channels, bits = data[at + 2] >> 4, data[at + 2] & 0x0F, data[at + 3] >> 4, data[at + 3] >> 1 & 7
    if block == 0 or rate == 15 or channels > 10 or bits == 3 or data[at + 3] & 1:
        return False
    lead = data[at + 4]
    length = 1 if lead < 0x80 else next((n for n in range(2, 8) if lead >> (7 - n) == ((1 << n) - 1) << 1), 0)
    if not length:
        return False
    end = at + 4 + length + {6: 1, 7: 2}.get(block, 0) + {12: 1, 13: 2, 14: 2}.get(rate, 0)
    return end < len(data) and _crc8(data[at:end]) == data[end]


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc << 1 ^ 0x07) & 0xFF if crc & 0x80 else crc << 1 & 0xFF
    return crc


def _past_magic(file: BinaryIO) -> bool:
    """Whether ``file`` (at its start) is a FLAC file, then positioned after its ``fLaC`` (and any ID3v2 tag before)."""
    file.seek(leading_tag_size(file.read(HEADER_BYTES)))
    return file.read(4) == b"fLaC"


def _blocks(file: BinaryIO) -> Iterator[tuple[int, int, bool]]:
    """Kind, size and last-block flag of each metadata block from ``file``'s position on, as far as they go, ``file``
    at the block's contents when each is given and after them when the next is asked for."""
    last = False
    while not last:
        head = file.read(4)
        if len(head) < 4:
            return
        last, kind, size = bool(head[0] & 0x80), head[0] & 0x7F, int.from_bytes(head[1:], "big")
        contents = file.tell()
        yield kind, size, last
        file.seek(contents + size)
