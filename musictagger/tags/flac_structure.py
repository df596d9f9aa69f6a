"""The metadata blocks that open a FLAC file, read by kind: the ones asked for, the others (a cover's megabytes in a
PICTURE block, a SEEKTABLE) skipped unread.

A FLAC file is ``fLaC`` (after an ID3v2 tag some taggers put first), then metadata blocks, each a 4-byte header
(a last-block flag and a 7-bit kind, a 24-bit size) and its contents, then the audio frames.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from typing import BinaryIO

from musictagger.tags.id3_structure import HEADER_BYTES, leading_tag_size

VORBIS_COMMENT = 4
CUESHEET = 5


def metadata_blocks(file: BinaryIO, kinds: Collection[int]) -> dict[int, bytes] | None:
    """Kind → contents of the first block of each of ``kinds`` in the FLAC file ``file`` (read from its start), as far
    as its blocks go; None when it is not a FLAC file."""
    file.seek(leading_tag_size(file.read(HEADER_BYTES)))
    if file.read(4) != b"fLaC":
        return None
    found: dict[int, bytes] = {}
    last = False
    while not last and len(found) < len(kinds):
        head = file.read(4)
        if len(head) < 4:
            break
        last, kind, size = bool(head[0] & 0x80), head[0] & 0x7F, int.from_bytes(head[1:], "big")
        if kind in kinds and kind not in found:
            found[kind] = file.read(size)
        else:
            file.seek(size, io.SEEK_CUR)
    return found
