"""A genre written as an ID3v1 number in a Vorbis comment, an APEv2 item or an MP4 ``©gen`` item, as older taggers
carried it over from ID3
(``(17)``, ``(17)Rock``, ``(255)`` for none): read as ID3 reads it, and given back byte for byte by an undo."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from mutagen.apev2 import APEv2

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Action, Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.formats import read_genres, read_tags
from tests.tagging.media import make_file, pretag

ROCK = Prediction("rock", 0.9, uncertain=False)
POP = Prediction("pop", 0.9, uncertain=False)
FORMATS = ["flac", "ogg", "wv", "m4a"]
STORED = [
    (["(17)"], ("Rock",)),
    (["(17)Rock"], ("Rock",)),
    (["(9)Metal", "(8)Jazz"], ("Metal", "Jazz")),
    (["(255)"], ()),
]


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def file_holding(folder: Path, fmt: str, genres: list[str]) -> Path:
    path = make_file(folder, fmt, seconds=1.0)
    pretag(path, genres=genres)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("stored", "read"), STORED)
def test_a_genre_stored_as_its_id3v1_number_reads_as_its_name(
    tmp_path: Path, fmt: str, stored: list[str], read: tuple[str, ...]
) -> None:
    """It was read as the text `(17)` or `(17)Rock`: the library index (so `learn` and the Library tab) held that,
    and append wrote Rock beside it; `(255)`, ID3v1's none, was a genre, so fill-empty left the file without one."""
    path = file_holding(tmp_path, fmt, stored)

    assert read_genres(path) == read and read_tags(path).genres == read
    append = make_plan({path: ROCK}, mode=Mode.APPEND, min_confidence=0.5).items[0]
    fill = make_plan({path: ROCK}, mode=Mode.FILL_EMPTY, min_confidence=0.5).items[0]
    assert append.current == read
    assert append.action is (Action.UNCHANGED if "Rock" in read else Action.WRITE)
    assert fill.action is (Action.WRITE if not read else Action.UNCHANGED)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("mode", "stored"),
    [(mode, stored) for mode in (Mode.REPLACE, Mode.APPEND) for stored, _read in STORED]
    + [(Mode.FILL_EMPTY, ["(255)"])],
)
def test_undo_gives_back_the_id3v1_number_the_file_held(
    tmp_path: Path, journal: Journal, fmt: str, mode: Mode, stored: list[str]
) -> None:
    """The journal keeps the genres read (`Rock`); the undo tries the forms older taggers wrote (`(17)Rock`, `(17)`,
    `(255)`) for the one that gives back the file's bytes."""
    path = file_holding(tmp_path, fmt, stored)
    original = hashlib.sha256(path.read_bytes()).digest()
    plan = make_plan({path: POP}, mode=mode, min_confidence=0.5)

    assert [o.status for o in apply_plan(plan, journal).outcomes] == ["written"]
    assert [(o.status, o.reason) for o in undo(journal).outcomes] == [("restored", "")]
    assert hashlib.sha256(path.read_bytes()).digest() == original


@pytest.mark.parametrize(("stored", "read"), STORED)
def test_a_genre_number_in_an_mp3s_apev2_tag_reads_as_its_name(
    tmp_path: Path, stored: list[str], read: tuple[str, ...]
) -> None:
    """An MP3's APEv2 tag, which tagging reads but does not write, read `(17)Rock` as that text: the preview showed it
    as the file's genre, and `(255)` (ID3v1's none) as a genre, which kept the file from being tagged."""
    path = make_file(tmp_path, "mp3", seconds=1.0)
    ape = APEv2()
    ape["Genre"] = "\0".join(stored)
    ape.save(path)

    (item,) = make_plan({path: POP}, mode=Mode.REPLACE, min_confidence=0.5).items

    assert item.current == read
    if read:
        assert (item.action, item.reason) == (
            Action.SKIP,
            "its genre is in its APEv2 tag, which tagging does not write",
        )
