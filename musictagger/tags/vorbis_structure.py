"""Whether a file's Vorbis comments (FLAC, Ogg Vorbis, Opus, Speex) can be rewritten without changing other fields.

mutagen reads Vorbis comments forgivingly and writes back what it read: bytes that are not UTF-8 come back
as U+FFFD, a field without ``=`` comes back renamed ``unknown2=…``, and a field whose name is not one
(outside ASCII ``0x20``–``0x7D``, or with ``=``) is dropped.  So tagging such a file would change fields
it was not asked to touch, for good.  :func:`vorbis_comment_damage` reads the comment block's raw fields
and says which one would not survive.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from pathlib import Path

import mutagen
from mutagen._vorbis import is_valid_key
from mutagen.flac import FLAC
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis

from musictagger.tags.flac_structure import VORBIS_COMMENT, metadata_blocks

_PACKET_MARKS = {OggVorbis: b"\x03vorbis", OggOpus: b"OpusTags", OggSpeex: b""}  # Speex's has none


def with_field(fields: Sequence[tuple[str, str]], key: str, values: Sequence[str]) -> list[tuple[str, str]]:
    """Vorbis comment ``fields`` (name, value pairs in their order) with ``key``'s values set to ``values``, every other
    field as it was.

    The values take the places of the fields named ``key`` (in any case) in their order, each spelt as the field it
    replaces (``genre=`` stays lower case, and so does a second field's ``Genre=``); values beyond them follow the last,
    spelt as the first; fields beyond the values go.  So appending a value leaves the fields there as they were, and
    the undo of a run (the old values set again) gives back the fields of a file whose values the run only added to;
    mutagen's own assignment moves the field to the end and spells every value as given."""
    places = [i for i, (name, _value) in enumerate(fields) if name.casefold() == key.casefold()]
    spellings = [fields[i][0] for i in places] or [key]
    written = [(spellings[n] if n < len(spellings) else spellings[0], value) for n, value in enumerate(values)]
    taken = dict(zip(places, written, strict=False))
    rest = written[len(places) :]
    result: list[tuple[str, str]] = []
    for i, pair in enumerate(fields):
        if i not in places:
            result.append(pair)
        elif i in taken:
            result.append(taken[i])
        if places and i == places[-1]:
            result.extend(rest)
    return result if places else [*result, *rest]


def vorbis_comment_damage(path: Path, file_type: type[mutagen.FileType]) -> str | None:
    """Which field of ``path``'s Vorbis comments a rewrite would change or drop, or None when every one survives."""
    with open(path, "rb") as file:
        if file_type is FLAC:
            block = (metadata_blocks(file, {VORBIS_COMMENT}) or {}).get(VORBIS_COMMENT)
        else:
            block = _ogg_packet(file, _PACKET_MARKS.get(file_type))
    if block is None:
        return None
    for field in _fields(block):
        if field is None:
            return "its Vorbis comment block is cut short"
        shown = field[:40].decode("latin-1") + ("…" if len(field) > 40 else "")
        try:
            text = field.decode("utf-8")
        except UnicodeDecodeError:
            return f"its Vorbis comment {shown!r} is not UTF-8 text, which rewriting would replace"
        name, equals, _ = text.partition("=")
        if not equals:
            return f"its Vorbis comment {shown!r} has no '=', which rewriting would rename"
        if not is_valid_key(name):
            return f"its Vorbis comment {shown!r} has a name rewriting would drop"
    return None


def _fields(block: bytes) -> list[bytes | None]:
    """The raw ``name=value`` fields of a comment block (after the vendor string); None for one cut short."""
    data = io.BytesIO(block)
    try:
        (vendor,) = struct.unpack("<I", data.read(4))
        data.seek(vendor, io.SEEK_CUR)
        (count,) = struct.unpack("<I", data.read(4))
    except struct.error:
        return [None]
    fields: list[bytes | None] = []
    for _ in range(count):
        size = data.read(4)
        length = struct.unpack("<I", size)[0] if len(size) == 4 else -1
        field = data.read(max(length, 0))
        if len(field) != length:
            return [*fields, None]
        fields.append(field)
    return fields


def _ogg_packet(file: io.BufferedReader, mark: bytes | None) -> bytes | None:
    """The comment header of an Ogg stream's first logical stream (its second packet), without ``mark``."""
    if mark is None:
        return None
    try:
        first = OggPage(file)
        pages, complete = [], False
        while not complete:
            page = OggPage(file)
            if page.serial == first.serial:
                pages.append(page)
                complete = page.complete or len(page.packets) > 1
    except (mutagen.MutagenError, EOFError, struct.error):
        return None
    packet = OggPage.to_packets(pages)[0]
    return packet[len(mark) :] if packet.startswith(mark) else None
