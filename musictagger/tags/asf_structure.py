"""A WMA (ASF) file's header attributes, rewritten attribute by attribute.

mutagen reads an ASF file's attributes (:class:`musictagger.tags.formats.AsfFamily`), but its writer renders the
whole header again: it adds an empty Content Description, Extended Content Description, Metadata and Metadata Library
object where the file has none, moves a Padding object out of the Header Extension to the end of the header, ends
every text value with a null whether it had one or not, and leaves the File Properties object's file size as it was
though the file grew or shrank.  :func:`set_asf_attribute` changes the values of one attribute and keeps every other
byte: the other attributes (cover art ``WM/Picture``, ``WM/AlbumArtist``, MusicBrainz ids, custom ones) as stored and
in their order, in the objects holding them, and the audio packets after the header, which move only when the header
changes size.

An attribute's first value is written where Windows Media Player, foobar2000 and FFmpeg read it, in the Extended
Content Description object; its other values, as further attributes of that name in the Metadata Library object (where
Windows Media Player keeps a multi-valued attribute's, and mutagen reads them after the first: FFmpeg reads the first
alone).  Values replace the attributes of that name where they are, in order; more values than there were attributes
end the Metadata Library object (the first of them the Extended Content Description object, in a file without such an
attribute); fewer remove the last ones.  The Padding object, where the file has one, wherever it is, takes up the
difference, as a mutagen padding function chooses (:class:`~mutagen.PaddingInfo`); a file without one is not given
one.  The File Properties object's file size follows the file's, where it said the file's size.

A file protected by DRM (:func:`drm_protection`) is not rewritten at all: its licence may be bound to its header.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen import PaddingInfo
from mutagen._util import resize_bytes
from mutagen.asf._objects import (
    ContentEncryptionObject,
    ExtendedContentDescriptionObject,
    ExtendedContentEncryptionObject,
    FilePropertiesObject,
    HeaderExtensionObject,
    HeaderObject,
    MetadataLibraryObject,
    MetadataObject,
    PaddingObject,
    StreamPropertiesObject,
)
from mutagen.asf._util import guid2bytes

HEADER_GUID = HeaderObject.GUID
"""The first 16 bytes of an ASF file."""
HEADER_FIXED = 30
"""Bytes of the Header object before its objects: GUID, size, object count and two reserved bytes."""
_OBJECT = struct.Struct("<16sQ")
"""An object's GUID and size (the size counts these 24 bytes)."""
_EXTENSION_FIXED = 46
"""Bytes of the Header Extension object before its objects: GUID, size, a reserved GUID and 16-bit field, data size."""
_EXTENSION_RESERVED = bytes.fromhex("11d2d3abbaa9cf118ee600c00c205365") + b"\x06\x00"
"""The Header Extension object's reserved fields, as the specification fixes them."""
DATA_GUID = guid2bytes("75B22636-668E-11CF-A6D9-00AA0062CE6C")
"""The first bytes of the Data object, which follows the header and holds the packets."""
FILE_PROPERTIES_GUID = FilePropertiesObject.GUID
FILE_SIZE_AT = 40
"""Where the File Properties object's file size is, from the object's start (after its GUID, size and file id)."""
_UNICODE = 0
"""The value type of text (UTF-16LE, ending with a null)."""
_ECD_RECORD = struct.Struct("<H")
_LIBRARY_RECORD = struct.Struct("<HHHHI")
"""A Metadata (Library) record's language (reserved in a Metadata object), stream, name length, type, value length."""
NAMES = {
    ExtendedContentDescriptionObject.GUID: "Extended Content Description",
    MetadataObject.GUID: "Metadata",
    MetadataLibraryObject.GUID: "Metadata Library",
}
PROTECTION = {
    ContentEncryptionObject.GUID: "Content Encryption",
    ExtendedContentEncryptionObject.GUID: "Extended Content Encryption",
    guid2bytes("2211B3FC-BD23-11D2-B4B7-00A0C955FC6E"): "Digital Signature",
    guid2bytes("43058533-6981-49E6-9B74-AD12CB86D58C"): "Advanced Content Encryption",  # PlayReady's, in the extension
}
"""The objects of a header whose file is protected by DRM, as the ASF specification names them: Windows Media DRM's
licence and its key are bound to the header (FFmpeg's reader warns of the same objects), so rewriting it may leave the
file unplayable where it was licensed."""


@dataclass(frozen=True)
class AsfObject:
    """An object of the header: its GUID, and where it starts and ends in the header's bytes."""

    guid: bytes
    start: int
    end: int


@dataclass(frozen=True)
class Record:
    """An attribute record of an Extended Content Description, Metadata or Metadata Library object: its name, value
    type and where it starts and ends in the header's bytes."""

    name: str
    kind: int
    start: int
    end: int


@dataclass(frozen=True)
class AsfHeader:
    """An ASF file's Header object as stored (``data``), its objects and those of its Header Extension object."""

    data: bytes
    objects: tuple[AsfObject, ...]
    extension: tuple[AsfObject, ...]

    def find(self, guid: bytes) -> AsfObject | None:
        """The first object ``guid`` of the header or its Header Extension object."""
        return next((obj for obj in (*self.objects, *self.extension) if obj.guid == guid), None)

    def records(self, guid: bytes) -> list[Record]:
        """The attribute records of object ``guid`` (none when the file has no such object); ValueError when they run
        past its end."""
        obj = self.find(guid)
        if obj is None:
            return []
        try:
            return self._records(obj)
        except struct.error as exc:  # a count, name or value length past the header's end
            raise ValueError(f"its {NAMES[guid]} object's attributes run past the header's end") from exc

    def _records(self, obj: AsfObject) -> list[Record]:
        body = obj.start + _OBJECT.size
        (count,) = _ECD_RECORD.unpack_from(self.data, body)
        records, at = [], body + 2
        for _ in range(count):
            if obj.guid == ExtendedContentDescriptionObject.GUID:
                (name_length,) = _ECD_RECORD.unpack_from(self.data, at)
                name_at = at + 2
                kind, value_length = struct.unpack_from("<HH", self.data, name_at + name_length)
                end = name_at + name_length + 4 + value_length
            else:
                _, _, name_length, kind, value_length = _LIBRARY_RECORD.unpack_from(self.data, at)
                name_at = at + _LIBRARY_RECORD.size
                end = name_at + name_length + value_length
            if end > obj.end:
                raise ValueError(f"its {NAMES[obj.guid]} object's attribute at byte {at} runs past the object's end")
            name = self.data[name_at : name_at + name_length].decode("utf-16-le", "replace").rstrip("\0")
            records.append(Record(name, kind, at, end))
            at = end
        return records


def read_header(path: Path) -> AsfHeader:
    """The Header object of the ASF file ``path``; ValueError saying what is wrong when it is not whole."""
    with open(path, "rb") as file:
        fixed = file.read(HEADER_FIXED)
        if len(fixed) < HEADER_FIXED or fixed[:16] != HEADER_GUID:
            raise ValueError("its ASF header is cut short")
        size, count = struct.unpack_from("<QI", fixed, 16)
        past_end = ValueError(f"its ASF header says it is {size} bytes long, past the end of the file (truncated?)")
        if size > os.fstat(file.fileno()).st_size:  # a damaged size: reading it would allocate as many bytes first
            raise past_end
        data = fixed + file.read(max(size - HEADER_FIXED, 0))
    if len(data) != size:
        raise past_end
    return parse_header(data, count)


def parse_header(data: bytes, count: int | None = None) -> AsfHeader:
    """:func:`read_header` of the header bytes ``data`` (``count``: the objects it says it holds)."""
    if count is None:
        (count,) = struct.unpack_from("<I", data, 24)
    objects = _objects(data, HEADER_FIXED, len(data), count)
    extension = next((obj for obj in objects if obj.guid == HeaderExtensionObject.GUID), None)
    inner = () if extension is None else _objects(data, extension.start + _EXTENSION_FIXED, extension.end)
    return AsfHeader(data, objects, inner)


def _objects(data: bytes, start: int, end: int, count: int | None = None) -> tuple[AsfObject, ...]:
    """The objects from ``start`` to ``end`` of ``data`` (the first ``count`` of them); ValueError when one runs past
    ``end``."""
    objects: list[AsfObject] = []
    while (start < end) if count is None else (len(objects) < count):
        if start + _OBJECT.size > end:
            raise ValueError(f"its ASF header holds fewer objects than it says (byte {start})")
        guid, size = _OBJECT.unpack_from(data, start)
        if size < _OBJECT.size or start + size > end:
            raise ValueError(f"its ASF header's object at byte {start} says it is {size} bytes long, past its end")
        objects.append(AsfObject(guid, start, start + size))
        start += size
    return tuple(objects)


def is_asf(path: str | Path) -> bool:
    """Whether ``path`` begins with an ASF header, whatever its name: the tagger reads and writes such a file as ASF
    (a WMA named ``.mp3``, as downloads were renamed); OSError when it cannot be read."""
    with open(path, "rb") as file:
        return file.read(len(HEADER_GUID)) == HEADER_GUID


def drm_protection(path: Path) -> str | None:
    """Why ``path``, an ASF file protected by DRM (a :data:`PROTECTION` object in its header), must be left alone, or
    None: not an ASF file (its first bytes no ASF header's, which :func:`read_header` checks, as the tagger tells its
    family), or one without such an object (a header that cannot be read is :func:`asf_rewrite_problem`'s to
    report)."""
    try:
        return _protection(read_header(path))
    except (OSError, ValueError):
        return None


def _protection(header: AsfHeader) -> str | None:
    """:func:`drm_protection` of ``header``."""
    name = next((name for guid, name in PROTECTION.items() if header.find(guid) is not None), None)
    if name is None:
        return None
    kind = f"{'an' if name[0] in 'AEIOU' else 'a'} {name}"  # an Extended or Advanced Content Encryption object
    return f"protected by DRM (its ASF header has {kind} object): writing tags into it could break its licence"


def asf_rewrite_problem(path: Path, name: str) -> str | None:
    """Why :func:`set_asf_attribute` would not write attribute ``name`` into ``path`` as it should, or None: a header
    that is not whole, protection by DRM (:func:`drm_protection`), or attributes of that name that are not text
    (tagging would replace them) or that belong to one stream (in the Metadata object, which tagging does not
    write)."""
    try:
        header = read_header(path)
        stored = {guid: header.records(guid) for guid in NAMES}
    except ValueError as exc:
        return str(exc)
    if protection := _protection(header):
        return protection
    if any(record.name == name for record in stored[MetadataObject.GUID]):
        return f"its {name} attribute is one stream's (in its Metadata object), which tagging does not write"
    if any(record.name == name and record.kind != _UNICODE for records in stored.values() for record in records):
        return f"its {name} attribute holds binary data, not text"
    return None


def set_asf_attribute(
    path: Path,
    name: str,
    values: Sequence[str],
    padding: Callable[[PaddingInfo], int],
    *,
    drop_empty_library: bool = False,
) -> None:
    """Give attribute ``name`` of ``path``'s ASF header ``values`` (none removes it), every other byte kept, the
    Padding object sized by ``padding`` (see the module's docstring).  ``drop_empty_library``: an undo's form for a
    file that had no Metadata Library object, which the run made for a second value: the object goes when it holds
    nothing else.  ValueError when the header is not whole or a value cannot be stored."""
    header = read_header(path)
    content_size = path.stat().st_size - len(header.data)
    new = header_with(header, name, values, padding, content_size, drop_empty_library=drop_empty_library)
    with open(path, "r+b") as file:
        resize_bytes(file, len(header.data), len(new), 0)
        file.seek(0)
        file.write(new)


def padding_size(header: AsfHeader) -> int | None:
    """The bytes the Padding object of ``header`` holds (None: it has none)."""
    pad = header.find(PaddingObject.GUID)
    return None if pad is None else pad.end - pad.start - _OBJECT.size


def header_with(
    header: AsfHeader,
    name: str,
    values: Sequence[str],
    padding: Callable[[PaddingInfo], int],
    content_size: int,
    *,
    drop_empty_library: bool = False,
) -> bytes:
    """The bytes of ``header`` with attribute ``name`` holding ``values`` (:func:`set_asf_attribute`), before
    ``content_size`` bytes of the file after the header."""
    ecd, library = ExtendedContentDescriptionObject.GUID, MetadataLibraryObject.GUID
    slots = [(guid, record) for guid in (ecd, library) for record in header.records(guid) if record.name == name]
    more = values[len(slots) :]
    first = more[:1] if not slots else ()  # in a file without the attribute, the first value where players read it
    added = {ecd: first, library: more[len(first) :]}
    replaced = {
        guid: _object(guid, struct.pack("<H", len(records)) + b"".join(records))
        for guid in (ecd, library)
        for records in [_records_with(header, guid, name, slots, values, added[guid])]
    }
    if drop_empty_library and len(replaced[library]) == _OBJECT.size + 2:  # none left
        replaced[library] = b""

    def rendered(pad: int) -> bytes:
        objects = {**replaced, PaddingObject.GUID: _object(PaddingObject.GUID, bytes(pad))}
        return _header_bytes(header, objects, content_size)

    unpadded = rendered(0)
    if padding_size(header) is None:
        return unpadded
    return rendered(max(padding(PaddingInfo(len(header.data) - len(unpadded), content_size)), 0))


def _records_with(
    header: AsfHeader,
    guid: bytes,
    name: str,
    slots: Sequence[tuple[bytes, Record]],
    values: Sequence[str],
    added: Sequence[str],
) -> list[bytes]:
    """The records of object ``guid`` as stored, those of ``name`` (``slots``: all of them, in order) holding
    ``values`` in turn and removed where there are fewer values, and records of ``added`` values after them."""
    render = _ecd_record if guid == ExtendedContentDescriptionObject.GUID else _library_record
    places = {record.start: index for index, (_, record) in enumerate(slots)}
    records = []
    for record in header.records(guid):
        raw = header.data[record.start : record.end]
        index = places.get(record.start) if record.name == name else None
        if index is None:
            records.append(raw)
        elif index < len(values):
            records.append(render(name, values[index], raw[:4]))
    return records + [render(name, value) for value in added]


def _text(value: str) -> bytes:
    """``value`` as ASF stores text: UTF-16LE ending with a null."""
    return (value + "\0").encode("utf-16-le")


def _ecd_record(name: str, value: str, _place: bytes = b"") -> bytes:
    """An Extended Content Description record of text ``value`` (which has no language or stream: ``_place`` is
    :func:`_library_record`'s); ValueError when it is too long for one."""
    name_bytes, value_bytes = _text(name), _text(value)
    if len(value_bytes) > 0xFFFF:
        raise ValueError(f"a {name} value of {len(value)} characters is longer than ASF stores there")
    return (
        struct.pack("<H", len(name_bytes)) + name_bytes + struct.pack("<HH", _UNICODE, len(value_bytes)) + value_bytes
    )


def _library_record(name: str, value: str, place: bytes = bytes(4)) -> bytes:
    """A Metadata Library record of text ``value`` for the language and stream ``place`` (as stored; none: the
    file's, all streams)."""
    name_bytes, value_bytes = _text(name), _text(value)
    return place + struct.pack("<HHI", len(name_bytes), _UNICODE, len(value_bytes)) + name_bytes + value_bytes


def _object(guid: bytes, body: bytes) -> bytes:
    return _OBJECT.pack(guid, _OBJECT.size + len(body)) + body


def _header_bytes(header: AsfHeader, replaced: dict[bytes, bytes], content_size: int) -> bytes:
    """``header`` with the objects of ``replaced`` (GUID → the object's new bytes) in the place of the first of that
    GUID, and where it has none, an Extended Content Description object ending the header, a Metadata Library object
    ending its Header Extension (made if it has none) when it holds attributes; its sizes, object counts and the File
    Properties object's file size following."""
    missing = {
        guid
        for guid, obj in replaced.items()
        if guid != PaddingObject.GUID and header.find(guid) is None and len(obj) > _OBJECT.size + 2  # has records
    }

    def spliced(objects: Sequence[AsfObject], end: int) -> tuple[bytes, int]:
        parts, position = [], objects[0].start if objects else end
        for obj in objects:
            parts.append(header.data[position : obj.start])
            if obj.guid == HeaderExtensionObject.GUID:
                parts.append(extension_bytes(obj))
            elif obj.guid in replaced and header.find(obj.guid) == obj:
                parts.append(replaced[obj.guid])
            else:
                parts.append(header.data[obj.start : obj.end])
            position = obj.end
        parts.append(header.data[position:end])
        return b"".join(parts), len(objects)

    def extension_bytes(obj: AsfObject | None) -> bytes:
        inner, _ = spliced(header.extension, obj.end) if obj is not None else (b"", 0)
        if MetadataLibraryObject.GUID in missing:
            inner += replaced[MetadataLibraryObject.GUID]
        fixed = header.data[obj.start + _OBJECT.size : obj.start + 42] if obj is not None else _EXTENSION_RESERVED
        body = fixed + struct.pack("<I", len(inner)) + inner
        return _object(HeaderExtensionObject.GUID, body)

    extension = next((obj for obj in header.objects if obj.guid == HeaderExtensionObject.GUID), None)
    body, count = spliced(header.objects, len(header.data))
    if ExtendedContentDescriptionObject.GUID in missing:
        body, count = body + replaced[ExtendedContentDescriptionObject.GUID], count + 1
    if extension is None and MetadataLibraryObject.GUID in missing:
        body, count = body + extension_bytes(None), count + 1
    data = bytearray(HEADER_GUID + struct.pack("<QI", HEADER_FIXED + len(body), count) + header.data[28:30] + body)
    _follow_file_size(header, data, content_size)
    return bytes(data)


def _follow_file_size(header: AsfHeader, data: bytearray, content_size: int) -> None:
    """Give the File Properties object of ``data`` (``header`` rewritten) the new file's size, where it said the old
    one's (a broadcast file's says none)."""
    old = header.find(FilePropertiesObject.GUID)
    new = parse_header(bytes(data)).find(FilePropertiesObject.GUID)
    if old is None or new is None or old.end - old.start < FILE_SIZE_AT + 8:
        return
    (said,) = struct.unpack_from("<Q", header.data, old.start + FILE_SIZE_AT)
    if said == len(header.data) + content_size:
        struct.pack_into("<Q", data, new.start + FILE_SIZE_AT, len(data) + content_size)


def undo_gives_back_attribute(original: Path, tagged: Path, name: str, values: Sequence[str]) -> bool:
    """Whether the undo of writing attribute ``name`` into ``original`` (making ``tagged``) gives back its header:
    whether setting ``values``, the old ones, in ``tagged``'s header, in a form the undo tries, makes it
    ``original``'s, byte for byte (not where the run replaced values stored without their closing null, or apart
    from where it writes them)."""
    before, after = read_header(original), read_header(tagged)
    content_size = tagged.stat().st_size - len(after.data)
    room = padding_size(before) or 0
    return any(
        header_with(after, name, values, lambda _info: room, content_size, drop_empty_library=drop) == before.data
        for drop in (False, True)
    )


def decoder_objects(header: AsfHeader) -> list[AsfObject]:
    """The File Properties and Stream Properties objects of ``header``: how a decoder reads the packets (ValueError
    when it has neither)."""
    objects = [obj for obj in header.objects if obj.guid in (FILE_PROPERTIES_GUID, StreamPropertiesObject.GUID)]
    if not objects:
        raise ValueError("its ASF header has no File Properties or Stream Properties object")
    return objects
