"""The empty padding mutagen's writer leaves in a FLAC or MP4 file that had none, and the file without it.

Each time mutagen saves a FLAC file's tags it ends the metadata with a PADDING block, and an MP4 file's with a
``free`` atom after the ``ilst`` atom, however little room it is asked to leave: then an empty block (its
4-byte header) or atom (8 bytes).  Encoders write neither (libsndfile's FLAC, ``flac --no-padding``, FFmpeg's
M4A), so the undo of a run that tagged such a file would give it back its tags 4 or 8 bytes longer than it
had them.  :func:`without_empty_padding` is the file without that block or atom: in FLAC the block before it
becomes the last metadata block; in MP4 the atoms holding it shrink by 8 bytes, and so do the offsets of the
audio chunks after it (``stco``, ``co64``: a ``moov`` atom before the ``mdat``), as mutagen moved them when
it resized the tags.  The atoms are found by mutagen's own reader, which found them to write them.
"""

from __future__ import annotations

import io
import struct

from mutagen.mp4 import AtomError, Atoms

from musictagger.tags.id3_structure import HEADER_BYTES, leading_tag_size
from musictagger.tags.mp4_structure import fragment_count

FLAC_BLOCK_HEADER = 4
ATOM_HEADER = 8
EMPTY_PADDING_BYTES = frozenset({FLAC_BLOCK_HEADER, ATOM_HEADER})
"""What an empty FLAC PADDING block or MP4 ``free`` atom takes: by so many bytes an undo gave back too long a
file that had none."""

_LAST_BLOCK = 0x80
_FLAC_PADDING = 1
_CHUNK_OFFSETS = {b"stco": "I", b"co64": "Q"}
"""The tables of audio chunk offsets mutagen moves (in a ``moov`` atom), and the width of an offset in them."""


def without_empty_padding(data: bytes) -> bytes | None:
    """``data``, a FLAC or MP4 file, without the empty PADDING block ending its metadata or the empty ``free``
    atom after its ``ilst`` atom; None when it has none there (or is neither, or is a fragmented MP4 file)."""
    return _mp4_without_empty_free(data) if data[4:8] == b"ftyp" else _flac_without_empty_padding(data)


def _flac_without_empty_padding(data: bytes) -> bytes | None:
    """A FLAC file (after an ID3v2 tag some taggers put first) without an empty last PADDING block."""
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


def _mp4_without_empty_free(data: bytes) -> bytes | None:
    """An MP4 file without an empty ``free`` atom right after its ``moov.udta.meta.ilst`` atom.

    A fragmented file is left as it is: mutagen moves the base offsets of its first fragment alone
    (:mod:`~musictagger.tags.mp4_structure`), which this does not undo."""
    try:
        atoms = Atoms(io.BytesIO(data))
        *parents, ilst = atoms.path(b"moov", b"udta", b"meta", b"ilst")
    except (AtomError, KeyError):
        return None
    siblings = parents[-1].children
    after = siblings[siblings.index(ilst) + 1 : siblings.index(ilst) + 2]
    if [(atom.name, atom.length) for atom in after] != [(b"free", ATOM_HEADER)] or fragment_count(atoms):
        return None
    free = after[0].offset
    edited = bytearray(data)
    try:
        for atom in parents:
            _shrink(edited, atom.offset)
        for name, width in _CHUNK_OFFSETS.items():
            for table in parents[0].findall(name, True):
                _move_chunk_offsets(edited, table.offset, width, after=free)
    except struct.error:  # a size or table no undo of mutagen's could have left
        return None
    del edited[free : free + ATOM_HEADER]
    return bytes(edited)


def _shrink(data: bytearray, offset: int) -> None:
    """Make the atom at ``offset`` an empty atom's header shorter (its 64-bit size, when it has one)."""
    (size,) = struct.unpack_from(">I", data, offset)
    if size == 1:
        (size,) = struct.unpack_from(">Q", data, offset + 8)
        struct.pack_into(">Q", data, offset + 8, size - ATOM_HEADER)
    else:
        struct.pack_into(">I", data, offset, size - ATOM_HEADER)


def _move_chunk_offsets(data: bytearray, offset: int, width: str, *, after: int) -> None:
    """Move back by an empty atom's header the chunk offsets past ``after`` in the ``stco``/``co64`` atom at
    ``offset`` (size and name, version and flags, the count, then the offsets)."""
    (count,) = struct.unpack_from(">I", data, offset + 12)
    layout = f">{count}{width}"
    moved = [chunk - ATOM_HEADER if chunk > after else chunk for chunk in struct.unpack_from(layout, data, offset + 16)]
    struct.pack_into(layout, data, offset + 16, *moved)
