"""The tagging journal does not grow without bound: the bytes it keeps for undo (``tagging.kept_bytes``) are the latest
runs' alone, older runs' dropped (their undo says so) and the file shrinks by them; ``undo --list`` shows what each run
keeps, and ``undo --forget-before RUN`` forgets older runs whole.

Before, every run's kept bytes stayed: a run converting ID3 tags with 100 KB of cover art kept about 100 KB a file,
and every such run added as much again (``bench/journal_size.py``)."""

from __future__ import annotations

import base64
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import mutagen
import pytest
from mutagen.flac import Picture
from mutagen.mp4 import MP4Cover

from musictagger.cli.main import main
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import Id3Version
from musictagger.tagging.journal import MIGRATIONS, Journal
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.formats import read_genres
from musictagger.userdirs import journal_db_path
from tests.tagging.media import make_file, pretag
from tests.tagging.test_kept_bytes import mutagen_tagged, undo_says_the_bytes_were_not_kept

GENRES = ("rock", "pop", "blues")
CONVERSIONS = (Id3Version.V23, Id3Version.V24, Id3Version.V23)
"""Each run's ID3 revision: a conversion, whose tag mutagen's writer rewrites whole, so that the journal keeps it."""


@pytest.fixture
def journal() -> Iterator[Journal]:
    """The user's journal (tests/conftest.py gives each test its own data dir), keeping nothing for older runs."""
    with Journal(kept_bytes_budget=0) as journal:
        yield journal


def tag(path: Path, journal: Journal, run: int) -> None:
    """Tagging run ``run`` (1, 2, 3): another genre each, converting the ID3 tag to v2.3, v2.4, v2.3."""
    mode = Mode.REPLACE if run == 1 else Mode.APPEND
    prediction = Prediction(GENRES[run - 1], 0.9, uncertain=False)
    plan = make_plan({path: prediction}, mode=mode, min_confidence=0.5, id3_version=CONVERSIONS[run - 1])
    assert [o.status for o in apply_plan(plan, journal).outcomes] == ["written"]


def test_an_older_runs_kept_bytes_are_dropped_and_its_undo_says_so(
    tmp_path: Path, journal: Journal, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs converting a v2.4 tag with cover art, the journal keeping nothing for the runs before the latest: the
    second run's end drops the first's bytes (their count stays) and the journal's file shrinks by them, against the
    same runs journalled with room for both.  The second run's undo gives back the file it found byte for byte and
    drops its own (restored: of no more use); the first's gives back the old genre and says why not its bytes."""
    path = mutagen_tagged(tmp_path / "bounded", "mp3", 4, cover=200_000)
    twin = mutagen_tagged(tmp_path / "unbounded", "mp3", 4, cover=200_000)
    with Journal(tmp_path / "unbounded.sqlite3") as unbounded:
        tag(path, journal, 1)
        first_left = path.read_bytes()
        tag(path, journal, 2)
        for run in (1, 2):
            tag(twin, unbounded, run)
        first, second = journal.run(1), journal.run(2)
        assert (first.kept, second.dropped) == (0, 0) and first.dropped > 200_000 and second.kept > 200_000
        assert [r.dropped for r in unbounded.runs()] == [0, 0]
        assert unbounded.size() - journal.size() > first.dropped  # the file shrank by the bytes dropped

    assert [(o.status, o.reason) for o in undo(journal, 2).outcomes] == [("restored", "")]
    assert path.read_bytes() == first_left
    assert journal.run(2).kept == 0
    undo_says_the_bytes_were_not_kept(capsys, path, journal.kept_bytes(journal.entries(1)[0].id), run=1, undo_run=4)
    assert read_genres(path) == ("Jazz",)


def test_the_runs_before_the_latest_keep_their_bytes_newest_first_within_the_budget(
    tmp_path: Path, journal: Journal
) -> None:
    """Three runs, the budget room for the second's bytes alone: the third (the latest) keeps its own whatever their
    size, the second its own, the first none; undone newest first, the second and third give back the bytes."""
    path = mutagen_tagged(tmp_path, "mp3", 4, cover=50_000)
    original = path.read_bytes()
    journal.kept_bytes_budget = 1 << 30
    tag(path, journal, 1)
    tag(path, journal, 2)
    journal.kept_bytes_budget = journal.run(2).kept
    tag(path, journal, 3)

    assert [(r.id, bool(r.kept), bool(r.dropped)) for r in journal.runs()] == [
        (3, True, False),
        (2, True, False),
        (1, False, True),
    ]
    assert [(o.status, o.reason) for o in undo(journal, 3).outcomes] == [("restored", "")]
    assert [(o.status, o.reason) for o in undo(journal, 2).outcomes] == [("restored", "")]
    (outcome,) = undo(journal, 1).outcomes
    assert outcome.status == "restored" and "the journal no longer keeps" in outcome.reason
    assert read_genres(path) == ("Jazz",) and path.read_bytes() != original


def test_a_journal_from_before_the_bound_is_migrated_and_its_kept_bytes_still_give_the_file_back(
    tmp_path: Path,
) -> None:
    """A journal of the release before (schema 5: kept bytes, none dropped) holding a run that kept bytes: it is
    upgraded in place, backed up first, and the run's undo gives back the file's bytes."""
    path = mutagen_tagged(tmp_path, "mp3", 4, cover=20_000)
    original = path.read_bytes()
    with Journal() as journal:
        tag(path, journal, 1)
    # The schema before the bound: the migrations before it.
    schema = next(number for number, m in enumerate(MIGRATIONS) if m.name == "kept bytes dropped")
    with sqlite3.connect(journal_db_path()) as db:  # the journal as the release before wrote it
        db.execute("ALTER TABLE runs DROP COLUMN indexed")  # a later migration's
        db.execute("ALTER TABLE kept_bytes DROP COLUMN dropped")
        db.execute("DELETE FROM migrations WHERE version > ?", (schema,))
        db.execute(f"PRAGMA user_version = {schema}")

    with Journal() as journal:
        assert journal.run(1).kept > 20_000 and journal.run(1).dropped == 0
        assert [(o.status, o.reason) for o in undo(journal).outcomes] == [("restored", "")]
    assert path.read_bytes() == original
    with sqlite3.connect(journal_db_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert journal_db_path().with_name(f"journal.sqlite3.v{schema}.bak").is_file()


def test_undo_list_shows_the_bytes_kept_and_forget_before_forgets_older_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``undo --list`` gives each run's kept bytes (or ``dropped``) and the journal's size; ``undo --forget-before 3``
    forgets runs 1 and 2, which can then no longer be undone, the journal shrinking; run 3 is undone as before."""
    path = mutagen_tagged(tmp_path, "mp3", 4, cover=50_000)
    with Journal() as journal:
        tag(path, journal, 1)
        tag(path, journal, 2)
        second_left = path.read_bytes()
        journal.kept_bytes_budget = second = journal.run(2).kept  # room for run 2's alone
        tag(path, journal, 3)
        kept = journal.run(3).kept
        before = journal.size()

    assert main(["undo", "--list"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    at = header.index("kept")
    assert [row[at:].split()[:2] for row in rows[:3]] == [
        [f"{kept / 1024:.0f}", "KiB"],
        [f"{second / 1024:.0f}", "KiB"],
        ["dropped", "1"],
    ]
    note = " ".join(" ".join(rows[3:]).split())  # its lines as wrapped at 80 columns, joined
    assert note.startswith("kept: the bytes of tags the journal keeps so that undo") and "The journal takes" in note

    assert main(["undo", "--forget-before", "3"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert said.startswith("forgot 2 runs (1-2), which can no longer be undone; the journal takes")
    with Journal() as journal:
        assert [r.id for r in journal.runs()] == [3]
        page = journal.connection.execute("PRAGMA page_size").fetchone()[0]
        assert before - journal.size() > second - page  # the file shrank by run 2's kept bytes (but a shared page)
    assert main(["undo", "2"]) == 1
    assert "no run 2 in the journal" in capsys.readouterr().err
    assert main(["undo"]) == 0
    assert path.read_bytes() == second_left


def with_cover_art(path: Path, art: bytes) -> None:
    """Give ``path`` cover art as its format keeps it: a FLAC picture block, a Vorbis METADATA_BLOCK_PICTURE comment,
    an MP4 ``covr`` item."""
    audio = mutagen.File(path)
    if path.suffix == ".m4a":
        audio.tags["covr"] = [MP4Cover(art, imageformat=MP4Cover.FORMAT_PNG)]
    else:
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, "image/png", art
        if path.suffix == ".flac":
            audio.add_picture(picture)
        else:
            audio.tags["metadata_block_picture"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()


@pytest.mark.parametrize("fmt", ["flac", "ogg", "m4a"])
def test_vorbis_and_mp4_tags_with_cover_art_come_back_byte_for_byte_keeping_nothing(
    tmp_path: Path, journal: Journal, fmt: str
) -> None:
    """The journal keeps bytes for ID3 tags alone: a FLAC, Ogg Vorbis or M4A file with 200 KB of cover art, tagged
    twice (replace, then append), comes back from the two undos byte for byte, its writer giving back the tag, and
    the journal keeps no byte of it."""
    path = make_file(tmp_path, fmt, seconds=1.0)
    pretag(path, genres=["Jazz"])
    with_cover_art(path, b"\x89PNG" + random.Random(0).randbytes(200_000))
    original = path.read_bytes()
    for mode, genre in ((Mode.REPLACE, "rock"), (Mode.APPEND, "pop")):
        apply_plan(make_plan({path: Prediction(genre, 0.9, uncertain=False)}, mode=mode, min_confidence=0.5), journal)
    assert read_genres(path) == ("Rock", "Pop")
    assert [journal.kept_bytes(journal.entries(run)[0].id) for run in (1, 2)] == [None, None]

    for run in (2, 1):
        assert [(o.status, o.reason) for o in undo(journal, run).outcomes] == [("restored", "")]
    assert path.read_bytes() == original
