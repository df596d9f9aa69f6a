"""The MP4 item-list writer (``tags.mp4_structure``): tagging changes the genre item alone, every other item kept
byte for byte where it was, and undo gives back the file's bytes, in the layouts FFmpeg and other taggers leave.

mutagen's writer sorted every item into iTunes' order: an FFmpeg M4A's ``©too`` item, written before its
``©gen``, came back after it, 8 bytes longer (the tagging audit), and so did other taggers' orders."""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from mutagen.mp4 import MP4, Atoms, MP4Cover, MP4FreeForm

from musictagger.errors import TagWriteError
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import detect
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Action, Mode, Plan, Prediction, make_plan
from musictagger.tagging.undo import undo
from tests.tagging.media import (
    FASTSTART,
    ITEM_LIST,
    UNKNOWN_MP4_ITEM,
    as_encoded,
    genre_as_its_id3v1_number,
    lengthen_mp4_atom,
    mp4_items,
    native_genres,
    native_values,
    pretag_field,
    take_out_mp4_atom,
    udta_first,
    untagged_moov_to_the_end,
    widen_mp4,
    with_mp4_items,
)

ROCK = Prediction("rock", 0.9, uncertain=False)
CALM = Prediction("calm", 0.9, uncertain=False)
GENRE = b"\xa9gen"
TRACK_ID = "----:com.apple.iTunes:MusicBrainz Track Id"


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def plan_for(path: Path, *, mode: Mode = Mode.REPLACE, field: str = "genre") -> Plan:
    return make_plan({path: CALM if field == "mood" else ROCK}, mode=mode, min_confidence=0.5, field=field)


def m4a(folder: Path, layout: str) -> Path:
    """An FFmpeg M4A with a genre (none for ``no-genre``), ``moov`` after the audio (before it, ``faststart``), or
    its item-list atoms with 64-bit sizes (``64-bit``), or tagged by another tagger (``cover-freeform``): mutagen
    adds cover art and a freeform item (and a ``free`` atom), then the items are put in that tagger's order:
    its own first, an item mutagen cannot read, then FFmpeg's in FFmpeg's order."""
    options = FASTSTART if layout == "faststart" else None
    path = as_encoded(folder, "m4a", muxer_options=options, genre=None if layout == "no-genre" else "Jazz")
    if layout == "64-bit":
        widen_mp4(path)
    if layout == "cover-freeform":
        ffmpeg_order = [item[4:8] for item in mp4_items(path)]
        audio = MP4(path)
        audio.tags["covr"] = [MP4Cover(b"\x89PNG\r\n\x1a\n" + bytes(2000), imageformat=MP4Cover.FORMAT_PNG)]
        audio.tags[TRACK_ID] = [MP4FreeForm(b"0d4c6a3c-8d3e-4b5d-9f3a-123456789abc")]
        audio.save()
        items = {item[4:8]: item for item in mp4_items(path)}
        with_mp4_items(path, [items[b"covr"], items[b"----"], UNKNOWN_MP4_ITEM, *map(items.get, ffmpeg_order)])
    return path


def wide_sizes(path: Path) -> list[bool]:
    """Which of the atoms holding the item list, from ``moov`` to ``ilst``, have a 64-bit size."""
    data = path.read_bytes()
    return [data[atom.offset : atom.offset + 4] == b"\0\0\0\1" for atom in Atoms(io.BytesIO(data)).path(*ITEM_LIST)]


def decoded(path: Path) -> np.ndarray:
    """The file's audio, decoded by PyAV."""
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray() for frame in container.decode(audio=0)], axis=1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
@pytest.mark.parametrize("layout", ["genre", "no-genre", "cover-freeform", "faststart", "64-bit"])
def test_tag_changes_the_genre_item_alone_and_undo_gives_back_the_files_bytes(
    tmp_path: Path, journal: Journal, layout: str, mode: Mode
) -> None:
    """The other items keep their bytes and places (cover art, a freeform item, an item mutagen cannot read), a
    new genre item ends the list, the atoms keep their 32- or 64-bit sizes, the chunk offsets of a faststart
    file follow the audio, which still decodes to the same samples; undo gives back the file's SHA-256."""
    path = m4a(tmp_path, layout)
    original, items, sound, forms = sha256(path), mp4_items(path), decoded(path), wide_sizes(path)
    had = native_genres(path)
    place = next((i for i, item in enumerate(items) if item[4:8] == GENRE), len(items))

    report = apply_plan(plan_for(path, mode=mode), journal)

    assert [(o.path, o.status) for o in report.outcomes] == [(path, "written")]
    assert native_genres(path) == (had if mode is Mode.APPEND else []) + ["Rock"]
    tagged = mp4_items(path)
    assert tagged[place][4:8] == GENRE
    assert tagged[:place] + tagged[place + 1 :] == [item for item in items if item[4:8] != GENRE]
    assert wide_sizes(path) == forms
    assert np.array_equal(decoded(path), sound)
    assert [(o.path, o.status) for o in undo(journal).outcomes] == [(path, "restored")]
    assert sha256(path) == original


@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
def test_a_genre_stored_as_its_id3v1_number_comes_back_as_stored(tmp_path: Path, journal: Journal, mode: Mode) -> None:
    """An M4A whose genre is a ``gnre`` item, the ID3v1 genre number of Jazz, as iTunes once wrote a genre: mutagen
    reads it as the ``©gen`` value Jazz, which the journal keeps, and tagging writes a ``©gen`` item in its place.
    The undo gave back a ``©gen`` item, 2 bytes longer; it now tries the number too, which gives back the file's
    bytes."""
    path = as_encoded(tmp_path, "m4a", genre="Jazz")
    genre_as_its_id3v1_number(path, 8)
    original, names = sha256(path), [item[4:8] for item in mp4_items(path)]
    assert b"gnre" in names and native_genres(path) == ["Jazz"]

    apply_plan(plan_for(path, mode=mode), journal)

    assert native_genres(path) == (["Jazz", "Rock"] if mode is Mode.APPEND else ["Rock"])
    assert [item[4:8] for item in mp4_items(path)] == [GENRE if name == b"gnre" else name for name in names]
    assert [(o.path, o.status, o.reason) for o in undo(journal).outcomes] == [(path, "restored", "")]
    assert sha256(path) == original


@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
def test_a_genre_number_and_a_genre_item_beside_it_come_back_as_stored(
    tmp_path: Path, journal: Journal, mode: Mode
) -> None:
    """An M4A with a ``gnre`` item first (Metal, as iTunes wrote a genre) and a ``©gen`` item further on (Jazz, a
    later tagger's), which mutagen reads as the genres Metal and Jazz: tagging writes them as one ``©gen`` item, where
    the first was.  The undo gave back one ``©gen`` item of both, "not byte for byte", and players that read the
    first genre of it (FFmpeg) said Metal where they had said Jazz; the run now keeps the bytes it changed, and the
    undo gives back the file's."""
    path = as_encoded(tmp_path, "m4a", genre="Jazz")
    MP4(path).save()  # a free atom after the list, which with_mp4_items takes the room from
    metal = struct.pack(">I4sI4s2IH", 26, b"gnre", 18, b"data", 0, 0, 9 + 1)
    with_mp4_items(path, [metal, *mp4_items(path)])
    original = sha256(path)
    assert native_genres(path) == ["Metal", "Jazz"]

    apply_plan(plan_for(path, mode=mode), journal)

    assert native_genres(path) == (["Metal", "Jazz", "Rock"] if mode is Mode.APPEND else ["Rock"])
    assert [item[4:8] for item in mp4_items(path)].count(GENRE) == 1
    assert [(o.path, o.status, o.reason) for o in undo(journal).outcomes] == [(path, "restored", "")]
    assert sha256(path) == original


@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
def test_a_genre_number_mutagen_cannot_read_stays_as_stored(tmp_path: Path, journal: Journal, mode: Mode) -> None:
    """A ``gnre`` item whose number is past the ID3v1 list (199 here): mutagen reads no genre from it and writes it back
    as stored, so the journal saw none.  Tagging took it out with the genre items it replaces, and the undo, giving
    back no genre, could not give it back (the same length, other bytes: 26 of 750 M4A cases of a fuzz).  It stays
    where it was, the new genre item ending the list, and the undo gives back the file's bytes."""
    path = as_encoded(tmp_path, "m4a", genre="Jazz")
    genre_as_its_id3v1_number(path, 199)
    original, items = sha256(path), mp4_items(path)
    assert b"gnre" in [item[4:8] for item in items] and native_genres(path) == []

    apply_plan(plan_for(path, mode=mode), journal)

    assert native_genres(path) == ["Rock"]
    assert mp4_items(path)[:-1] == items and mp4_items(path)[-1][4:8] == GENRE
    assert [(o.path, o.status, o.reason) for o in undo(journal).outcomes] == [(path, "restored", "")]
    assert sha256(path) == original


@pytest.mark.parametrize("faststart", [False, True], ids=["moov-last", "faststart"])
@pytest.mark.parametrize("taken", [ITEM_LIST[:2], ITEM_LIST[:3]], ids=["no-udta", "empty-udta"])
def test_an_m4a_without_an_item_list_comes_back_without_the_atoms_tagging_made(
    tmp_path: Path, journal: Journal, taken: tuple[bytes, ...], faststart: bool
) -> None:
    """An M4A without a ``udta`` atom, or with an empty one: mutagen's writer makes the ``meta`` atom (its ``hdlr``, the
    item list) there, and in a ``udta`` it makes too, before the tracks, moving the audio's chunk offsets of a
    faststart file.  The undo took the genre item out and left those atoms, 61 (or 53) bytes; it now takes them out
    too when that gives back the file's bytes."""
    path = as_encoded(tmp_path, "m4a", muxer_options=FASTSTART if faststart else None)
    take_out_mp4_atom(path, taken)
    original, sound = sha256(path), decoded(path)

    apply_plan(plan_for(path), journal)

    assert native_genres(path) == ["Rock"]
    assert np.array_equal(decoded(path), sound)
    assert [(o.path, o.status, o.reason) for o in undo(journal).outcomes] == [(path, "restored", "")]
    assert sha256(path) == original


def test_a_freeform_mood_item_is_rewritten_where_it_was_beside_another_freeform_item(
    tmp_path: Path, journal: Journal
) -> None:
    """A freeform item is known by its mean and name: the ``MOOD`` item is replaced where it was, first, and the
    MusicBrainz one is kept as it was (mutagen's writer put the ``MOOD`` item back among the freeform items)."""
    path = m4a(tmp_path, "cover-freeform")
    pretag_field(path, "mood", ["Dark"])  # mutagen's writer: every item in iTunes' order, MOOD among them
    mood = next(item for item in mp4_items(path) if b"MOOD" in item)
    items = [mood, *(item for item in mp4_items(path) if item != mood)]
    with_mp4_items(path, items)  # the MOOD item first
    original = sha256(path)

    apply_plan(plan_for(path, field="mood"), journal)

    assert native_values(path, "mood") == ["Calm"] and native_genres(path) == ["Jazz"]
    tagged = mp4_items(path)
    assert b"MOOD" in tagged[0] and b"Calm" in tagged[0]
    assert tagged[1:] == items[1:]
    undo(journal)
    assert sha256(path) == original


@pytest.mark.parametrize(
    ("layout", "damaged"), [("genre", ITEM_LIST), ("cover-freeform", (*ITEM_LIST[:3], b"free"))], ids=["ilst", "free"]
)
def test_an_atom_running_past_the_one_holding_it_is_refused_in_the_preview_and_by_the_writer(
    tmp_path: Path, journal: Journal, layout: str, damaged: tuple[bytes, ...]
) -> None:
    """A damaged M4A whose ``ilst`` (or the ``free`` atom after it) says it is 8 bytes longer than the ``meta`` atom
    holding it, so that mutagen reads the next atom's header (the ``trak``'s, after the tags) as part of it: FFmpeg
    plays the file (it bounds an atom by the one holding it), but a genre appended was written with the ``trak``'s
    header kept as an item (or padded over), the rest of the ``trak`` moved, so the file no longer decoded, and it
    was reported written: its ``mdat``, which the audio check compares, was untouched (found by fuzzing)."""
    path = m4a(tmp_path, layout)
    udta_first(path)
    lengthen_mp4_atom(path, damaged, 8)
    original = path.read_bytes()
    assert decoded(path).size

    plan = plan_for(path, mode=Mode.APPEND)

    (item,) = plan.items
    name = ".".join(name.decode() for name in damaged)
    reason = f"its {name} atom runs past the end of the atom holding it: writing its tags could damage it"
    assert (item.action, item.reason) == (Action.ERROR, reason)
    apply_plan(plan, journal)
    with pytest.raises(TagWriteError) as refused:  # the writer asks again, whoever calls it
        detect(path).write_labels(path, "genre", ["Jazz", "Rock"])
    assert refused.value.reason == reason
    assert path.read_bytes() == original


def test_an_m4a_whose_chunk_offsets_would_pass_4_gib_fails_alone_and_the_run_goes_on(
    tmp_path: Path, journal: Journal
) -> None:
    """A faststart M4A whose chunk offsets lie just below 4 GiB, as in a file that large (here, in a small one): a
    genre appended moves them past what an ``stco`` atom's 32 bits can say, and a struct.error escaped the writer,
    which ended the whole run (the next file was never written)."""
    large = as_encoded(tmp_path / "large", "m4a", muxer_options=FASTSTART, genre="Jazz")
    data = bytearray(large.read_bytes())
    for table in Atoms(io.BytesIO(bytes(data)))[b"moov"].findall(b"stco", True):
        (count,) = struct.unpack_from(">I", data, table.offset + 12)
        struct.pack_into(f">{count}I", data, table.offset + 16, *range(0xFFFFFF00, 0xFFFFFF00 + count))
    large.write_bytes(bytes(data))
    other = as_encoded(tmp_path / "other", "m4a", genre="Jazz")

    report = apply_plan(make_plan({large: ROCK, other: ROCK}, mode=Mode.APPEND, min_confidence=0.5), journal)

    reason = "cannot write its MP4 tags (its chunk offsets would pass 4 GiB, more than its stco atom can say)"
    assert [(o.path, o.status, o.reason) for o in report.outcomes] == [
        (large, "failed", reason),
        (other, "written", ""),
    ]
    assert large.read_bytes() == data


def test_an_m4a_whose_moov_runs_to_the_end_without_an_item_list_is_refused_in_the_preview(
    tmp_path: Path, journal: Journal
) -> None:
    """An M4A without an item list whose ``moov`` ends the file with the size 0 that says so: mutagen's writer, which
    makes the list there, adds the list's size to the 0, so the ``moov`` would end after the new ``udta``, before its
    track.  The audio check, which compares the ``moov``'s tracks too, refused the copy, but only when the run wrote
    it: the preview said ``write``.  It now says at once that the file is left alone, and why, and so does the writer
    asked directly."""
    path = as_encoded(tmp_path, "m4a")
    untagged_moov_to_the_end(path)
    original = path.read_bytes()
    assert decoded(path).size

    plan = plan_for(path)

    (item,) = plan.items
    reason = (
        "its moov atom has the size 0 (it runs to the end of the file), to which mutagen's writer, making the item "
        "list it lacks, would add the list's size, cutting its tracks off: writing its tags would damage it"
    )
    assert (item.action, item.reason) == (Action.ERROR, reason)
    assert apply_plan(plan, journal).run_id is None  # nothing to write
    with pytest.raises(TagWriteError) as refused:
        detect(path).write_labels(path, "genre", ["Rock"])
    assert refused.value.reason == reason
    assert path.read_bytes() == original
