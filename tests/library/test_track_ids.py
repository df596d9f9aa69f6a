"""A track's id is never given again: ids outlive their rows.

The Library tab holds a query's ids until it reloads (through a whole index run in a terminal) and reads
the rows on screen by id; ``similar --json`` prints ids that ``similar ID`` takes.  An id given again to a
new file would show, and act on, that file in the place of the deleted one.  Real files indexed through the
real pipeline (the first model), and an index of the previous schema written by the store's own code.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from musictagger.library import Library, TrackQuery, index_folders, store
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import FileStamp
from tests.library.conftest import write_track
from tests.library.test_judged import KEY, analysis, mood_head


def test_a_new_track_never_takes_the_id_of_a_pruned_one(music_folder: Path) -> None:
    index_folders([music_folder], workers=1)
    with Library() as library:
        ids = library.track_ids(TrackQuery())
        shown = {row.id: row.path for row in library.track_rows(ids)}
    last = max(shown)
    Path(shown[last]).unlink()
    added = write_track(music_folder / "06.wav", "wav-pcm16", seed=4, seconds=4.0)

    summary = index_folders([music_folder], workers=1)

    assert (summary.pruned, summary.analysed) == (1, 1)
    with Library() as library:
        assert [row.path for row in library.track_rows(ids)] == [shown[i] for i in ids if i != last]
        assert library.record_by_id(last) is None
        assert library.record(added).id > last


def everything(database: Path) -> dict[str, list[tuple]]:
    """Every row of every table the migration rebuilds or must leave alone, in a stable order."""
    with sqlite3.connect(database) as db:
        tables = ("tracks", "personal_verdicts", "personal_model", "codes_stamp", "roots")
        found = {table: [tuple(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY 1")] for table in tables}
    db.close()
    return found


def schema(db: sqlite3.Connection) -> set[tuple[str, str]]:
    """The tables, indexes and triggers of ``db``, by kind and name."""
    return {(row[0], row[1]) for row in db.execute("SELECT type, name FROM sqlite_master")}


def test_an_index_of_the_previous_schema_keeps_every_row_and_id_and_gives_none_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library the release before wrote (schema 7: its store, its judged verdicts) is backed up, rebuilt with
    every row, id and verdict as they were, and from then on never gives an id again; its triggers and the
    verdicts' foreign key still work on the rebuilt tables."""
    database = tmp_path / "library.sqlite3"
    head = mood_head(0)
    monkeypatch.setattr(store, "MIGRATIONS", MIGRATIONS[:7])
    monkeypatch.setattr(store, "FOLDING", {})  # its rows had no folded texts (migration 9)
    monkeypatch.setattr(store, "SORT_KEYS", {})  # nor sort keys (migration 11)
    with Library(database) as old:
        old.add_roots([Path("/music")])
        for i in range(6):
            old.store_analysis(f"/music/{i}.flac", FileStamp(i, i), KEY, analysis(i))
        old.store_analysis("/music/5.flac", FileStamp(9, 9), KEY, analysis(9))  # analysed again: same id
        old.store_error("/music/6.flac", FileStamp(6, 6), KEY, "not an audio file")
        old.delete_paths(["/music/2.flac"])
        assert old.judge(head) == 5
    monkeypatch.undo()
    before = everything(database)
    with sqlite3.connect(database) as db:
        old_schema = schema(db) | {("table", "sqlite_sequence"), ("index", "tracks_path_key")}  # and migration 11's
    db.close()
    assert [row[0] for row in before["tracks"]] == [1, 2, 4, 5, 6, 7]
    assert [row[0] for row in before["personal_verdicts"]] == [1, 2, 4, 5, 6]

    with Library(database) as library:
        assert (tmp_path / "library.sqlite3.v7.bak").is_file()
        after = everything(database)
        width = len(before["tracks"][0])  # the columns migration 9 adds are tested in test_folded_names
        assert after | {"tracks": [row[:width] for row in after["tracks"]]} == before
        stamp = library.codes_stamp()
        library.delete_paths(["/music/5.flac", "/music/6.flac"])  # ids 6 and 7, the largest
        assert library.codes_stamp() != stamp  # the codes' triggers, on the rebuilt table
        library.store_analysis("/music/new.flac", FileStamp(10, 10), KEY, analysis(10))
        assert library.record("/music/new.flac").id == 8
        assert library.judge(head) == 1  # the new track alone: the insert trigger marked the verdicts incomplete
        library.store_analysis("/music/0.flac", FileStamp(11, 11), KEY, analysis(11))
        assert library.judge(head) == 1  # analysed again: the stale trigger dropped its verdict
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert {row[0] for row in db.execute("SELECT id FROM personal_verdicts")} == {1, 2, 4, 5, 8}  # 6's went
        assert schema(db) == old_schema
    db.close()


def test_a_verdict_left_without_its_track_does_not_keep_the_index_from_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection without foreign keys (an old tool, a hand edit) may have deleted a track and left its verdict:
    the rebuild copies the verdicts of the tracks there are, where copying that one would fail the whole migration
    and leave the library unopenable."""
    database = tmp_path / "library.sqlite3"
    monkeypatch.setattr(store, "MIGRATIONS", MIGRATIONS[:7])
    monkeypatch.setattr(store, "FOLDING", {})
    monkeypatch.setattr(store, "SORT_KEYS", {})
    with Library(database) as old:
        for i in range(3):
            old.store_analysis(f"/music/{i}.flac", FileStamp(i, i), KEY, analysis(i))
        assert old.judge(mood_head(0)) == 3
    monkeypatch.undo()
    with sqlite3.connect(database) as db:  # foreign keys off, as sqlite3's default is
        db.execute("DELETE FROM tracks WHERE path = '/music/1.flac'")
    db.close()

    with Library(database) as library:
        assert [record.path for record in library.tracks()] == ["/music/0.flac", "/music/2.flac"]
    with sqlite3.connect(database) as db:
        assert {row[0] for row in db.execute("SELECT id FROM personal_verdicts")} == {1, 3}
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
