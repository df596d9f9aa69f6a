"""The empty PADDING block mutagen's writer leaves in a FLAC file that had none, and the file without it.

Each time mutagen saves a FLAC file's tags it ends the metadata with a PADDING block, however little room it
is asked to leave: then an empty block (its 4-byte header).  Encoders write none (libsndfile's FLAC, ``flac
--no-padding``), so the undo of a run that tagged such a file would give it back its tags 4 bytes longer than
it had them.  :func:`without_empty_padding` is the file without that block: the block before it becomes the
last metadata block.  (An MP4 file's item list is written without mutagen's writer, which adds no ``free``
atom where none is asked for: :func:`~musictagger.tags.mp4_structure.set_mp4_item`.)
"""

from __future__ import annotations

from musictagger.tags.id3_structure import HEADER_BYTES, leading_tag_size

FLAC_BLOCK_HEADER = 4
"""What an empty FLAC PADDING block takes: by so many bytes an undo gave back too long a file that had none."""

_LAST_BLOCK = 0x80
_FLAC_PADDING = 1


def without_empty_padding(data: bytes) -> bytes | None:
    """``data``, a FLAC file (after an ID3v2 tag some taggers put first), without the empty PADDING block ending
    its metadata; None when it has none there (or is not a FLAC file)."""
    start = leading_tag_size(data[:HEADER_BYTES])
    if data[start : start + 4] != b"fLaC":
        return None
    previous, block = None, start + 4
    while block + FLAC_BLOCK_HEADER <= len(data):
        head, size = data[block], int.from_bytes(data[block + 1 : block + FLAC_BLOCK_HEADER], "big")
        if head & _LAST_BLOCK:
            if head != _LAST_BLOCK | _FLAC_PADDING or size or previous is None:
                return None
            marked = bytes([data[previous] | _LAST_BLOCK])
            return data[:previous] + marked + data[previous + 1 : block] + data[block + FLAC_BLOCK_HEADER :]
        previous, block = block, block + FLAC_BLOCK_HEADER + size
    return None
