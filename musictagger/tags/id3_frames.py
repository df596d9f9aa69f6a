"""An ID3v2.3 or v2.4 tag rewritten frame by frame: one text frame (the genre's TCON, a mood's TMOO, a grouping's
TIT1) replaced where it was, every other frame kept as stored.

mutagen reads a tag into frame objects and its writer renders them all again: sorted (title, artist, track, album,
date, genre, then the others by size, pictures last, the frames it does not know after them), their text
re-encoded (a Latin-1 frame comes back UTF-16 in v2.3, UTF-8 in v2.4), and holding what it understood of them (a
genre ``(9)Metal`` as ``Metal``, a PRIV owner given the null it lacked).  So a tag and its undo gave back the frames
in another order and encoding, and a tag holding frames mutagen cannot keep as they are had to be left alone.
:func:`with_text_frame` replaces the frames of one ID by one frame of the new values where the first was (a new one
ends the frames), copies every other frame's header and body, keeps the tag header's revision and flags, and sizes
the padding with a mutagen padding function, so the audio moves only when the tag outgrows its room;
:func:`text_frame_forms` writes the values in the replaced frame's encoding where they fit it, and gives an undo the
other forms the replaced frames may have had (two frames of that ID, a v2.4 frame's size as a plain integer).

mutagen's three ID3 writers (an MP3's tag, a WAV's ``id3`` chunk, an AIFF's ``ID3`` chunk) each render the tag with
the tag object's ``_prepare_data`` and place its bytes themselves, resizing the file or the chunk:
:func:`write_frame_by_frame` has them place these bytes instead.  :func:`stored_tag` says which tags are covered:
ID3v2.3 and v2.4 tags without tag-wide unsynchronisation, an extended header or a footer, whose frames of that ID are
neither compressed, encrypted, unsynchronised, grouped nor given a data length.  mutagen's writer rewrites the
others as before; ID3v2.2 tags too, which it writes as v2.3 (a v2.2 tag is read as v2.3, so a request to convert it
to v2.3 cannot be told from one to keep it).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from mutagen import PaddingInfo
from mutagen.id3 import ID3

from musictagger.tags.formats import Id3Family, id3v1_spellings
from musictagger.tags.id3_structure import (
    FLAG_EXTENDED_HEADER,
    FLAG_FOOTER,
    FLAG_UNSYNCHRONISED,
    HEADER_BYTES,
    leading_tag_size,
    synchsafe_bytes,
    walk_frames,
)

LATIN1, UTF16, UTF16BE, UTF8 = range(4)
"""ID3v2 text encodings, as a text frame's first byte names them (UTF-16BE and UTF-8 in v2.4 only)."""
_CODECS = {
    LATIN1: ("latin-1", b"\0"),
    UTF16: ("utf-16-le", b"\0\0"),
    UTF16BE: ("utf-16-be", b"\0\0"),
    UTF8: ("utf-8", b"\0"),
}
_ENCODINGS = {3: (LATIN1, UTF16), 4: (LATIN1, UTF16, UTF16BE, UTF8)}
_BOM = {False: b"\xff\xfe", True: b"\xfe\xff"}
_LARGEST_SEVEN_BITS = 0x7F
"""The largest frame size whose synchsafe and plain forms are the same bytes."""

Placed = tuple[tuple[int, bytes], ...]
"""The frames of one ID a tag is given, each as stored (header and body) after the number of the tag's other frames
between it and the one before it; the first's number counts from where the tag's first frame of that ID was (from
the end of its frames when it has none).  ``()``: no frame of that ID."""


@dataclass(frozen=True)
class StoredTag:
    """An ID3v2.3 or v2.4 tag as stored: its header and its frames (each header and body)."""

    header: bytes
    frames: tuple[bytes, ...]
    synchsafe: bool
    """Whether its frame sizes are synchsafe (ID3v2.4), or the plain integers of v2.3 (and of some v2.4 writers)."""

    @property
    def major(self) -> int:
        """3 or 4: the tag's revision."""
        return self.header[3]

    def frames_of(self, frame_id: str) -> list[bytes]:
        """Its frames of ``frame_id``, in their order."""
        return [frame for frame in self.frames if frame[:4] == frame_id.encode("ascii")]

    def holds_besides(self, frame_id: str) -> bool:
        """Whether it holds frames of another ID than ``frame_id``."""
        return len(self.frames_of(frame_id)) < len(self.frames)

    def covers(self, frame_id: str) -> bool:
        """Whether its ``frame_id`` frames can be replaced by a plain one: no format flag (compression, encryption,
        unsynchronisation, grouping, data length) is set on them."""
        return not any(frame[9] for frame in self.frames_of(frame_id))

    def frame(self, frame_id: str, body: bytes, flags: bytes) -> bytes:
        """A frame of ``body`` with a header as this tag's are: its size synchsafe or plain, as theirs are read."""
        size = synchsafe_bytes(len(body)) if self.synchsafe else len(body).to_bytes(4, "big")
        return frame_id.encode("ascii") + size + flags + body

    @property
    def sizes_read_alike(self) -> bool:
        """Whether it is an ID3v2.4 tag whose frame sizes are each the same bytes synchsafe or plain (all below 128),
        so that they do not say which its writer used: a buggy writer's plain size for a frame of 128 bytes or more
        (one the run replaced) cannot be told from them."""
        return self.major == 4 and all(len(frame) - HEADER_BYTES <= _LARGEST_SEVEN_BITS for frame in self.frames)


def parse_tag(data: bytes) -> StoredTag | None:
    """The tag ``data`` starts with, when it is an ID3v2.3 or v2.4 tag whose frames can be kept as stored (no
    tag-wide unsynchronisation, extended header or footer; frames that add up); None otherwise."""
    header, size = data[:HEADER_BYTES], leading_tag_size(data)
    if not HEADER_BYTES <= size <= len(data) or header[3] not in _ENCODINGS:
        return None
    if header[5] & (FLAG_UNSYNCHRONISED | FLAG_EXTENDED_HEADER | FLAG_FOOTER):
        return None
    walk = walk_frames(data[HEADER_BYTES:size], header[3])
    return None if isinstance(walk, str) else StoredTag(header, walk.frames, walk.synchsafe)


def _mutagen_renders_as_expected() -> bool:
    """Whether this mutagen's ID3 writers render a tag with ``_prepare_data(fileobj, start, available, v2_version,
    v23_sep, pad_func)`` and find it with ``_pre_load_header``, the private methods :func:`write_frame_by_frame` and
    :func:`stored_tag` rely on (mutagen 1.47 and 1.48).  A release that changed them gets mutagen's own writer,
    which keeps the tag's values, not its bytes, rather than a writer that would fail or be passed over."""
    prepare, find = getattr(ID3, "_prepare_data", None), getattr(ID3, "_pre_load_header", None)
    if prepare is None or find is None:
        return False
    expected = ["self", "fileobj", "start", "available", "v2_version", "v23_sep", "pad_func"]
    return list(inspect.signature(prepare).parameters) == expected


WRITES_FRAME_BY_FRAME = _mutagen_renders_as_expected()


def stored_tag(path: Path, tags: ID3, frame_id: str) -> StoredTag | None:
    """The ID3v2 tag of ``path`` (where mutagen found ``tags``: at the start of an MP3, in a WAV's or AIFF's chunk)
    when :func:`with_text_frame` can rewrite its ``frame_id`` frames; None when mutagen's writer must (also with a
    mutagen whose private writer methods are not the ones this module replaces: :data:`WRITES_FRAME_BY_FRAME`)."""
    if not WRITES_FRAME_BY_FRAME or tags.version < (2, 3, 0):
        return None
    with open(path, "rb") as file:
        tags._pre_load_header(file)  # where the tag starts: 0 in an MP3, its chunk in a WAV or an AIFF
        tag = parse_tag(_read_whole_tag(file))
    return tag if tag is not None and tag.covers(frame_id) else None


def with_text_frame(
    tag: StoredTag,
    frame_id: str,
    placed: Placed,
    padding: Callable[[PaddingInfo], int],
    *,
    room: int,
    trailing: int,
) -> bytes:
    """The bytes of ``tag`` with its ``frame_id`` frames replaced by the frames ``placed``: the first where the first
    was (at the end of the frames when there was none), each other that many other frames after the one before it;
    ``()`` removes them.

    Every other frame is copied as stored, in its order, and the header keeps its revision and flags.
    ``padding`` (a mutagen padding function) is asked the zeros after the frames, knowing what is left of
    ``room``, the bytes the tag takes now, and ``trailing``, the bytes after its start, as mutagen asks it."""
    frames = b"".join(frames_placed(tag, frame_id, placed))
    zeros = padding(PaddingInfo(room - HEADER_BYTES - len(frames), trailing))
    if zeros < 0:
        raise ValueError(f"invalid padding {zeros}")
    return tag.header[:6] + synchsafe_bytes(len(frames) + zeros) + frames + bytes(zeros)


def frames_placed(tag: StoredTag, frame_id: str, placed: Placed) -> tuple[bytes, ...]:
    """The frames of ``tag`` with its ``frame_id`` frames replaced by the frames ``placed``, each as stored, in their
    order (see :func:`with_text_frame`)."""
    matching = [i for i, frame in enumerate(tag.frames) if frame[:4] == frame_id.encode("ascii")]
    position = matching[0] if matching else len(tag.frames)  # the frames before the first are all kept
    kept = [frame for i, frame in enumerate(tag.frames) if i not in matching]
    ordered = kept[:position]
    for gap, frame in placed:
        ordered += [*kept[position : position + gap], frame]
        position += gap
    return (*ordered, *kept[position:])


def write_frame_by_frame(tags: ID3, frame_id: str, placed: Placed) -> None:
    """Have mutagen's next save of ``tags`` (an MP3's, a WAV's or an AIFF's) write the tag it finds in the file with
    its ``frame_id`` frames replaced by the frames ``placed`` (:func:`with_text_frame`), instead of the frames it read.

    The tag is read again at each save, so a file saved twice (a restore that misses its size) keeps its frames.
    ValueError when it is no longer one :func:`parse_tag` reads."""

    def prepare(
        file: BinaryIO, start: int, room: int, _v2_version: int, _v23_sep: str, padding: Callable[[PaddingInfo], int]
    ) -> bytes:
        file.seek(start)
        tag = parse_tag(file.read(room))
        if tag is None:
            raise ValueError("its ID3v2 tag changed while it was being written")
        trailing = file.seek(0, 2) - start
        return with_text_frame(tag, frame_id, placed, padding, room=room, trailing=trailing)

    tags._prepare_data = prepare  # what the MP3, WAV and AIFF savers all call for the tag's bytes


def text_frame_forms(tag: StoredTag, frame_id: str, values: Sequence[str], *, restoring: bool) -> list[Placed]:
    """The forms a ``frame_id`` frame of ``tag`` holding ``values`` may take (no frame when there are none), as
    :func:`with_text_frame` places them, with the status flags of the tag's first ``frame_id`` frame.

    The first is the one tagging writes: in the encoding of the tag's first ``frame_id`` frame where every value
    fits it (Latin-1 stays Latin-1), with its UTF-16 byte order and its null after the last value or none, else in
    UTF-16 in v2.3 and UTF-8 in v2.4 (mutagen's choice, as for a new frame); several values separated by nulls in
    v2.4, joined with ``/`` in v2.3, as mutagen's writer joins them (and :class:`Id3Family` splits them).

    ``restoring`` (an undo): then the other forms the frames the run replaced may have had, for the undo to try for
    the file's own bytes: in Latin-1 where tagging had to leave it, a genre as its ID3v1 number too (``(9)Metal``,
    ``(9)``), v2.3 values separated by nulls, as some taggers write them; no frame and an empty one, which mutagen
    reads as an ID3v1 tag's genre (or none) after the audio of an MP3; the size of a frame of 128 bytes or more as a
    plain integer in a v2.4 tag whose sizes do not say (:attr:`StoredTag.sizes_read_alike`); and the values in two
    frames, the second after any of the other frames (mutagen reads two frames of one ID as one of both values)."""
    like = tag.frames_of(frame_id)
    flags = like[0][8:10] if like else b"\0\0"
    form = _Form.of(like[0][HEADER_BYTES:], tag.major) if like else _Form.new(tag.major)
    if not form.fits(values):
        form = replace(_Form.new(tag.major), terminated=form.terminated)

    def frame(each: _Form, texts: Sequence[str], sizes: StoredTag = tag) -> bytes:
        return sizes.frame(frame_id, each.body(texts), flags)

    if not restoring:
        return [((0, frame(form, _texts(values, tag.major, joined=True))),) if values else ()]
    forms = [form, replace(form, encoding=LATIN1, big_endian=False)]
    holding = [each for each in forms if values and each.fits(values)]
    spellings = id3v1_spellings(values) if frame_id == "TCON" else [list(values)]
    joins = (True, False) if tag.major == 3 and len(values) > 1 else (True,)
    sized = [tag, replace(tag, synchsafe=False)] if tag.sizes_read_alike else [tag]
    one = [
        ((0, frame(each, _texts(spelling, tag.major, joined=joined), sizes)),)
        for each in holding
        for spelling in spellings
        for joined in joins
        for sizes in sized
    ]
    empty = [((0, frame(each, [""])),) for each in forms]
    first = tag.frames.index(like[0]) if like else len(tag.frames)
    others_after = sum(other[:4] != frame_id.encode("ascii") for other in tag.frames[first:])
    two = [
        (
            (0, frame(each, _texts(values[:split], tag.major, joined=True))),
            (gap, frame(each, _texts(values[split:], tag.major, joined=True))),
        )
        for each in holding
        for split in range(1, len(values))
        for gap in range(others_after + 1)
    ]
    return list(dict.fromkeys([*one, (), *empty, *two]))


@dataclass(frozen=True)
class _Form:
    """How a text frame's values are written: their encoding, UTF-16's byte order, a null after the last or not."""

    encoding: int
    big_endian: bool = False
    terminated: bool = True

    @classmethod
    def new(cls, major: int) -> _Form:
        """mutagen's form for new text: UTF-16 (little-endian, with a byte order mark) in v2.3, UTF-8 in v2.4, each
        value followed by a null."""
        return cls(UTF16 if major == 3 else UTF8)

    @classmethod
    def of(cls, body: bytes, major: int) -> _Form:
        """The form of a stored text frame's ``body``; :meth:`new`'s when its encoding is not one of ``major``."""
        if not body or body[0] not in _ENCODINGS[major]:
            return cls.new(major)
        encoding, text = body[0], body[1:]
        null = _CODECS[encoding][1]
        terminated = text.endswith(null) and len(text) % len(null) == 0
        return cls(encoding, encoding == UTF16 and text[:2] == _BOM[True], terminated)

    def fits(self, values: Sequence[str]) -> bool:
        """Whether the encoding holds every character of ``values`` (only Latin-1 does not hold them all)."""
        return self.encoding != LATIN1 or all(map(_latin1, values))

    def body(self, texts: Sequence[str]) -> bytes:
        """A text frame's body holding ``texts`` (null-separated strings) in this form."""
        codec, null = _CODECS[self.encoding]
        if self.encoding == UTF16:
            codec = "utf-16-be" if self.big_endian else "utf-16-le"
        bom = _BOM[self.big_endian] if self.encoding == UTF16 else b""
        encoded = null.join(bom + text.encode(codec) for text in texts)
        return bytes([self.encoding]) + encoded + (null if self.terminated else b"")


def _texts(values: Sequence[str], major: int, *, joined: bool) -> list[str]:
    """The strings a frame holds for ``values``: each its own, or in v2.3 (``joined``) one, joined with ``/``."""
    return [Id3Family.V23_SEPARATOR.join(values)] if major == 3 and joined else list(values)


def _latin1(value: str) -> bool:
    """Whether Latin-1 holds every character of ``value``."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _read_whole_tag(file: BinaryIO) -> bytes:
    """The ID3v2 tag at ``file``'s position: its header and the bytes its size says (fewer when the file ends)."""
    header = file.read(HEADER_BYTES)
    return header + file.read(max(leading_tag_size(header) - HEADER_BYTES, 0))
