"""Properties of the frame-by-frame ID3 writer and the item-by-item MP4 writer, on tags drawn at random: tagging
changes the genre alone (every other frame or item byte for byte in its place, the audio as it was), and undo gives
back the file's SHA-256.

The tags drawn are those the writers promise to give back byte for byte: one genre frame, two or none, of non-empty
values (two frames in one form, their values apart), in any encoding ID3 allows, with or without its closing null,
among other taggers' frames in any order, with any padding, in an MP3 (with or without an ID3v1 tag after its
audio), a WAV or an AIFF chunk; FFmpeg M4As, ``moov`` first or last, given items by mutagen with any padding and
reordered, the genre as text or as its ID3v1 number (a ``gnre`` item).  A scripted fuzz of the same writers
(thousands of cases, damaged files too) found the defects these guard against; 25 cases a test run here (600 each
passed when drawn for this module)."""

from __future__ import annotations

import functools
import hashlib
import random
import struct
import tempfile
from pathlib import Path

import numpy as np
import soundfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Action, Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.formats import read_genres
from tests.tagging.media import (
    FASTSTART,
    ID3V1_TAG,
    as_encoded,
    id3_frame,
    id3_frames,
    id3_tag,
    mp4_items,
    with_id3_tag,
    with_mp4_items,
)
from tests.tagging.test_mp4 import GENRE, decoded

LABELS = st.sampled_from(["rock", "café", "ポップ"])
MODES = st.sampled_from([Mode.REPLACE, Mode.APPEND])
PROPERTIES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CODECS = {0: ("latin-1", b"\0"), 1: ("utf-16", b"\0\0"), 2: ("utf-16-be", b"\0\0"), 3: ("utf-8", b"\0")}
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="/\0"), min_size=1, max_size=40)
GENRES = st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=20), min_size=1, max_size=2).filter(
    lambda genres: not {"CR", "RX"} & set(genres)
)
"""Genres mutagen reads as they are: no ID3v1 number (``(9)``, ``9``), no ``CR`` (Cover) or ``RX`` (Remix)."""
GNRE_JAZZ = struct.pack(">I4sI4s2IH", 26, b"gnre", 18, b"data", 0, 0, 9)
"""A ``gnre`` item, as iTunes once wrote a genre: the ID3v1 number of Jazz plus one."""


@st.composite
def text_form(draw: st.DrawFn, major: int, latin1: bool) -> tuple[int, str, bytes]:
    """An encoding ID3v2.``major`` allows (Latin-1 only where ``latin1``: the values fit it), its codec (UTF-16 in
    either byte order) and a closing null or none."""
    encoding = draw(st.sampled_from([e for e in ((0, 1) if major == 3 else (0, 1, 2, 3)) if e or latin1]))
    codec, null = CODECS[encoding]
    if encoding == 1:
        codec = draw(st.sampled_from(["utf-16-le", "utf-16-be"]))
    return encoding, codec, draw(st.sampled_from([null, b""]))


def text_body(form: tuple[int, str, bytes], major: int, values: list[str]) -> bytes:
    """A text frame's body holding ``values`` in ``form`` (:func:`text_form`); several values joined with ``/`` in
    v2.3, as ID3v2.3 stores them."""
    encoding, codec, end = form
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    texts = ["/".join(values)] if major == 3 else values
    return bytes([encoding]) + CODECS[encoding][1].join(bom + text.encode(codec) for text in texts) + end


def fit_latin1(values: list[str]) -> bool:
    return all(ord(char) < 256 for value in values for char in value)


@st.composite
def id3_files(draw: st.DrawFn) -> tuple[str, int, bytes, bool]:
    """A container, an ID3v2 revision, a tag of other taggers' frames (and one genre frame, two or none) and padding,
    and whether an ID3v1 tag follows an MP3's audio.  Two genre frames hold values apart in one form, as a tagger
    adding a genre frame writes it: mutagen reads them as one frame of their values (a value of both, once)."""
    fmt = draw(st.sampled_from(["mp3", "mp3", "wav", "aiff"]))
    major = draw(st.sampled_from([3, 4]))
    frames = []
    for frame_id in draw(st.lists(st.sampled_from(["TIT2", "TPE1", "COMM", "PRIV", "XABC", "APIC"]), max_size=6)):
        if frame_id.startswith("T"):
            values = [draw(TEXT)]
            body = text_body(draw(text_form(major, fit_latin1(values))), major, values)
        else:
            body = draw(st.binary(max_size=300))
        frames.append(id3_frame(frame_id, body, major))
    genres = [draw(GENRES) for _ in range(draw(st.sampled_from([0, 1, 1, 2])))]
    if len(genres) == 2:
        genres[1] = [value for value in dict.fromkeys(genres[1]) if value not in genres[0]] or ["Apart"]
    form = draw(text_form(major, fit_latin1([value for values in genres for value in values])))
    place = 0
    for values in genres:
        place = draw(st.integers(place, len(frames)))
        frames.insert(place, id3_frame("TCON", text_body(form, major, values), major))
        place += 1
    padding = draw(st.sampled_from([0, 1, 2, 64]) | st.integers(0, 2000))
    return fmt, major, id3_tag(major, frames, padding=padding), fmt == "mp3" and draw(st.booleans())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tagged(path: Path, journal: Journal, label: str, mode: Mode) -> tuple[str, ...] | None:
    """Tag ``path`` with ``label`` through a plan and its run: the values written (None: the plan left it alone)."""
    plan = make_plan({path: Prediction(label, 0.9, uncertain=False)}, mode=mode, min_confidence=0.5)
    (item,) = plan.items
    if item.action is Action.UNCHANGED:
        return None
    assert (item.action, [o.status for o in apply_plan(plan, journal).outcomes]) == (Action.WRITE, ["written"])
    return item.proposed


@PROPERTIES
@given(drawn=id3_files(), label=LABELS, mode=MODES)
def test_an_id3_tag_keeps_its_other_frames_and_audio_and_undo_gives_back_its_bytes(
    drawn: tuple[str, int, bytes, bool], label: str, mode: Mode
) -> None:
    fmt, major, tag, id3v1 = drawn
    with tempfile.TemporaryDirectory() as folder, Journal(Path(folder) / "journal.db") as journal:
        path = with_id3_tag(Path(folder), fmt, tag)
        if id3v1:
            path.write_bytes(path.read_bytes() + ID3V1_TAG)
        original, (frames, end) = sha256(path), id3_frames(path, major)
        sound = path.read_bytes()[end:] if fmt == "mp3" else soundfile.read(path)[0]

        if (genres := tagged(path, journal, label, mode)) is None:
            return

        now, now_end = id3_frames(path, major)
        assert [frame for frame in now if frame[:4] != b"TCON"] == [frame for frame in frames if frame[:4] != b"TCON"]
        assert read_genres(path) == genres
        if fmt == "mp3":
            assert path.read_bytes()[now_end:] == sound
        else:
            assert np.array_equal(soundfile.read(path)[0], sound)
        assert [o.status for o in undo(journal).outcomes] == ["restored"]
        assert sha256(path) == original


@functools.cache
def m4a_bytes(faststart: bool, padding: int) -> bytes:
    """An FFmpeg M4A, ``moov`` after the audio or before it, with a genre, given cover art, a freeform item and a
    track number by mutagen, whose writer leaves a ``free`` atom of ``padding`` bytes after the list."""
    with tempfile.TemporaryDirectory() as folder:
        path = as_encoded(Path(folder), "m4a", muxer_options=FASTSTART if faststart else None, genre="Jazz")
        audio = MP4(path)
        audio.tags["covr"] = [MP4Cover(b"\x89PNG\r\n\x1a\n" + bytes(300), imageformat=MP4Cover.FORMAT_PNG)]
        audio.tags["----:com.apple.iTunes:MusicBrainz Track Id"] = [MP4FreeForm(b"0d4c6a3c")]
        audio.tags["trkn"] = [(1, 9)]
        audio.save(padding=lambda _info: padding)
        return path.read_bytes()


@PROPERTIES
@given(
    faststart=st.booleans(),
    padding=st.sampled_from([0, 5, 200]),
    numbered=st.booleans(),
    order=st.randoms(use_true_random=False),
    label=LABELS,
    mode=MODES,
)
def test_an_mp4_item_list_keeps_its_other_items_and_audio_and_undo_gives_back_its_bytes(
    faststart: bool, padding: int, numbered: bool, order: random.Random, label: str, mode: Mode
) -> None:
    with tempfile.TemporaryDirectory() as folder, Journal(Path(folder) / "journal.db") as journal:
        path = Path(folder) / "drawn.m4a"
        path.write_bytes(m4a_bytes(faststart, padding))
        items = [GNRE_JAZZ if numbered and item[4:8] == GENRE else item for item in mp4_items(path)]
        order.shuffle(items)
        with_mp4_items(path, items)  # in another tagger's order
        original, sound = sha256(path), decoded(path)

        if (genres := tagged(path, journal, label, mode)) is None:
            return

        assert [item for item in mp4_items(path) if item[4:8] != GENRE] == [
            item for item in items if item[4:8] not in (GENRE, b"gnre")
        ]
        assert tuple(MP4(path).tags["©gen"]) == genres
        assert np.array_equal(decoded(path), sound)
        assert [o.status for o in undo(journal).outcomes] == ["restored"]
        assert sha256(path) == original
