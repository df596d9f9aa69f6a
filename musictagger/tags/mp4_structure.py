"""An MP4 file's iTunes-style item list (``moov.udta.meta.ilst``), rewritten item by item, and whether rewriting
its tags would damage the file.

mutagen reads these items (:class:`musictagger.tags.formats.Mp4Family`), but its writer renders every item
again, sorted into iTunes' order (``©gen`` before ``©too``, ``----`` then ``covr`` near the end), writes the
items it cannot read after the others, and always leaves a ``free`` atom after the list: an FFmpeg file's
``©too`` item, which FFmpeg writes before its ``©gen``, came back after it from a tag and its undo, and so did
other taggers' items in their own order, so the undo did not give back the file's bytes.  :func:`set_mp4_item`
changes one item and keeps every other byte: the other items as stored and in their order (freeform ``----``
items, cover art, items mutagen does not know), the ``ilst`` atom's header in its 32- or 64-bit form, and the
``free`` atom beside it on its side; no ``free`` atom is added where the padding asked for is none.  Items are
found with mutagen's own atom reader, which mutagen reads them with.

mutagen's writer grows or shrinks the ``moov`` atom in place and moves what follows it, correcting the offsets
that point past the tags: the chunk offsets of ``stco`` and ``co64`` atoms, and the base offsets of the first
``moof`` fragment only.  In a fragmented file (FFmpeg's ``-movflags frag_keyframe``, files cut for
streaming) every later fragment keeps offsets to where its audio was, and the ``mfra`` index at the end keeps
the fragments' old places: checked, a file in six fragments no longer decodes after a genre is written, though
its ``mdat`` atoms hold the same bytes (which is all the audio check compares).  :func:`mp4_rewrite_problem`
says so, and tagging leaves such a file alone; :func:`set_mp4_item`, which corrects the chunk offsets alone,
leaves it to mutagen's writer too (:func:`rewrites_item_by_item`), and so does a file without an item list.
Tagging leaves alone, too, a damaged file with an atom that says it runs past the one holding it: FFmpeg plays
it, but the writers would write over what that atom takes in; and a file without an item list whose ``moov`` atom
has the size 0 that says it runs to the end of the file, to which mutagen's writer adds the list's size.

An undo gives back the items the run replaced in the forms they may have had (:func:`item_forms`), for the file's
own bytes: a genre as its ID3v1 number (a ``gnre`` item, which tagging replaces with a ``©gen`` item, or a ``©gen``
item's ``(17)Rock`` or ``(17)``, read as ``Rock``), and no item list, where mutagen's writer made one (with its ``meta`` atom, and a ``udta`` where the file had none).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mutagen import PaddingInfo
from mutagen._constants import GENRES
from mutagen._util import resize_bytes
from mutagen.mp4 import Atom, AtomError, Atoms

from musictagger.tags.formats import id3v1_genre_number, id3v1_spellings

ATOM_HEADER = 8
"""Bytes of an atom's header (size and name); a 64-bit size (size field 1) follows it in 8 more."""
ITEM_LIST = (b"moov", b"udta", b"meta", b"ilst")
UTF8 = 1
"""The ``data`` atom type of UTF-8 text."""
IMPLICIT = 0
"""The ``data`` atom type of a value whose item says what it is: a ``gnre`` item's genre number."""
READ_AS = {b"\xa9gen": frozenset({b"\xa9gen", b"gnre"})}
"""Item names mutagen reads under another item's key: an ID3v1 genre number (``gnre``, as iTunes once wrote
it) is read as a ``©gen`` value, so it is one of the genre items that writing the genre replaces."""
_CHUNK_OFFSETS = {b"stco": "I", b"co64": "Q"}
"""The tables of audio chunk offsets in a ``moov`` atom, and the width of an offset in them."""
_LARGEST_32_BIT = 0xFFFFFFFF
"""The largest 32-bit atom size or ``stco`` chunk offset."""


def fragment_count(atoms: Atoms) -> int:
    """How many fragments (``moof`` atoms) hold an MP4 file's audio: 0 in a file that is not fragmented."""
    return sum(atom.name == b"moof" for atom in atoms.atoms)


def _overrun_problem(atoms: Atoms, size: int) -> str | None:
    """Which atom of the ``moov`` atom (as mutagen reads it, in a file of ``size`` bytes) says it runs past the end of
    the atom holding it, or of the file: a phrase (``its moov.udta.meta.free atom runs past …``), or None.

    mutagen reads such an atom at the length it says, and the atoms after it inside it, or not at all: FFmpeg still
    plays the file (it bounds an atom by its holder), but the writers would find the item list, the room beside it
    and the chunk offsets where they are not, and write over the atoms the damaged one takes in (a ``trak``)."""
    moov = next((atom for atom in atoms.atoms if atom.name == b"moov"), None)
    found = _first_overrun(moov, size, b"") if moov is not None else None
    if found is None:
        return None
    shown = "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in found.decode("latin-1"))
    return f"its {shown} atom runs past the end of the atom holding it"


def _first_overrun(atom: Atom, end: int, path: bytes) -> bytes | None:
    """The path (after ``path``) of ``atom`` when it runs past ``end``, else of the first atom in it that runs past
    the end of its holder, or None.  A ``meta`` atom elsewhere than in a ``udta`` is not looked into: QuickTime's,
    which is not a full atom, so mutagen misreads what it holds (and does not use it)."""
    path += atom.name
    if atom.offset + atom.length > end:
        return path
    if atom.name == b"meta" and not path.endswith(b"udta.meta"):
        return None
    for child in atom.children or ():
        if found := _first_overrun(child, atom.offset + atom.length, path + b"."):
            return found
    return None


def mp4_rewrite_problem(path: Path) -> str | None:
    """Why rewriting ``path``'s MP4 tags would damage it (a phrase to which callers add the file's name), or
    None when it would not, or when its atoms cannot be read (mutagen's own reading then says why): an atom that
    runs past the one holding it (:func:`_overrun_problem`), a ``moov`` atom of size 0 without an item list
    (:func:`_sized_to_the_end`), or fragments."""
    try:
        with open(path, "rb") as file:
            atoms = Atoms(file)
            size = file.seek(0, 2)
            moov_to_the_end = _sized_to_the_end(file, atoms)
    except AtomError:
        return None
    if overrun := _overrun_problem(atoms, size):
        return f"{overrun}: writing its tags could damage it"
    if moov_to_the_end and b".".join(ITEM_LIST) not in atoms:
        return (
            "its moov atom has the size 0 (it runs to the end of the file), to which mutagen's writer, making the "
            "item list it lacks, would add the list's size, cutting its tracks off: writing its tags would damage it"
        )
    count = fragment_count(atoms)
    if not count:
        return None
    fragments = "1 fragment" if count == 1 else f"{count} fragments"
    return (
        f"it is a fragmented MP4 file ({fragments}), whose offsets mutagen's writer does not all correct when "
        "it moves them: writing its tags would damage it"
    )


def _sized_to_the_end(file: BinaryIO, atoms: Atoms) -> bool:
    """Whether the ``moov`` atom of ``file`` (read into ``atoms``) has the size 0 that says it runs to the end of the
    file, as the standard allows the last atom: mutagen reads it at the length it has, and :func:`_resize` keeps the
    0, but mutagen's writer adds to it the size of the atoms it puts in."""
    moov = next((atom for atom in atoms.atoms if atom.name == b"moov"), None)
    if moov is None:
        return False
    file.seek(moov.offset)
    return file.read(4) == bytes(4)


def rewrites_item_by_item(path: Path) -> bool:
    """Whether :func:`set_mp4_item` writes ``path``'s items: it has an item list and no fragments.

    A file without one is left to mutagen's writer, which makes the ``meta`` atom with its handler; so is a
    fragmented file, which only an undo writes: mutagen's writer moved its first fragment's offsets when an
    earlier release tagged it, and moves them back."""
    try:
        with open(path, "rb") as file:
            atoms = Atoms(file)
    except AtomError:
        return False
    return b".".join(ITEM_LIST) in atoms and not fragment_count(atoms)


@dataclass(frozen=True)
class ItemForm:
    """Items of one key as :func:`set_mp4_item` writes them: ``item``, the item atom as stored (None: no item), and
    ``taken_out``, for an undo that leaves the item list without items, the atom holding the list (``meta``, or the
    ``udta`` holding that) taken out with it."""

    item: bytes | None
    taken_out: bytes | None = None


def item_forms(path: Path, key: str, values: Sequence[str], *, restoring_size: int | None) -> list[ItemForm]:
    """The forms the items of ``key`` (mutagen's key) holding ``values`` may take in ``path``'s item list: first the
    one tagging writes, one item of UTF-8 text values (none without values).

    For an undo (``restoring_size``: the size the file had before its run), then the other forms the items the run
    replaced may have had, for the undo to try for the file's own bytes: genres as their ID3v1 numbers, in ``©gen``
    (``(17)Rock``, ``(17)``; ``(255)`` for none, :func:`~musictagger.tags.formats.id3v1_spellings`) or a ``gnre``
    item (as iTunes once wrote them, and mutagen reads them as ``©gen`` values); without values, the list taken out
    with the ``meta`` atom holding it, or with its ``udta`` too, where they hold nothing else
    (:func:`_holders_left_empty`) and the file without them is the size it had: mutagen's writer made them in a file
    without an item list."""
    forms = [ItemForm(_render_item(key, values) if values else None)]
    if restoring_size is None:
        return forms
    if key == "©gen":  # the genres as older taggers spelt them in it, ``(17)Rock``, ``(17)``, ``(255)`` for none
        forms += [ItemForm(_render_item(key, spelt)) for spelt in id3v1_spellings(values)[1:]]
    numbers = [id3v1_genre_number(value) for value in values]
    if key == "©gen" and values and None not in numbers:
        data = b"".join(_atom(b"data", struct.pack(">2IH", IMPLICIT, 0, number + 1)) for number in numbers)
        forms.append(ItemForm(_atom(b"gnre", data)))
    if values:
        return forms
    with open(path, "rb") as file:
        atoms = Atoms(file)
        size = file.seek(0, 2)
        *parents, ilst = atoms.path(*ITEM_LIST)
        file.seek(ilst.offset)
        emptied = _with_item(file.read(ilst.length), ilst, key, None)
    holders = _holders_left_empty(parents, emptied)
    return forms + [ItemForm(None, holder.name) for holder in holders if size - holder.length == restoring_size]


def undo_gives_back_items(original: Path, tagged: Path, key: str, values: Sequence[str]) -> bool:
    """Whether the undo of writing ``key`` into ``original`` (making ``tagged``) gives back ``original``'s item list:
    whether a form it tries for ``values``, the old ones (:func:`item_forms`), makes ``tagged``'s list that one, byte
    for byte.  Not where the run replaced items of ``key`` apart by one: a ``gnre`` item, as iTunes wrote a genre, and
    a ``©gen`` item a later tagger added (mutagen reads both as ``©gen`` values).  True where the undo does not write
    the list item by item (no list before or after the run, a fragmented file: mutagen's writer, tried as before)."""
    before, after = _stored_list(original), _stored_list(tagged)
    if before is None or after is None:
        return True
    forms = item_forms(tagged, key, values, restoring_size=original.stat().st_size)
    return any(form.taken_out is None and _with_item(*after, key, form.item) == before[0] for form in forms)


def _stored_list(path: Path) -> tuple[bytes, Atom] | None:
    """``path``'s item list as stored, and as mutagen's reader found it; None where :func:`set_mp4_item` does not
    write it (:func:`rewrites_item_by_item`)."""
    if not rewrites_item_by_item(path):
        return None
    with open(path, "rb") as file:
        ilst = Atoms(file).path(*ITEM_LIST)[-1]
        file.seek(ilst.offset)
        return file.read(ilst.length), ilst


def set_mp4_item(path: Path, key: str, form: ItemForm, padding: Callable[[PaddingInfo], int]) -> None:
    """Give the items ``key`` (mutagen's key: ``©gen``, ``----:mean:name``) of ``path``'s item list the ``form``
    (:func:`item_forms`), its item where the first item of that key was (with ``©gen``, an ID3v1 genre number's too,
    :data:`READ_AS`); no item removes them, and a new item ends the list.

    Every other byte stays but the room beside the list: ``padding`` (a mutagen padding function) is asked the
    bytes of the ``free`` atom beside it (0: none), knowing the room the list leaves where it and its ``free``
    atom were (:class:`~mutagen.PaddingInfo`: a room of 1 to 7 bytes, too small for an atom, counts as 8 too
    few); a form that takes the list out with the atom holding it takes that atom's room too.  When the list and
    its room change size, what follows moves, and so do the sizes of the atoms holding it and the chunk offsets past
    it (:func:`_move_chunk_offsets`).  Callers check :func:`rewrites_item_by_item` first; ValueError when an atom
    runs past the one holding it (:func:`_overrun_problem`), when a 32-bit size or chunk offset would pass 4 GiB, or
    when the atom to take out holds more than the list (:func:`_holders_left_empty`)."""
    with open(path, "r+b") as file:
        atoms = Atoms(file)
        if overrun := _overrun_problem(atoms, file.seek(0, 2)):
            raise ValueError(overrun)
        *parents, ilst = atoms.path(*ITEM_LIST)
        file.seek(ilst.offset)
        new_ilst = _with_item(file.read(ilst.length), ilst, key, form.item)
        if form.taken_out:
            holder = next(
                (atom for atom in _holders_left_empty(parents, new_ilst) if atom.name == form.taken_out), None
            )
            if holder is None:
                raise ValueError(f"its {form.taken_out.decode('latin-1')} atom holds more than its item list")
            parents = parents[: parents.index(holder)]
            start, old_size, region = holder.offset, holder.length, b""
        else:
            start, old_size, region = _list_with_room(file, parents[-1], ilst, new_ilst, padding)

        resize_bytes(file, old_size, len(region), start)
        file.seek(start)
        file.write(region)
        delta = len(region) - old_size
        for atom in parents:
            _resize(file, atom.offset, delta)
        _move_chunk_offsets(file, parents[0], delta, after=start)


def _list_with_room(
    file: BinaryIO, meta: Atom, ilst: Atom, new_ilst: bytes, padding: Callable[[PaddingInfo], int]
) -> tuple[int, int, bytes]:
    """Where the item list ``ilst`` of ``meta`` and the ``free`` atom beside it start, the bytes they take, and the
    bytes to put there: ``new_ilst`` and a ``free`` atom of the size ``padding`` chooses, on the side it was."""
    free = _free_beside(meta, ilst)
    start = min(ilst.offset, free.offset) if free else ilst.offset
    old_size = ilst.length + (free.length if free else 0)
    room = old_size - len(new_ilst)
    after = file.seek(0, 2) - start - old_size
    free_size = padding(PaddingInfo(room if room == 0 or room >= ATOM_HEADER else room - ATOM_HEADER, after))
    free_atom = _atom(b"free", bytes(max(free_size, ATOM_HEADER) - ATOM_HEADER)) if free_size > 0 else b""
    region = free_atom + new_ilst if free and free.offset < ilst.offset else new_ilst + free_atom
    return start, old_size, region


def _holders_left_empty(parents: Sequence[Atom], new_ilst: bytes) -> list[Atom]:
    """The atoms holding the item list (``parents``: ``moov``, ``udta``, ``meta``) that hold nothing else once it is
    ``new_ilst``, as mutagen's writer makes them in a file without an item list: a ``new_ilst`` without items, the
    ``meta`` atom holding nothing but its ``hdlr``, the list and ``free`` atoms, then the ``udta`` holding nothing
    but that ``meta``.  Empty when the list keeps an item."""
    _moov, udta, meta = parents
    if len(new_ilst) > _header_size(new_ilst) or any(
        child.name not in (b"hdlr", b"ilst", b"free") for child in meta.children
    ):
        return []
    return [meta, udta] if len(udta.children) == 1 else [meta]


def _with_item(stored: bytes, ilst: Atom, key: str, new_item: bytes | None) -> bytes:
    """The ``ilst`` atom ``stored`` (``ilst`` as mutagen's reader found it, its items within it) with the items of
    ``key`` replaced by ``new_item`` where the first was (at the end when there was none), or removed when it is
    None; its header keeps its 32- or 64-bit form."""
    items = [stored[atom.offset - ilst.offset : atom.offset - ilst.offset + atom.length] for atom in ilst.children]
    names = READ_AS.get(key.encode("latin-1"), {key.encode("latin-1")})
    matching = {i for i, item in enumerate(items) if _item_key(item) in names and _readable(item)}
    place = min(matching, default=len(items))
    kept = [item for i, item in enumerate(items) if i not in matching]
    new = [new_item] if new_item is not None else []
    return _atom(b"ilst", b"".join(kept[:place] + new + kept[place:]), wide=_header_size(stored) > ATOM_HEADER)


def _readable(item: bytes) -> bool:
    """Whether mutagen reads a value from ``item`` (an item atom as stored): every item but a ``gnre`` whose values
    are not all ID3v1 genre numbers (2 bytes each, at most the list's length), which mutagen leaves unread and writes
    back as stored.  Such an item holds no genre anyone sees, so writing the genre leaves it where it is too (it was
    taken out, and an undo, whose journal never saw a genre in it, could not give it back)."""
    if item[4:8] != b"gnre":
        return True
    body, at = item[_header_size(item) :], 0
    while at < len(body):
        size = int.from_bytes(body[at : at + 4], "big")
        value = body[at + 16 : at + size]
        if size < 16 or body[at + 4 : at + 8] != b"data" or at + size > len(body) or len(value) != 2:
            return False
        if int.from_bytes(value, "big") > len(GENRES):  # mutagen reads GENRES[number - 1]: 0 is the last one
            return False
        at += size
    return True


def _item_key(item: bytes) -> bytes:
    """The key mutagen reads ``item`` (an item atom as stored) under: its name; ``----:mean:name`` for a freeform
    item, its first two atoms' text after their version and flags, as mutagen reads them."""
    name = item[4:8]
    if name != b"----":
        return name
    body = item[_header_size(item) :]
    try:
        (first,) = struct.unpack_from(">I", body)
        (second,) = struct.unpack_from(">I", body, first)
    except struct.error:  # cut short: no key tagging writes
        return name
    return b":".join((name, body[12:first], body[first + 12 : first + second]))


def _render_item(key: str, values: Sequence[str]) -> bytes:
    """The item ``key`` holding ``values``, one UTF-8 ``data`` atom each, as iTunes lays it out (and mutagen
    writes it); a freeform item's ``mean`` and ``name`` atoms come first."""
    name, *freeform = key.encode("latin-1").split(b":", 2)
    data = b"".join(_atom(b"data", struct.pack(">2I", UTF8, 0) + value.encode("utf-8")) for value in values)
    if freeform:
        mean, label = freeform
        data = _atom(b"mean", bytes(4) + mean) + _atom(b"name", bytes(4) + label) + data
    return _atom(name, data)


def _atom(name: bytes, body: bytes, *, wide: bool = False) -> bytes:
    """An atom of ``body``: with a 64-bit size when ``wide`` or when 32 bits cannot hold it."""
    size = ATOM_HEADER + len(body)
    if wide or size > _LARGEST_32_BIT:
        return struct.pack(">I4sQ", 1, name, size + 8) + body
    return struct.pack(">I4s", size, name) + body


def _header_size(atom: bytes) -> int:
    """Bytes of the header of the atom ``atom`` starts with: 16 with a 64-bit size."""
    return 2 * ATOM_HEADER if struct.unpack_from(">I", atom)[0] == 1 else ATOM_HEADER


def _free_beside(meta: Atom, ilst: Atom) -> Atom | None:
    """The ``free`` atom right before ``ilst`` in ``meta``, else the one right after it, or None: the room
    mutagen's writer gives the list too."""
    index = meta.children.index(ilst)
    beside = meta.children[max(index - 1, 0) : index] + meta.children[index + 1 : index + 2]
    return next((atom for atom in beside if atom.name == b"free"), None)


def _resize(file: BinaryIO, offset: int, delta: int) -> None:
    """Add ``delta`` to the size of the atom at ``offset``, in its 64-bit size when it has one (a top-level atom
    of size 0, which runs to the end of the file, keeps it); ValueError when its 32-bit size cannot hold it."""
    file.seek(offset)
    size, name = struct.unpack(">I4s", file.read(ATOM_HEADER))
    if size == 1:
        (size,) = struct.unpack(">Q", file.read(8))
        file.seek(offset + ATOM_HEADER)
        file.write(struct.pack(">Q", size + delta))
    elif size:
        if size + delta > _LARGEST_32_BIT:
            raise ValueError(f"its {name.decode('latin-1')} atom would outgrow the 4 GiB its 32-bit size can say")
        file.seek(offset)
        file.write(struct.pack(">I", size + delta))


def _move_chunk_offsets(file: BinaryIO, moov: Atom, delta: int, *, after: int) -> None:
    """Move by ``delta`` the chunk offsets past ``after`` in the ``stco`` and ``co64`` atoms of ``moov`` (found
    where they were before the bytes after ``after`` moved by ``delta``): a ``moov`` before the ``mdat``.
    ValueError when a table is cut short, or an ``stco`` offset would pass the 4 GiB its 32 bits can say."""
    if not delta:
        return
    for name, width in _CHUNK_OFFSETS.items():
        for table in moov.findall(name, True):
            offset = table.offset + delta if table.offset > after else table.offset
            file.seek(offset)
            data = file.read(table.length)
            layout = f">{int.from_bytes(data[12:16], 'big')}{width}"
            if 16 + struct.calcsize(layout) > len(data):
                raise ValueError(f"its {name.decode()} atom holds fewer chunk offsets than it says")
            chunks = [chunk + delta if chunk > after else chunk for chunk in struct.unpack_from(layout, data, 16)]
            if width == "I" and any(chunk > _LARGEST_32_BIT for chunk in chunks):
                raise ValueError("its chunk offsets would pass 4 GiB, more than its stco atom can say")
            file.seek(offset + 16)
            file.write(struct.pack(layout, *chunks))
