"""Whether an MP3's ID3v2 tag can be rewritten without losing what it holds, and what a revision change drops.

mutagen reads a damaged ID3v2 tag without complaint: a frame whose size runs past the tag's end
swallows every frame after it, and saving the tag then writes only the frames it kept (the title,
artist, cover art … are gone for good).  :func:`id3v2_damage` walks the raw frame headers the way
the standard lays them out and says what is wrong, so that tagging leaves such a file alone and says
why.  :func:`rewrite_losses` says what saving a whole tag would still lose: frames mutagen cannot read or
keeps only one of, values it joins.  :func:`convert_revision` converts a tag to another revision as the
writer does, and :func:`revision_losses` names the frames that conversion loses for good (frames mutagen
does not know, frames the target revision does not define, dates it cannot carry across).
:func:`walk_frames` gives a tag's frames as stored, which :mod:`musictagger.tags.id3_frames` rewrites a tag from.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mutagen.id3 import ID3, TextFrame

HEADER_BYTES = 10
FLAG_UNSYNCHRONISED = 0x80
FLAG_EXTENDED_HEADER = 0x40
FLAG_FOOTER = 0x10
"""ID3v2 tag header flags: tag-wide unsynchronisation, an extended header after the header, a footer after the
frames (v2.4)."""
_FRAME_ID = {2: re.compile(rb"[A-Z0-9]{3}\Z"), 3: re.compile(rb"[A-Z0-9]{4}\Z"), 4: re.compile(rb"[A-Z0-9]{4}\Z")}

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
        found = _frame_counts(file)
    return found if isinstance(found, str) else None


def rewrite_losses(path: Path, tags: ID3, keep_out: str = "") -> str | None:
    """What saving ``tags``, as mutagen read them from ``path`` (in their own revision, without
    translation), would lose of the tag's other frames than ``keep_out`` (the one being written); None if nothing.

    mutagen drops a frame it cannot read (text that is not in the encoding it declares, a TXXX without a
    value), keeps one of two frames with the same key (two lyrics, or two MusicBrainz UFIDs, of the same
    description) or merges them into one (two comments), and joins the null-separated values of an
    ID3v2.3 text frame with ``/``.  Each is found by counting the frames the tag holds against the frames
    mutagen would write.  An ID3v2.2 tag is not checked: it is always written as v2.3.
    """
    if tags.version < (2, 3, 0):
        return None
    with open(path, "rb") as file:
        tags._pre_load_header(file)  # where the tag starts: 0 in an MP3, its chunk in a WAV or an AIFF
        stored = _frame_counts(file)
    if stored is None or isinstance(stored, str):
        return stored
    written = Counter(frame.FrameID for frame in tags.values() if not (isinstance(frame, TextFrame) and not str(frame)))
    written.update(frame[:4].decode("latin-1") for frame in tags.unknown_frames)
    lost = [
        f"{frame_id} (unreadable or empty)"
        if not written[frame_id]
        else f"{frame_id} ({count} kept as {written[frame_id]})"
        for frame_id, count in sorted(stored.items())
        if frame_id != keep_out and written[frame_id] < count
    ]
    if lost:
        return f"rewriting its ID3v2 tag would lose frames mutagen cannot keep as they are: {', '.join(lost)}"
    if tags.version < (2, 4, 0) and (joined := joined_in_v23(tags, keep_out)):
        return (
            f"its ID3v2.3 tag's {', '.join(joined)} frames hold several values separated by nulls, which "
            "rewriting the tag would join with '/'"
        )
    return None


def joined_in_v23(tags: ID3, keep_out: str = "") -> list[str]:
    """The text frames of ``tags`` other than ``keep_out`` with several values, which ID3v2.3 stores as one
    (mutagen joins them with ``/``)."""
    return sorted(
        {frame.FrameID for frame in tags.values() if isinstance(frame, TextFrame) and len(frame.text) > 1} - {keep_out}
    )


def leading_tag_size(header: bytes) -> int:
    """Bytes an ID3v2 tag takes at the start of a file whose first 10 bytes are ``header`` (0 without one):
    what to skip to reach the FLAC or MPEG stream some taggers put it before."""
    size = _syncsafe(header[6:10]) if header[:3] == b"ID3" and len(header) >= HEADER_BYTES else None
    return 0 if size is None else HEADER_BYTES + size


def _frame_counts(file: BinaryIO) -> Counter[str] | str | None:
    """How many frames of each kind the ID3v2 tag at ``file``'s position holds (empty frames, which carry nothing,
    not counted); what is wrong with it when it is damaged; None when there is none."""
    tag = _read_tag(file)
    if tag is None or isinstance(tag, str):
        return tag
    major, body = tag
    walk = walk_frames(body, major)
    if isinstance(walk, str):
        return walk
    id_bytes, header_bytes = frame_layout(major)
    return Counter(frame[:id_bytes].decode("latin-1") for frame in walk.frames if len(frame) > header_bytes)


@dataclass(frozen=True)
class FrameWalk:
    """The frames of a tag, each as stored (header and body), and how their sizes read."""

    frames: tuple[bytes, ...]
    synchsafe: bool
    """Whether the frame sizes are synchsafe (ID3v2.4), or the plain integers of ID3v2.3 (and of some v2.4 writers)."""


def walk_frames(body: bytes, major: int) -> FrameWalk | str:
    """The frames of a tag's ``body`` (its bytes after the header, without tag-wide unsynchronisation or an extended
    header), or what is wrong with them.  ID3v2.4 frame sizes are read as synchsafe, then as the plain integers
    some writers stored: the first reading that adds up wins, as mutagen reads both."""
    walks = [(_walk(body, major, synchsafe), synchsafe) for synchsafe in ((True, False) if major == 4 else (False,))]
    for (problem, frames), synchsafe in walks:
        if problem is None:
            return FrameWalk(tuple(frames), synchsafe)
    return walks[0][0][0]


def frame_layout(major: int) -> tuple[int, int]:
    """Bytes of a frame's ID and of its whole header in ID3v2.``major``: 3 and 6 in v2.2, else 4 and 10."""
    return (3, 6) if major == 2 else (4, HEADER_BYTES)


def synchsafe_bytes(value: int) -> bytes:
    """``value`` as a 4-byte synchsafe integer (7 bits a byte), as ID3v2 tag sizes and v2.4 frame sizes are stored;
    ValueError when those 28 bits cannot hold it (it would be stored modulo 2**28: another size)."""
    if not 0 <= value < 1 << 28:
        raise ValueError(f"a size of {value} bytes, more than the 2**28 - 1 an ID3v2 synchsafe size can say")
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _read_tag(file: BinaryIO) -> tuple[int, bytes] | str | None:
    """The ID3v2 tag at ``file``'s position: its major revision and its frames' bytes (tag-wide
    unsynchronisation undone, extended header skipped); a problem when it is cut short; None when there is none."""
    header = file.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or header[:3] != b"ID3":
        return None
    major, flags, size = header[3], header[5], _syncsafe(header[6:10])
    if major not in _FRAME_ID or size is None:
        return None  # not a tag mutagen reads as ID3v2 either: it leaves those bytes alone
    body = file.read(size)
    if len(body) < size:
        return f"its ID3v2 tag says it is {size} bytes, more than the file holds"
    if major < 4 and flags & FLAG_UNSYNCHRONISED:
        body = body.replace(b"\xff\x00", b"\xff")
    if flags & FLAG_EXTENDED_HEADER and major >= 3:
        extended = int.from_bytes(body[:4], "big") + 4 if major == 3 else _syncsafe(body[:4]) or 0
        body = body[extended:]
    return major, body


def _walk(body: bytes, major: int, synchsafe: bool) -> tuple[str | None, list[bytes]]:
    """Why the frames of a tag's ``body`` do not add up (None when they do), and the frames found, each as stored
    (their sizes read as ``synchsafe`` integers or plain ones)."""
    id_bytes, header_bytes = frame_layout(major)
    frames: list[bytes] = []
    position = 0
    while position + header_bytes <= len(body) and body[position] != 0:
        frame_id = body[position : position + id_bytes]
        size_bytes = body[position + id_bytes : position + id_bytes + (3 if major == 2 else 4)]
        size = _syncsafe(size_bytes) if synchsafe else int.from_bytes(size_bytes, "big")
        name = frame_id.decode("latin-1")
        if not _FRAME_ID[major].match(frame_id):
            return f"its ID3v2 tag has a damaged frame header at byte {position} ({name!r})", frames
        if size is None or position + header_bytes + size > len(body):
            return f"its ID3v2 tag's frame {name} runs past the end of the tag", frames
        frames.append(body[position : position + header_bytes + size])
        position += header_bytes + size
    if any(body[position:]):
        problem = (
            f"its ID3v2 tag has {len(body) - position} bytes after its last frame that are neither a frame nor padding"
        )
        return problem, frames
    return None, frames


def convert_revision(tags: ID3, minor: int, *, restoring: bool = False) -> None:
    """Convert ``tags`` (read without translation) to ID3v2.``minor`` in place, as mutagen does.

    mutagen deletes the frames v2.3 does not define (:data:`DROPPED_BY_V23`), which taggers write into v2.3
    tags all the same (TSOP, TSOA …).  ``restoring``: an undo into v2.3 of a tag its run converted to v2.4,
    which keeps them, as the v2.3 tag had them (set aside and added back, as mutagen's documentation of
    ``update_to_v23`` says): converting to v2.4 makes none of them."""
    if minor == 4:
        tags.update_to_v24()
        return
    kept = [frame for frame in tags.values() if frame.FrameID in DROPPED_BY_V23] if restoring else []
    tags.update_to_v23()
    for frame in kept:
        tags.add(frame)


def revision_losses(tags: ID3, minor: int, *, restoring: bool = False) -> list[str]:
    """The frames of ``tags`` (read without translation) that converting them to ID3v2.``minor`` (an undo's
    conversion when ``restoring``) would lose for good: what an undo could not give back.

    mutagen cannot write frames it does not know in another revision than they were read in; it deletes
    the frames the target revision does not define (RVAD in v2.4, TMOO in v2.3); and it carries dates
    across v2.3's TYER, TDAT and TIME and v2.4's TDRC only when they are whole (a TIME without a TDAT, a
    TDAT without a TYER, a year that is not four digits are dropped; a time in the hour after midnight
    does not come back to v2.3).  So a copy is converted there and back, and the frames that do not come
    back as they read are lost; a tag in v2.2, which is written as v2.3, comes back to v2.3.
    """
    if tags.version[1] == minor or tags.version < (2, 2, 0):
        return []
    id_bytes = 3 if tags.version < (2, 3, 0) else 4
    unknown = sorted({frame[:id_bytes].decode("latin-1") for frame in tags.unknown_frames})
    own = max(tags.version[1], 3)
    reference, there = copy.deepcopy(tags), copy.deepcopy(tags)
    convert_revision(reference, own)  # what mutagen writes in the tag's own revision
    convert_revision(there, minor, restoring=restoring)
    if own != minor:
        convert_revision(there, own, restoring=True)  # as an undo converts it back
    lost = Counter(frame.pprint() for frame in reference.values()) - Counter(frame.pprint() for frame in there.values())
    return unknown + sorted({shown.split("=", 1)[0] for shown in lost})
