"""The APEv2 tag that ends a WavPack, Monkey's Audio or Musepack file, read and rewritten item by item.

mutagen reads these tags (:class:`musictagger.tags.formats.ApeFamily`), but its writer sorts the items by
size, clears their read-only flags, gives a tag without a header one and truncates the file at the tag, so
an ID3v1 tag after it is lost: other taggers' items would move, and an undo could not give the file's bytes
back.  :func:`set_ape_item` changes one item and keeps every other byte: the other items as stored, in their
order with their flags, the header and footer with only their size and count changed, and the bytes after
the footer (an ID3v1 tag).  A tag elsewhere (at the file's start, before a Lyrics3 tag) is left alone:
:func:`ape_rewrite_problem` says so.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

PREAMBLE = b"APETAGEX"
BLOCK = 32
"""Bytes of an APEv2 header or footer."""
ID3V1 = 128
HAS_HEADER = 1 << 31
IS_HEADER = 1 << 29
READ_ONLY = 1
NEW_TAG_VERSION = 2000
APEV1_VERSION = 1000
_KINDS = {0: "text", 1: "binary data", 2: "an external reference", 3: "a reserved kind"}


@dataclass(frozen=True)
class ApeTag:
    """An APEv2 tag at the end of a file: where it lies and its items' bytes as stored."""

    start: int
    """Offset of its header (of its first item when it has none)."""
    end: int
    """Offset after its footer: an ID3v1 tag, or the end of the file."""
    header: bytes | None
    footer: bytes
    items: tuple[bytes, ...]

    @property
    def version(self) -> int:
        """1000 for an APEv1 tag, 2000 for an APEv2 tag."""
        return struct.unpack("<I", self.footer[8:12])[0]

    def item_keys(self) -> list[str]:
        """Each item's key, as spelt."""
        return [_key(item) for item in self.items]


def read_ape_tag(file: BinaryIO) -> ApeTag | str | None:
    """The APEv2 tag ending ``file`` (before an ID3v1 tag, if any); what is wrong with it when it is damaged
    (a phrase such as ``its APEv2 tag says ...``, to which callers add the file's name); None when there is none
    there."""
    end = _tags_end(file)
    if end < BLOCK:
        return None
    file.seek(end - BLOCK)
    footer = file.read(BLOCK)
    if footer[:8] != PREAMBLE:
        return None
    _version, tag_size, count, flags = struct.unpack("<4I", footer[8:24])
    if tag_size < BLOCK:
        return f"its APEv2 tag says it is {_count(tag_size, 'byte')} long, less than its own {BLOCK}-byte footer"
    start = end - tag_size - (BLOCK if flags & HAS_HEADER else 0)
    if start < 0:
        with_header = " with its header" if flags & HAS_HEADER else ""
        return (
            f"its APEv2 tag says it is {end - start} bytes long{with_header}, and the file holds {end} bytes "
            "up to the tag's end"
        )
    file.seek(start)
    header = file.read(BLOCK) if flags & HAS_HEADER else None
    if header is not None and header[:8] != PREAMBLE:
        return "its APEv2 tag's footer says a header comes before its items, and there is none there"
    if header is not None and header[8:20] != footer[8:20]:
        return "its APEv2 tag's header and footer disagree on the tag's version, size or number of items"
    body = file.read(tag_size - BLOCK)
    items, offset = [], 0
    for _ in range(count):
        if offset == len(body):
            return f"its APEv2 tag says it holds {_count(count, 'item')}, and holds {len(items)}"
        if offset + 8 > len(body) or (key_end := body.find(b"\0", offset + 8)) < 0:
            return f"its APEv2 tag's item {len(items) + 1} of {count} runs past the tag's end"
        (length,) = struct.unpack("<I", body[offset : offset + 4])
        if key_end + 1 + length > len(body):
            return f"its APEv2 tag's item {len(items) + 1} of {count} runs past the tag's end"
        items.append(body[offset : key_end + 1 + length])
        offset = key_end + 1 + length
    if offset != len(body):
        return (
            f"its APEv2 tag holds {_count(len(body) - offset, 'byte')} after the {_count(count, 'item')} "
            "it says it holds"
        )
    return ApeTag(start, end, header, footer, tuple(items))


def ape_rewrite_problem(path: Path, key: str, *, mutagen_found: bool) -> str | None:
    """Why :func:`set_ape_item` cannot write ``key`` into ``path`` keeping everything else; None when it can.

    ``mutagen_found``: mutagen read an APEv2 tag from the file (it finds one at the start too, or before a
    Lyrics3 tag, where this writer would add a second one).  Refused besides a damaged tag: an APEv1 tag (its
    values are not UTF-8); items of ``key`` in several spellings (mutagen reads the last alone, so the preview
    and the journal would miss the others, which the writer would replace with one); an item of ``key`` flagged
    read-only (the standard says it must not be changed), or holding binary data or an external reference
    (text would replace it)."""
    with open(path, "rb") as file:
        tag = read_ape_tag(file)
    if isinstance(tag, str):
        return tag
    if tag is None:
        return (
            "its APEv2 tag does not end the file (it is at the start, or before a Lyrics3 tag)"
            if mutagen_found
            else None
        )
    if tag.version != NEW_TAG_VERSION:
        if tag.version == APEV1_VERSION:
            return "its APE tag is an APEv1 tag, whose values cannot hold the UTF-8 text tagging writes"
        return f"its APE tag says it is of version {tag.version}, which tagging does not know (APEv2 is 2000)"
    matching = [
        (item, item_key)
        for item, item_key in zip(tag.items, tag.item_keys(), strict=True)
        if item_key.casefold() == key.casefold()
    ]
    if len(matching) > 1:
        spellings = ", ".join(item_key for _item, item_key in matching)
        return (
            f"its APEv2 tag holds {len(matching)} {key} items, spelt {spellings}, of which mutagen reads only the "
            f"last: writing {key} would keep one of them"
        )
    for item, item_key in matching:
        if _flags(item) & READ_ONLY:
            return f"its APEv2 {item_key} item is flagged read-only, which the APEv2 standard says must not be changed"
        if kind := (_flags(item) >> 1) & 3:
            return f"its APEv2 {item_key} item holds {_KINDS[kind]}, not text, which writing text would replace"
    return None


def set_ape_item(path: Path, key: str, values: Sequence[str], *, size: int | None = None) -> None:
    """Give the text item ``key`` of the APEv2 tag ending ``path`` ``values`` (NUL-separated), where its item
    was and spelt as it was; no values removes it.

    Every other byte stays: a file without a tag gets one (header, item, footer) before its ID3v1 tag, if
    any; a tag left with no items is removed, unless keeping it gives the file ``size`` bytes: an undo passes
    the size the file had before the run, so an empty tag it had comes back.  Callers check
    :func:`ape_rewrite_problem` first."""
    with open(path, "r+b") as file:
        tag = read_ape_tag(file)
        if isinstance(tag, str):
            raise ValueError(tag)
        if tag is None:
            end = _tags_end(file)
            tag = ApeTag(
                end, end, _block(NEW_TAG_VERSION, HAS_HEADER | IS_HEADER), _block(NEW_TAG_VERSION, HAS_HEADER), ()
            )
        file.seek(tag.end)
        after = file.read()
        matching = [i for i, item_key in enumerate(tag.item_keys()) if item_key.casefold() == key.casefold()]
        place = matching[0] if matching else len(tag.items)
        spelling, flags = (_key(tag.items[place]), _flags(tag.items[place])) if matching else (key, 0)
        value = "\0".join(values).encode("utf-8")
        new_items = [struct.pack("<2I", len(value), flags) + spelling.encode("ascii") + b"\0" + value] if values else []
        kept = [item for i, item in enumerate(tag.items) if i not in matching]
        items = kept[:place] + new_items + kept[place:]
        body = b"".join(items)
        sizes = struct.pack("<2I", len(body) + BLOCK, len(items))
        header = b"" if tag.header is None else tag.header[:12] + sizes + tag.header[20:]
        block = header + body + tag.footer[:12] + sizes + tag.footer[20:]
        if not items and size != tag.start + len(block) + len(after):
            block = b""
        file.seek(tag.start)
        file.write(block + after)
        file.truncate()


def is_id3v1_tag(last: bytes) -> bool:
    """Whether ``last``, a file's last 128 bytes, are an ID3v1 tag: they begin with ``TAG`` and do not end as an APEv2
    tag does.  An APEv2 tag whose header lies 131 bytes before the end (or an item holding ``TAG`` where an ID3v1 tag
    would begin) ends the file with ``TAG`` 128 bytes before its end too; an ID3v1 tag never ends with ``APETAGEX``
    32 bytes before its end, and mutagen tells them apart so too."""
    return len(last) == ID3V1 and last.startswith(b"TAG") and last[-BLOCK:][: len(PREAMBLE)] != PREAMBLE


def _tags_end(file: BinaryIO) -> int:
    """Where an APEv2 tag ending ``file`` ends: before its ID3v1 tag (:func:`is_id3v1_tag`), if any."""
    size = file.seek(0, 2)
    if size < ID3V1:
        return size
    file.seek(size - ID3V1)
    return size - ID3V1 if is_id3v1_tag(file.read(ID3V1)) else size


def _block(version: int, flags: int) -> bytes:
    """A new header or footer (size and count filled in when the tag is written)."""
    return PREAMBLE + struct.pack("<4I", version, 0, 0, flags) + bytes(8)


def _count(number: int, noun: str) -> str:
    """``1 item``, ``2 items``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _key(item: bytes) -> str:
    return item[8 : item.index(b"\0", 8)].decode("ascii", "replace")


def _flags(item: bytes) -> int:
    return struct.unpack("<I", item[4:8])[0]
