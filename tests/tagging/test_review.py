"""The user's review of a plan before writing: rows left out stay untouched, corrections are what gets
written and what the journal records as the user's; the library index learns the new tags without
analysing the files again.  Real files, real SQLite, tags read back with mutagen itself."""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

from musictagger.cli.main import main
from musictagger.db import open_database
from musictagger.library import Library, index_folders
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.index_sync import update_index
from musictagger.tagging.journal import MIGRATIONS, EntrySource, Journal
from musictagger.tagging.plan import Action, Mode, Prediction, make_plan, parse_genres, revise
from musictagger.tagging.undo import undo
from musictagger.userdirs import journal_db_path
from tests.tagging.media import make_file, native_genres, pretag

ROCK = Prediction("rock", 0.9, uncertain=False)
UNSURE = Prediction("pop", 0.2, uncertain=True)


def test_left_out_rows_stay_untouched_and_corrections_are_written_and_journalled(tmp_path: Path) -> None:
    kept, left, corrected, below = (make_file(tmp_path, fmt) for fmt in ("flac", "mp3", "ogg", "m4a"))
    pretag(left, genres=["Jazz"])
    plan = make_plan({kept: ROCK, left: ROCK, corrected: ROCK, below: UNSURE}, mode=Mode.REPLACE, min_confidence=0.5)
    assert [item.action for item in plan.items] == [Action.WRITE, Action.WRITE, Action.WRITE, Action.SKIP]
    untouched = left.read_bytes()

    review = revise(plan, left_out={left}, corrections={corrected: ("Blues", "Soul"), below: ("Folk",)})
    by_path = {item.path: item for item in review.items}
    assert (by_path[left].action, by_path[left].reason) == (Action.SKIP, "left out")
    assert by_path[corrected].proposed == ("Blues", "Soul") and by_path[corrected].corrected
    assert by_path[below].action is Action.WRITE  # the user's genre needs no threshold
    with Journal() as journal:
        report = apply_plan(review, journal)
        entries = {entry.path: entry for entry in journal.entries(report.run_id)}
    assert report.counts() == {"written": 3}
    assert native_genres(kept) == ["Rock"]
    assert native_genres(corrected) == ["Blues", "Soul"]
    assert native_genres(below) == ["Folk"]
    assert left.read_bytes() == untouched
    assert set(entries) == {kept, corrected, below}
    assert entries[kept].source is EntrySource.MODEL
    assert (entries[corrected].source, entries[corrected].new_genres) == (EntrySource.USER, ("Blues", "Soul"))
    assert entries[below].source is EntrySource.USER

    with Journal() as journal:
        restored = undo(journal)
        assert {entry.source for entry in journal.entries(restored.run_id)} == {EntrySource.UNDO}
    assert native_genres(corrected) == [] and native_genres(below) == []


def test_typed_genres_are_split_on_semicolons() -> None:
    assert parse_genres(" Rock ;Pop;; ") == ("Rock", "Pop")
    assert parse_genres("  ") == ()


def test_a_correction_to_no_genre_or_the_genres_already_there_writes_nothing(tmp_path: Path) -> None:
    path = make_file(tmp_path, "flac")
    pretag(path, genres=["Jazz"])
    plan = make_plan({path: ROCK}, min_confidence=0.5)
    assert revise(plan, left_out=set(), corrections={path: ()}).items[0].action is Action.SKIP
    assert revise(plan, left_out=set(), corrections={path: ("jazz",)}).items[0].action is Action.UNCHANGED
    pretag(path, genres=[unicodedata.normalize("NFD", "Électro")])  # filled on a Mac: E and a combining accent
    plan = make_plan({path: ROCK}, min_confidence=0.5)
    assert revise(plan, left_out=set(), corrections={path: ("Électro",)}).items[0].action is Action.UNCHANGED


def test_a_journal_from_before_sources_is_migrated(tmp_path: Path) -> None:
    path = make_file(tmp_path, "flac")
    old = open_database(journal_db_path(), MIGRATIONS[:1])
    old.close()
    with Journal() as journal:  # migrates; earlier entries were all the model's (or undos)
        report = apply_plan(make_plan({path: ROCK}, min_confidence=0.5), journal)
        assert journal.entries(report.run_id)[0].source is EntrySource.MODEL
    with sqlite3.connect(journal_db_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert journal_db_path().with_name("journal.sqlite3.v1.bak").is_file()


def test_the_index_learns_the_written_tags_without_analysing_again(tmp_path: Path) -> None:
    folder = tmp_path / "Music"
    paths = [make_file(folder, fmt) for fmt in ("flac", "mp3")]
    assert index_folders([folder], workers=1).analysed == 2
    plan = make_plan(dict.fromkeys(paths, ROCK), min_confidence=0.5)
    with Journal() as journal, Library() as library:
        report = apply_plan(plan, journal)
        assert update_index(journal, report.run_id, library) == 2
        assert [library.record(path).analysis.tag_genres for path in paths] == [("Rock",), ("Rock",)]
    assert main(["undo"]) == 0  # the command tells the index too
    with Library() as library:
        assert [library.record(path).analysis.tag_genres for path in paths] == [(), ()]
    assert index_folders([folder], workers=1).skipped == 2
