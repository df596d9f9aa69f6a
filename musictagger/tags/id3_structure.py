"""Whether an MP3's ID3v2 tag can be rewritten without losing what it holds, and what a revision change drops.

mutagen reads a damaged ID3v2 tag without complaint: a frame whose size runs past the tag's end
swallows every frame after it, and saving the tag then writes only the frames it kept (the title,
artist, cover art … are gone for good).  :func:`id3v2_damage` walks the raw frame headers the way
the standard lays them out and says what is wrong, so that tagging leaves such a file alone and says
why.  :func:`revision_losses` names the frames mutagen drops when it converts a tag to another
revision (it cannot write frames it does not know in another revision than they were read in, and it
deletes the frames the target revision does not define).
"""

from __future__ import annotations

import re
from pathlib import Path

from mutagen.id3 import ID3

HEADER_BYTES = 10
_FLAG_UNSYNCHRONISED = 0x80
_FLAG_EXTENDED_HEADER = 0x40
_FRAME_ID = {2: re.compile(rb"[A-Z0-9]{3}\Z"), 3: re.compile(rb"[A-Z0-9]{4}\Z"), 4: re.compile(rb"[A-Z0-9]{4}\Z")}

DROPPED_BY_V24 = frozenset({"RVAD", "EQUA", "TRDA", "TSIZ"})
"""ID3v2.3 frames that mutagen deletes when it converts a tag to v2.4 (it has no v2.4 form for them)."""
DROPPED_BY_V23 = frozenset({"ASPI", "EQU2", "RVA2", "SEEK", "SIGN", "TDEN", "TDRL", "TDTG", "TMOO", "TPRO"})
DROPPED_BY_V23 |= {"TSOA", "TSOP", "TSOT", "TSST"}
"""ID3v2.4 frames that mutagen deletes when it converts a tag to v2.3 (dates and people lists it converts)."""


def _syncsafe(data: bytes) -> int | None:
    """A 28-bit "synchsafe" integer (7 bits a byte), or None when a byte has its top bit set."""
    if any(byte & 0x80 for byte in data):
        return None
    value = 0
    for byte in data:
        value = (value << 7) | byte
    return value


def id3v2_damage(path: Path) -> str | None:
    """What is wrong with the ID3v2 tag at the start of ``path``, or None when it is whole (or absent).

    A tag is damaged when a frame header is not one, a frame runs past the tag's end, or the bytes after
    the last frame are not padding (zeros).  ID3v2.4 frame sizes are synchsafe, but some writers stored
    plain integers; a tag that reads whole either way is whole, as mutagen reads both.
    """
    with open(path, "rb") as file:
        header = file.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or header[:3] != b"ID3":
            return None
        major, flags, size = header[3], header[5], _syncsafe(header[6:10])
        if major not in _FRAME_ID or size is None:
            return None  # not a tag mutagen reads as ID3v2 either: it leaves those bytes alone
        body = file.read(size)
    if len(body) < size:
        return f"its ID3v2 tag says it is {size} bytes, more than the file holds"
    if major < 4 and flags & _FLAG_UNSYNCHRONISED:
        body = body.replace(b"\xff\x00", b"\xff")
    if flags & _FLAG_EXTENDED_HEADER and major >= 3:
        extended = int.from_bytes(body[:4], "big") + 4 if major == 3 else _syncsafe(body[:4]) or 0
        body = body[extended:]
    problems = [_walk(body, major, synchsafe) for synchsafe in ((True, False) if major == 4 else (False,))]
    return None if None in problems else problems[0]


def _walk(body: bytes, major: int, synchsafe: bool) -> str | None:
    """Why the frames of a tag's ``body`` do not add up, or None when they do."""
    id_bytes, header_bytes = (3, 6) if major == 2 else (4, 10)
    position = 0
    while position + header_bytes <= len(body) and body[position] != 0:
        frame_id = body[position : position + id_bytes]
        size_bytes = body[position + id_bytes : position + id_bytes + (3 if major == 2 else 4)]
        size = _syncsafe(size_bytes) if synchsafe else int.from_bytes(size_bytes, "big")
        name = frame_id.decode("latin-1")
        if not _FRAME_ID[major].match(frame_id):
            return f"its ID3v2 tag has a damaged frame header at byte {position} ({name!r})"
        if size is None or position + header_bytes + size > len(body):
            return f"its ID3v2 tag's frame {name} runs past the end of the tag"
        position += header_bytes + size
    if any(body[position:]):
        return (
            f"its ID3v2 tag has {len(body) - position} bytes after its last frame that are neither a frame nor padding"
        )
    return None


def revision_losses(tags: ID3, minor: int) -> list[str]:
    """The frames of ``tags`` (read without translation) that converting them to ID3v2.``minor`` would drop."""
    if tags.version[1] == minor or tags.version < (2, 2, 0):
        return []
    id_bytes = 3 if tags.version < (2, 3, 0) else 4
    unknown = sorted({frame[:id_bytes].decode("latin-1") for frame in tags.unknown_frames})
    dropped = DROPPED_BY_V24 if minor == 4 else DROPPED_BY_V23
    return unknown + sorted(frame_id for frame_id in {key[:4] for key in tags} if frame_id in dropped)
