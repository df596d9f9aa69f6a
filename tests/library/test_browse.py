"""Browsing the index as a table: tags read at index time, filters and sorts done by SQLite.

A real folder of generated files, tagged with mutagen the way other taggers do, indexed through
the real pipeline with the first model (which always names one of its four genres).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from musictagger.library import Library, index_folders, store
from musictagger.library.browse import Agreement, Column, QuickFilter, TrackQuery, TrackRow, holds_asf
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import AnalysisKey, FileStamp, TrackAnalysis
from musictagger.model.verdict import Verdict
from musictagger.tagging.formats import detect, read_tags
from musictagger.userdirs import library_db_path
from tests.audio.signals import channels_of, music, write_aac
from tests.tagging.media import pretag

ALL_FOUR = ["Classical", "Electronic", "Pop", "Rock"]
"""The first model's genres: a file tagged with all of them agrees with it, whatever it says."""


@pytest.fixture
def indexed(music_folder: Path) -> Path:
    """The music folder with varied tags, indexed; one verdict made unknown through the store."""
    pretag(music_folder / "album1" / "01.flac", genres=ALL_FOUR, title="zebra", artist="Band B")
    pretag(music_folder / "album1" / "02.flac", genres=["Jazz"], title="Alpha", artist="band a")
    pretag(music_folder / "album2" / "04.ogg", genres=["Jazz"], title="middle", artist="Band C")
    summary = index_folders([music_folder], workers=1)
    assert (summary.analysed, len(summary.failed)) == (5, 1)
    with Library() as library:
        record = library.record(music_folder / "album2" / "04.ogg")
        unknown = dataclasses.replace(record.analysis.verdict, kind="unknown", genre=None, reason="not one of: x")
        library.store_analysis(
            record.path, record.stamp, record.key, dataclasses.replace(record.analysis, verdict=unknown)
        )
    return music_folder


def rows(query: TrackQuery) -> list[TrackRow]:
    with Library() as library:
        return library.track_rows(library.track_ids(query))


def names(query: TrackQuery) -> list[str]:
    return [Path(row.path).name for row in rows(query)]


def test_rows_hold_the_files_tags_and_the_stored_verdicts_filtered_and_sorted_by_sqlite(indexed: Path) -> None:
    by_name = {Path(row.path).name: row for row in rows(TrackQuery())}
    with Library() as library:
        records = {Path(record.path).name: record for record in library.tracks()}
    assert set(by_name) == set(records) == {"01.flac", "02.flac", "03.wav", "04.ogg", "05.wav", "broken.mp3"}
    first = by_name["01.flac"]
    assert (first.title, first.artist, first.album, first.tag_genres) == (
        "zebra",
        "Band B",
        "An album",
        tuple(ALL_FOUR),
    )
    assert first.tag_genre_text == "Classical; Electronic; Pop; Rock"
    for name, row in by_name.items():
        record = records[name]
        if record.analysis is not None:
            assert (row.genre, row.confidence, row.duration_s) == (
                record.analysis.genre,
                record.analysis.confidence,
                record.analysis.duration_s,
            )
    assert {name: row.agreement for name, row in by_name.items()} == {
        "01.flac": Agreement.AGREES,
        "02.flac": Agreement.DIFFERS,
        "03.wav": Agreement.TAG_MISSING,
        "04.ogg": Agreement.NO_VERDICT,
        "05.wav": Agreement.TAG_MISSING,
        "broken.mp3": Agreement.FAILED,
    }
    assert by_name["02.flac"].verdict() == records["02.flac"].analysis.genre
    assert by_name["04.ogg"].verdict() == "not one of my genres"
    assert by_name["broken.mp3"].verdict().startswith("failed: ")

    # Each quick filter, in path order; then text, folder and sorts (one index for all: each costs model runs).
    assert {quick: names(TrackQuery(quick=quick)) for quick in QuickFilter} == {
        QuickFilter.ALL: ["05.wav", "01.flac", "02.flac", "03.wav", "04.ogg", "broken.mp3"],
        QuickFilter.NO_GENRE_TAG: ["05.wav", "03.wav"],
        QuickFilter.DIFFERS: ["02.flac"],
        QuickFilter.NOT_MY_GENRES: ["04.ogg"],
        QuickFilter.FAILED: ["broken.mp3"],
    }
    assert names(TrackQuery(text="JAZZ")) == ["02.flac", "04.ogg"]  # tag genres, any case
    assert names(TrackQuery(text="band")) == ["01.flac", "02.flac", "04.ogg"]  # artists
    assert names(TrackQuery(text="album2")) == ["03.wav", "04.ogg", "broken.mp3"]  # paths
    assert names(TrackQuery(folder=indexed / "album1")) == ["01.flac", "02.flac"]
    assert names(TrackQuery(text="jazz", quick=QuickFilter.DIFFERS)) == ["02.flac"]
    assert names(TrackQuery(sort=Column.TITLE))[:3] == ["02.flac", "04.ogg", "01.flac"]  # Alpha, middle, zebra
    assert names(TrackQuery(sort=Column.TITLE, descending=True))[:3] == ["01.flac", "04.ogg", "02.flac"]
    assert names(TrackQuery(sort=Column.ARTIST))[:3] == ["02.flac", "01.flac", "04.ogg"]  # without case
    by_confidence = rows(TrackQuery(sort=Column.CONFIDENCE))
    confidences = [row.confidence for row in by_confidence if row.confidence is not None]
    assert confidences == sorted(confidences) and len(confidences) == 5
    assert by_confidence[-1].error is not None  # empty values last
    for descending in (False, True):  # a track without a genre shows no confidence, and sorts as having none
        ranked = rows(TrackQuery(sort=Column.CONFIDENCE, descending=descending))
        assert {Path(row.path).name for row in ranked[-2:]} == {"04.ogg", "broken.mp3"}
    agreements = [row.agreement for row in rows(TrackQuery(sort=Column.AGREEMENT))]
    assert agreements == sorted(agreements)
    for column in Column:  # every column sorts, both ways, and keeps every row
        for descending in (False, True):
            assert len(rows(TrackQuery(sort=column, descending=descending))) == 6


def test_an_index_without_tags_gets_them_on_the_next_run_without_reanalysis(indexed: Path) -> None:
    with sqlite3.connect(library_db_path()) as db:  # as an index from before tags were stored
        db.execute("UPDATE tracks SET album = NULL, tag_genres = NULL")
    db.close()
    assert {row.agreement for row in rows(TrackQuery()) if row.error is None} == {Agreement.NOT_READ}
    summary = index_folders([indexed], workers=1)
    assert (summary.analysed, summary.skipped, summary.tags_read) == (0, 6, 5)
    first = rows(TrackQuery(text="zebra"))[0]
    assert (first.album, first.tag_genres) == ("An album", tuple(ALL_FOUR))


def test_a_wma_track_an_earlier_release_indexed_without_its_tags_gets_them_on_the_next_run_without_reanalysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An earlier release could not read a WMA file's tags and stored its row without them: the Library tab showed no
    title nor genre tag, and the next `index` left it so.  The new schema marks such rows unread, and the next run
    reads their tags, analysing nothing again: those of the files the tagger reads as ASF, by their first bytes, a WMA
    named .mp3 (as downloads were renamed) too, which the schema missed, matching .wma names alone."""
    folder = tmp_path / "Music"
    folder.mkdir()
    song = write_aac(
        folder / "song.wma",
        channels_of(music(sr=44100, seconds=1.5), 2),
        44100,
        codec="wmav2",
        metadata={"title": "A title", "genre": "Jazz"},
    )
    renamed = folder / "renamed.mp3"
    renamed.write_bytes(song.read_bytes())
    with monkeypatch.context() as earlier:  # its schema, without the last migration
        earlier.setattr(store, "MIGRATIONS", MIGRATIONS[:-1])
        index_folders([folder], workers=1)
    with sqlite3.connect(library_db_path()) as db:  # as the earlier release stored it
        db.execute("UPDATE tracks SET title = NULL, artist = NULL, album = NULL, tag_genres = '[]'")
    db.close()

    summary = index_folders([folder], workers=1)

    assert (summary.analysed, summary.tags_read) == (0, 2)
    assert [(row.path, row.title, row.tag_genres) for row in rows(TrackQuery())] == [
        (str(renamed), "A title", ("Jazz",)),
        (str(song), "A title", ("Jazz",)),
    ]
    gone = folder / "on a drive not plugged in.mp3"  # its row is left as it is
    assert (holds_asf(str(renamed)), holds_asf(str(gone)), holds_asf(str(library_db_path()))) == (True, False, False)


def test_stored_tags_follow_a_genre_rewrite_only_when_the_row_was_current(indexed: Path) -> None:
    path = indexed / "05.wav"
    with Library() as library:
        before = library.record(path).stamp
        detect(path).write_labels(path, "genre", ["Rock"])
        assert library.store_tags(str(path), read_tags(path), stamp=before)
        assert library.record(path).analysis.tag_genres == ("Rock",)
        assert not library.store_tags(str(path), read_tags(path), stamp=before)  # the row has moved on
    assert index_folders([path], workers=1).skipped == 1  # its analysis is still current: not analysed again


def test_a_subgenre_tag_that_names_the_genre_as_a_word_agrees(music_folder: Path) -> None:
    """A DJ's "Alternative Rock" is rock: the Differs filter is for real disagreements, not subgenres."""
    subgenre, other = music_folder / "album2" / "03.wav", music_folder / "05.wav"
    index_folders([music_folder], workers=1)
    with Library() as library:
        genres = {path: library.record(path).analysis.genre.capitalize() for path in (subgenre, other)}
    pretag(subgenre, genres=[f"Alternative {genres[subgenre]}"])
    pretag(other, genres=[f"{genres[other]}steady"])  # one word: another genre
    index_folders([music_folder], workers=1)

    agreement = {Path(row.path).name: row.agreement for row in rows(TrackQuery())}
    assert (agreement["03.wav"], agreement["05.wav"]) == (Agreement.AGREES, Agreement.DIFFERS)
    assert "05.wav" in names(TrackQuery(quick=QuickFilter.DIFFERS))
    assert "03.wav" not in names(TrackQuery(quick=QuickFilter.DIFFERS))


def stored_with_tags(database: Path, cases: list[tuple[str, str]]) -> Library:
    """A library at ``database`` holding one analysed track per (genre tag, verdict's genre) of ``cases``, in order."""
    library = Library(database)
    for i, (tag, genre) in enumerate(cases):
        bits = np.zeros(64, np.uint8)
        analysis = TrackAnalysis(
            duration_s=60.0,
            verdict=Verdict("genre", genre, genre, 0.9),
            uncertain=False,
            probabilities={genre: 0.9},
            bits=bits,
            relaxed_code=bits.astype(np.float32),
            tag_genres=(tag,),
        )
        library.store_analysis(f"/music/{i:02}.flac", FileStamp(i, i), AnalysisKey("model", 3), analysis)
    return library


def test_a_tag_agrees_with_the_verdict_in_any_spelling_learning_merges_whatever_its_letters(tmp_path: Path) -> None:
    """A tag is read as learning reads it.  A personal model's ``Hip-Hop`` and a file's ``Hip Hop`` are one genre;
    ``Trip-Hop`` is another.  Case is folded beyond ASCII: a label learnt as ``Chanson française`` or
    ``Straßenmusik`` agrees with the file's ``CHANSON FRANÇAISE`` or ``STRASSENMUSIK`` (SQLite's lower() and LIKE,
    which the Agreement column used, fold ASCII alone)."""
    cases = {
        ("Hip-Hop", "Hip-Hop"): Agreement.AGREES,
        ("Hip Hop", "Hip-Hop"): Agreement.AGREES,
        ("hip-hop", "Hip Hop"): Agreement.AGREES,
        ("HipHop", "Hip-Hop"): Agreement.AGREES,  # spellings learning merged into one label (the user audit)
        ("drum and bass", "Drum & Bass"): Agreement.AGREES,
        ("Trip-Hop", "Hip-Hop"): Agreement.DIFFERS,
        ("Post-Rock", "rock"): Agreement.AGREES,  # the genre as a word of the tag
        ("Pop/Rock", "Rock"): Agreement.AGREES,
        ("Rocksteady", "Rock"): Agreement.DIFFERS,
        ("CHANSON FRANÇAISE", "Chanson française"): Agreement.AGREES,
        ("Nouvelle CHANSON FRANÇAISE", "Chanson française"): Agreement.AGREES,
        ("STRASSENMUSIK", "Straßenmusik"): Agreement.AGREES,
        ("ÉLECTRO", "électro"): Agreement.AGREES,
        ("Électro", "Electro"): Agreement.DIFFERS,  # another letter, not another case
        ("Pop; Rock", "Pop"): Agreement.AGREES,  # two labels in one value, as learning splits them
        ("(17)", "Rock"): Agreement.AGREES,  # an ID3 genre number, as learning reads it
        ("Liquid Drum & Bass", "Drum and Bass"): Agreement.AGREES,
    }
    with stored_with_tags(tmp_path / "library.sqlite3", list(cases)) as library:
        by_path = {row.path: row.agreement for row in library.track_rows(library.track_ids(TrackQuery()))}
        differs = library.track_rows(library.track_ids(TrackQuery(quick=QuickFilter.DIFFERS)))
        by_agreement = library.track_rows(library.track_ids(TrackQuery(sort=Column.AGREEMENT)))

    assert dict(zip(cases, by_path.values(), strict=True)) == cases
    assert [row.tag_genres[0] for row in differs] == [tag for (tag, _), a in cases.items() if a is Agreement.DIFFERS]
    assert [row.agreement for row in by_agreement] == sorted(cases.values())


def test_the_find_text_is_matched_as_typed_and_genre_tags_by_their_values(indexed: Path) -> None:
    """% and _ are not wildcards, and a genre tag's JSON brackets and quotes match nothing (the user audit:
    "%", "_" and "[" each listed every track)."""
    for text in ("%", "Alph_", "[", '"'):  # as wildcards, "Alph_" matched the title Alpha
        assert rows(TrackQuery(text=text)) == [], text
    assert names(TrackQuery(text="Alpha")) == ["02.flac"]
    assert names(TrackQuery(text="jazz")) == ["02.flac", "04.ogg"]  # a genre tag's value
