"""The ID3v2 frame by frame writer (``tags.id3_frames``): tagging changes the genre frame alone, every other frame kept
byte for byte in its order, and undo gives back the file's bytes, in MP3s and in WAV and AIFF ID3 chunks.

mutagen's writer sorted every frame (title, artist … pictures last, the frames it does not know after them),
wrote Latin-1 text as UTF-16 (v2.3) or UTF-8 (v2.4), a genre ``(9)Metal`` as ``Metal`` and a PRIV owner with the
null it lacked, so tag and undo gave back the frames in another order and encoding (the tagging audit)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import Journal
from musictagger.tagging.kept_bytes import KEPT_BYTES_CAP
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.formats import read_genres
from musictagger.tags.id3_frames import parse_tag, with_text_frame
from tests.tagging.media import ID3V1_TAG, id3_frame, id3_frames, id3_tag, with_id3_tag
from tests.tagging.test_kept_bytes import undo_says_the_bytes_were_not_kept

ROCK = Prediction("rock", 0.9, uncertain=False)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(600)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def another_taggers_frames(major: int, genre: bytes = b"\0Jazz\0") -> list[bytes]:
    """Frames in an order no sorting gives, in Latin-1: the genre first, a frame mutagen does not know, a PRIV
    whose owner lacks its null (mutagen writes one back), a comment and cover art."""
    return [
        id3_frame(frame_id, body, major)
        for frame_id, body in (
            ("TCON", genre),
            ("TALB", b"\0An album\0"),
            ("XABC", b"kept as is!"),
            ("TIT2", b"\0A title\0"),
            ("PRIV", b"\xff\xff\xff"),
            ("TPE1", b"\0An artist\0"),
            ("COMM", b"\0eng\0ripped with care"),
            ("APIC", b"\0image/png\0\x03\0" + PNG),
        )
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tag(path: Path, journal: Journal, *, mode: Mode = Mode.REPLACE, prediction: Prediction = ROCK) -> None:
    """Tag ``path`` through a plan and its run, which writes it."""
    plan = make_plan({path: prediction}, mode=mode, min_confidence=0.5)
    assert [(o.path, o.status) for o in apply_plan(plan, journal).outcomes] == [(path, "written")]


def undone(path: Path, journal: Journal) -> str:
    """The file's SHA-256 after undoing the latest run."""
    assert [(o.path, o.status) for o in undo(journal).outcomes] == [(path, "restored")]
    return sha256(path)


@pytest.mark.parametrize(
    ("mode", "genres", "body"),
    [
        (Mode.REPLACE, ("Rock",), {3: b"\0Rock\0", 4: b"\0Rock\0"}),
        (Mode.APPEND, ("Jazz", "Rock"), {3: b"\0Jazz/Rock\0", 4: b"\0Jazz\0Rock\0"}),
    ],
)
@pytest.mark.parametrize("major", [3, 4])
def test_tag_changes_the_genre_frame_alone_and_undo_gives_back_the_files_bytes(
    tmp_path: Path, journal: Journal, major: int, mode: Mode, genres: tuple[str, ...], body: dict[int, bytes]
) -> None:
    """The genre frame keeps its place and Latin-1 (several genres null-separated in v2.4, joined with ``/`` in
    v2.3, as mutagen joins them); every other frame its bytes and place; the audio its bytes."""
    path = with_id3_tag(tmp_path, "mp3", id3_tag(major, another_taggers_frames(major), padding=256))
    original, (frames, end) = sha256(path), id3_frames(path, major)
    audio = path.read_bytes()[end:]

    tag(path, journal, mode=mode)

    tagged, tagged_end = id3_frames(path, major)
    assert tagged[0] == id3_frame("TCON", body[major], major)
    assert tagged[1:] == frames[1:]
    assert (tagged_end, path.read_bytes()[tagged_end:]) == (end, audio)  # the genre fitted in the padding
    assert read_genres(path) == genres
    assert undone(path, journal) == original


@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
@pytest.mark.parametrize("major", [3, 4])
def test_a_genre_stored_as_its_id3v1_number_comes_back_as_stored(
    tmp_path: Path, journal: Journal, major: int, mode: Mode
) -> None:
    """``(9)Metal`` reads as ``Metal``, which the journal keeps: the undo finds the form that gives back the file's
    bytes (mutagen's writer wrote ``Metal``)."""
    path = with_id3_tag(tmp_path, "mp3", id3_tag(major, another_taggers_frames(major, b"\0(9)Metal"), padding=64))
    original = sha256(path)

    tag(path, journal, mode=mode)

    assert read_genres(path) == (("Rock",) if mode is Mode.REPLACE else ("Metal", "Rock"))
    assert undone(path, journal) == original


@pytest.mark.parametrize("major", [3, 4])
def test_a_genre_latin1_cannot_hold_is_written_in_unicode_and_undo_gives_back_the_latin1_frame(
    tmp_path: Path, journal: Journal, major: int
) -> None:
    """UTF-16 with a byte order mark in v2.3, UTF-8 in v2.4, as mutagen writes new text; the undo finds the Latin-1
    form the file had."""
    path = with_id3_tag(tmp_path, "mp3", id3_tag(major, another_taggers_frames(major), padding=64))
    original, (frames, _end) = sha256(path), id3_frames(path, major)

    tag(path, journal, prediction=Prediction("ポップ", 0.9, uncertain=False))

    tagged, _end = id3_frames(path, major)
    unicode = (
        b"\1\xff\xfe" + "ポップ".encode("utf-16-le") + b"\0\0" if major == 3 else b"\3" + "ポップ".encode() + b"\0"
    )
    assert tagged == [id3_frame("TCON", unicode, major), *frames[1:]]
    assert read_genres(path) == ("ポップ",)
    assert undone(path, journal) == original


@pytest.mark.parametrize("major", [3, 4])
def test_a_genre_that_outgrows_the_padding_moves_the_audio_and_undo_gives_back_the_files_bytes(
    tmp_path: Path, journal: Journal, major: int
) -> None:
    """A tag without padding grows (by mutagen's padding choice), the audio after it keeps its bytes, and the
    undo's padding gives back the file's length."""
    path = with_id3_tag(tmp_path, "mp3", id3_tag(major, another_taggers_frames(major, b"\0Pop"), padding=0))
    original, (frames, end) = sha256(path), id3_frames(path, major)
    audio = path.read_bytes()[end:]

    tag(path, journal, mode=Mode.APPEND)

    tagged, tagged_end = id3_frames(path, major)
    assert tagged_end > end and path.read_bytes()[tagged_end:] == audio
    assert tagged[0][:4] == b"TCON" and tagged[1:] == frames[1:]
    assert read_genres(path) == ("Pop", "Rock")
    assert undone(path, journal) == original


@pytest.mark.parametrize("fmt", ["wav", "aiff"])
def test_an_id3_chunk_is_rewritten_frame_by_frame_too(tmp_path: Path, journal: Journal, fmt: str) -> None:
    """mutagen's WAV and AIFF writers place the tag in its chunk, resized with the RIFF or FORM size around it."""
    path = with_id3_tag(tmp_path, fmt, id3_tag(3, another_taggers_frames(3), padding=64))
    original, (frames, _end) = sha256(path), id3_frames(path, 3)

    tag(path, journal)

    tagged, _end = id3_frames(path, 3)
    assert tagged == [id3_frame("TCON", b"\0Rock\0", 3), *frames[1:]]
    assert read_genres(path) == ("Rock",)
    assert undone(path, journal) == original


def test_a_value_no_text_encoding_holds_fails_its_file_alone_and_the_run_goes_on(
    tmp_path: Path, journal: Journal
) -> None:
    """A label holding a lone surrogate (what Python makes of bytes that are not UTF-8 in a name or an argument):
    neither Latin-1, UTF-16 nor UTF-8 holds it, and the frame writer's UnicodeEncodeError, raised outside the
    writer's catch, ended the whole run (the next file was never written)."""
    first = with_id3_tag(tmp_path / "first", "mp3", id3_tag(4, another_taggers_frames(4), padding=64))
    second = with_id3_tag(tmp_path / "second", "mp3", id3_tag(4, another_taggers_frames(4), padding=64))
    original = first.read_bytes()
    plan = make_plan(
        {first: Prediction("r\udcffck", 0.9, uncertain=False), second: ROCK}, mode=Mode.REPLACE, min_confidence=0.5
    )

    report = apply_plan(plan, journal)

    reason = (
        "cannot write its ID3 tags ('utf-8' codec can't encode character '\\udcff' in position 1: surrogates not "
        "allowed)"
    )
    assert [(o.path, o.status, o.reason) for o in report.outcomes] == [
        (first, "failed", reason),
        (second, "written", ""),
    ]
    assert first.read_bytes() == original


def test_each_form_an_undo_tries_starts_from_the_file_the_run_left(tmp_path: Path, journal: Journal) -> None:
    """An AIFF's ID3 chunk of odd length (and its pad byte), its tag without padding, its genre ``(9)``: a genre Latin-1
    cannot hold, appended, outgrows the tag.  The undo tried each form the frame may have had on the file the form
    before it left, whose padding had lost the chunk's parity, so the form that was the file's (the last tried) came
    back a byte of padding longer and a pad byte shorter, and the form tagging writes was saved again from a file of
    the right size: a kilobyte of padding more (found by fuzzing)."""
    frames = another_taggers_frames(3, b"\0(9)")
    tag = id3_tag(3, frames, padding=1 - len(id3_tag(3, frames, padding=0)) % 2)
    path = with_id3_tag(tmp_path, "aiff", tag)
    original = sha256(path)

    tag_run = make_plan({path: Prediction("ポップ", 0.9, uncertain=False)}, mode=Mode.APPEND, min_confidence=0.5)
    assert [o.status for o in apply_plan(tag_run, journal).outcomes] == ["written"]

    assert read_genres(path) == ("Metal", "ポップ")
    assert undone(path, journal) == original


@pytest.mark.parametrize("genre_frame", [None, b"\0", b"\0\0"], ids=["none", "empty", "empty-and-null"])
def test_an_undo_gives_back_a_tag_whose_genre_an_id3v1_tag_held(
    tmp_path: Path, journal: Journal, genre_frame: bytes | None
) -> None:
    """An MP3 whose ID3v1 tag names a genre (Jazz) and whose ID3v2 tag has no genre frame or an empty one: mutagen reads
    the ID3v1 genre where there is no frame or an empty one (or no genre where the frame's empty text ends with a
    null), so the undo wrote a genre frame ``Jazz`` that was not there, or, to give back no genre, no frame, which
    the ID3v1 genre then showed through: the undo was refused and the file kept the run's genre."""
    frames = [frame for frame in another_taggers_frames(4) if frame[:4] != b"TCON"]
    if genre_frame is not None:
        frames.insert(2, id3_frame("TCON", genre_frame, 4))
    path = with_id3_tag(tmp_path, "mp3", id3_tag(4, frames, padding=64))
    path.write_bytes(path.read_bytes() + ID3V1_TAG)
    original = sha256(path)

    tag(path, journal)

    assert read_genres(path) == ("Rock",)
    assert undone(path, journal) == original


@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
@pytest.mark.parametrize("major", [3, 4])
def test_a_tag_with_two_genre_frames_comes_back_with_both(
    tmp_path: Path, journal: Journal, major: int, mode: Mode
) -> None:
    """Two genre frames, Jazz first and Blues after two other frames, as some taggers add a genre: mutagen reads them
    as one frame of both values, which the journal keeps, and tagging writes one frame where the first was.  The undo
    gave back one frame of both values; it now tries them in two frames, the second after each of the frames after
    the first, which gives back the file's bytes."""
    frames = another_taggers_frames(major)
    frames.insert(3, id3_frame("TCON", b"\0Blues\0", major))
    path = with_id3_tag(tmp_path, "mp3", id3_tag(major, frames, padding=64))
    original = sha256(path)
    assert read_genres(path) == ("Jazz", "Blues")

    tag(path, journal, mode=mode)

    assert read_genres(path) == (("Jazz", "Blues", "Rock") if mode is Mode.APPEND else ("Rock",))
    assert [frame[:4] for frame in id3_frames(path, major)[0]].count(b"TCON") == 1
    assert undone(path, journal) == original


def test_a_plain_genre_frame_size_in_a_v24_tag_comes_back_plain(tmp_path: Path, journal: Journal) -> None:
    """An ID3v2.4 tag whose frame sizes a buggy writer stored as plain integers, not synchsafe, its genre frame of 128
    bytes or more (its size's low byte has its top bit set, which a synchsafe size never has), the others shorter, so
    that their sizes read alike either way: once tagging replaced the long genre frame, nothing in the tag said its
    sizes were plain, and the undo gave back the genre frame with a synchsafe size.  It now tries the plain size too."""
    genres = [f"Genre number {number}" for number in range(10)]
    frames = another_taggers_frames(4, b"\0" + "\0".join(genres).encode() + b"\0")[:6]  # no cover art: all short
    long_frame = frames[0][:4] + (len(frames[0]) - 10).to_bytes(4, "big") + frames[0][8:]
    path = with_id3_tag(tmp_path, "mp3", id3_tag(4, [long_frame, *frames[1:]], padding=64))
    original = sha256(path)
    assert len(long_frame) - 10 >= 128 and read_genres(path) == tuple(genres)

    tag(path, journal)

    assert read_genres(path) == ("Rock",)
    assert undone(path, journal) == original


def test_an_undo_that_cannot_give_back_the_files_bytes_says_so(
    tmp_path: Path, journal: Journal, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three genre frames before cover art of more than the 1 MiB the journal keeps of a file: the undo tries one and
    two frames, none of which is the file's, and gives back the genres in one frame.  The file is restored, and the
    undo says, for that file, that its bytes are not as they were, and why (it said nothing: a checksum manifest would
    have found the file changed)."""
    frames = another_taggers_frames(4)
    frames[3:3] = [id3_frame("TCON", b"\0Blues\0", 4), id3_frame("TCON", b"\0Soul\0", 4)]
    frames[-1] = id3_frame("APIC", b"\0image/png\0\x03\0" + random.Random(0).randbytes(KEPT_BYTES_CAP), 4)
    path = with_id3_tag(tmp_path, "mp3", id3_tag(4, frames, padding=64))
    original = sha256(path)
    tag(path, journal)
    kept = journal.kept_bytes(journal.entries(1)[0].id)
    assert kept is not None and kept.patches is None

    undo_says_the_bytes_were_not_kept(capsys, path, kept)
    assert read_genres(path) == ("Jazz", "Blues", "Soul")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no copy of the forms tried left behind
    assert sha256(path) != original


def test_a_tag_its_synchsafe_size_cannot_say_is_an_error_not_a_smaller_tag() -> None:
    """An ID3v2 tag's size is a 28-bit synchsafe integer (under 256 MiB): a tag the padding asked for made larger was
    given its size modulo 2**28, a header saying a tag of a few bytes before the frames and zeros (in a WAV's chunk,
    where the audio check does not look, the frames after that size would have been lost to every reader)."""
    tag = parse_tag(id3_tag(4, another_taggers_frames(4), padding=0))
    assert tag is not None

    with pytest.raises(ValueError, match=r"^a size of \d+ bytes, more than the 2\*\*28 - 1 an ID3v2 synchsafe size"):
        with_text_frame(
            tag,
            "TCON",
            ((0, tag.frame("TCON", b"\0Rock\0", b"\0\0")),),
            lambda _info: (1 << 28) - 10,
            room=0,
            trailing=0,
        )
