"""WMA (ASF) files are tagged as the other formats are (``tags.asf_structure``): the genre written where Windows Media
Player, foobar2000 and FFmpeg read it, every other attribute and the audio packets kept, and undo giving back the
file's bytes; a genre attribute the writer could not give back is refused, naming the file."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from mutagen.asf import ASF, ASFByteArrayAttribute, ASFDWordAttribute, ASFUnicodeAttribute

from musictagger.errors import DecodeError, TagWriteError
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import detect, read_tags
from musictagger.tagging.journal import Journal
from musictagger.tagging.payload import audio_payload_digest
from musictagger.tagging.plan import Action, Mode, Prediction, Skip, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.asf_structure import PROTECTION
from musictagger.tags.formats import TagSummary
from tests.audio.signals import channels_of, music, write_aac

ROCK = Prediction("rock", 0.9, uncertain=False)
SR = 44100
COVER = ASFByteArrayAttribute(b"\x03" + struct.pack("<I", 2000) + "image/jpeg\0".encode("utf-16-le") + bytes(2000))


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def wma_file(folder: Path, genre: str) -> Path:
    """A second of WMA as FFmpeg writes it (no Padding nor Metadata Library object), with a title and ``genre``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "song.wma"
    metadata = {"title": "A title", "genre": genre}
    return write_aac(
        path, channels_of(music(sr=SR, seconds=1.0), 2), SR, container="asf", codec="wmav2", metadata=metadata
    )


def as_a_tagger_left_it(path: Path) -> None:
    """Give ``path`` what a collector's taggers leave in a WMA file (saved by mutagen: a Padding object, attributes in
    each object): cover art, an album artist, MusicBrainz ids, a custom attribute, an old ``WM/GenreID``, a second
    genre and a language's value in the Metadata Library object."""
    audio = ASF(path)
    audio.tags["WM/Genre"] = ["Jazz", "Blues"]
    audio.tags["WM/GenreID"] = ["(8)"]
    audio.tags["WM/Picture"] = [COVER]
    audio.tags["WM/AlbumArtist"] = ["An album artist"]
    audio.tags["MusicBrainz/Track Id"] = ["0b7b8d1e-6c2d-4f5e-9a3b-1c2d3e4f5a6b"]
    audio.tags["WM/TrackNumber"] = [ASFDWordAttribute(3)]
    audio.tags["My own"] = ["kept"]
    audio.tags["WM/Lyrics"] = [ASFUnicodeAttribute("Paroles", language=1)]
    audio.save()


def other_attributes(path: Path) -> list[tuple[str, int, bytes, object, object]]:
    """Every attribute but the genre, in mutagen's order: name, type, value bytes, language and stream."""
    return [
        (name, value.TYPE, value._render(), value.language, value.stream)
        for name, value in ASF(path).tags
        if name != "WM/Genre"
    ]


def said_file_size(path: Path) -> int:
    """The file size the File Properties object says."""
    data = path.read_bytes()
    at = data.index(bytes.fromhex("a1dcab8c47a9cf118ee400c00c205365"))  # its GUID
    return struct.unpack_from("<Q", data, at + 40)[0]


@pytest.mark.parametrize("tagged_by", ["ffmpeg", "taggers"])
@pytest.mark.parametrize("mode", [Mode.APPEND, Mode.REPLACE])
def test_a_wma_genre_is_written_where_players_read_it_every_other_attribute_kept_and_undone_byte_for_byte(
    tmp_path: Path, journal: Journal, tagged_by: str, mode: Mode
) -> None:
    """A WMA file was skipped as not taggable.  Now ``WM/Genre`` gets the genre, the first value in the Extended Content
        Description object (FFmpeg reads it there), others in the Metadata Library object, made in a file without one;
        every other attribute and the audio packets stay, the file size the header says follows the file's (where it was
    right), and the undo
        gives back the file's bytes (the Metadata Library object the run made goes again)."""
    path = wma_file(tmp_path, "Jazz")
    if tagged_by == "taggers":
        as_a_tagger_left_it(path)
    original, others, audio = path.read_bytes(), other_attributes(path), audio_payload_digest(path)
    said = said_file_size(path)  # mutagen's writer leaves it stale: then it stays so
    old = [str(value) for value in ASF(path).tags["WM/Genre"]]

    plan = make_plan({path: ROCK}, mode=mode, min_confidence=0.5)
    assert [(item.action, item.current) for item in plan.items] == [(Action.WRITE, tuple(old))]
    report = apply_plan(plan, journal)

    assert [(o.path, o.status) for o in report.outcomes] == [(path, "written")]
    genres = [*old, "Rock"] if mode == Mode.APPEND else ["Rock"]
    assert [str(value) for value in ASF(path).tags["WM/Genre"]] == genres
    with av.open(str(path)) as container:
        assert container.metadata["genre"] == genres[0]
    assert read_tags(path) == TagSummary("A title", None, None, tuple(genres))
    assert other_attributes(path) == others and audio_payload_digest(path) == audio
    assert said_file_size(path) == (path.stat().st_size if said == len(original) else said)
    assert [(o.path, o.status) for o in undo(journal).outcomes] == [(path, "restored")]
    assert path.read_bytes() == original


def test_a_wma_file_tagging_cannot_give_back_is_left_alone_saying_why_and_the_batch_goes_on(tmp_path: Path) -> None:
    """A ``WM/Genre`` attribute holding binary data would be replaced, a header whose size is damaged cannot be read
    whole, and a file cut short (a download that stopped) has packets the check after writing could not find: the
    preview refuses each, saying why."""
    path = wma_file(tmp_path, "Jazz")
    audio = ASF(path)
    audio.tags["WM/Genre"] = [ASFByteArrayAttribute(b"\x01\x02")]
    audio.save()
    other = wma_file(tmp_path / "other", "Jazz")
    cut = tmp_path / "cut.wma"
    cut.write_bytes(other.read_bytes()[:3000])
    damaged = tmp_path / "damaged.wma"  # its header's size spoilt: reading that many bytes raised MemoryError
    damaged.write_bytes(other.read_bytes()[:16] + struct.pack("<Q", 2**62) + other.read_bytes()[24:])

    plan = make_plan({path: ROCK, damaged: ROCK, cut: ROCK, other: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    assert [(item.path, item.action, item.reason) for item in plan.items] == [
        (path, Action.ERROR, "its WM/Genre attribute holds binary data, not text"),
        (
            damaged,
            Action.ERROR,
            f"its ASF header says it is {2**62} bytes long, past the end of the file (truncated?)",
        ),
        (
            cut,
            Action.ERROR,
            "cannot locate its audio data (its ASF Data object runs past the end of the file (truncated?))",
        ),
        (other, Action.WRITE, ""),
    ]


def protect(path: Path, guid: bytes) -> None:
    """``path`` with object ``guid`` (:data:`PROTECTION`'s) ending its header, as Windows Media DRM leaves it: a
    licence URL and key id in a Content Encryption object's form (the reader checks the GUID alone)."""
    data = path.read_bytes()
    size, count = struct.unpack_from("<QI", data, 16)
    fields = [bytes(8), b"DRM\0", b"key-id\0", b"http://licence.example/\0"]
    body = b"".join(struct.pack("<I", len(field)) + field for field in fields)
    drm = guid + struct.pack("<Q", 24 + len(body)) + body
    path.write_bytes(data[:16] + struct.pack("<QI", size + len(drm), count + 1) + data[28:size] + drm + data[size:])


def test_a_wma_protected_by_drm_is_skipped_saying_so_and_its_bytes_stay(tmp_path: Path, journal: Journal) -> None:
    """A WMA file with a Content Encryption, Extended Content Encryption, Advanced Content Encryption or Digital
    Signature object in its header (Windows Media DRM's licence) was tagged like any other, its header rewritten.
    Now the preview skips it as protected by DRM, naming the object with its article ("an Extended …", where "a
    Extended" was said), whether its analysis worked or failed (encrypted audio does not decode), the run leaves it
    byte for byte, the writer refuses it too, and the unprotected file beside it is written."""
    plain = wma_file(tmp_path, "Jazz")
    files = {}
    for guid, name in PROTECTION.items():
        files[name] = tmp_path / f"{name}.wma"
        files[name].write_bytes(plain.read_bytes())
        protect(files[name], guid)
    before = {path: path.read_bytes() for path in files.values()}
    failed = files["Digital Signature"]
    predictions = {path: DecodeError(path, "cannot decode") if path == failed else ROCK for path in before}

    plan = make_plan({**predictions, plain: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)
    apply_plan(plan, journal)

    kinds = {
        "Content Encryption": "a Content Encryption",
        "Extended Content Encryption": "an Extended Content Encryption",
        "Digital Signature": "a Digital Signature",
        "Advanced Content Encryption": "an Advanced Content Encryption",
    }
    reasons = {
        name: f"protected by DRM (its ASF header has {kind} object): writing tags into it could break its licence"
        for name, kind in kinds.items()
    }
    assert [(item.path, item.action, item.skip, item.reason) for item in plan.items] == [
        *((path, Action.SKIP, Skip.CANNOT_WRITE, reasons[name]) for name, path in files.items()),
        (plain, Action.WRITE, None, ""),
    ]
    assert {path: path.read_bytes() for path in before} == before
    assert [str(value) for value in ASF(plain).tags["WM/Genre"]] == ["Rock"]
    path = files["Content Encryption"]
    with pytest.raises(TagWriteError, match="protected by DRM"):
        detect(path).write_labels(path, "genre", ["Rock"])
    assert path.read_bytes() == before[path]
