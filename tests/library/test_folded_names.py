"""The Library tab's find box and its sorting compare names without case or accents (migration 9).

Names as libraries hold them, in every script and case, stored in a real SQLite index through the store's API (and
once through real files tagged with mutagen and indexed by the real pipeline), read back through the real queries.
SQLite's LIKE and NOCASE, which the find box and the sorting used, fold ASCII alone: ``bjork`` did not find Björk,
and Élodie sorted after Zazie.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

import pytest

from musictagger.db import schema_version
from musictagger.library import Column, Library, TrackQuery, index_folders, store
from musictagger.library.folding import fold
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import FileStamp
from musictagger.tagging.formats import detect, read_tags
from tests.library.test_judged import KEY, analysis, mood_head
from tests.tagging.media import pretag

NAMES = {
    # path: (title, artist, album, genre tags)
    "/music/Björk/Homogenic/01 Jóga.flac": ("Jóga", "Björk", "Homogenic", ("Electronic",)),
    "/music/Motörhead/Ace of Spades.flac": ("Ace of Spades", "MOTÖRHEAD", "Ace of Spades", ("Heavy Metal",)),
    "/music/Motörhead/Overkill.flac": ("Overkill", "Motörhead", "Overkill", ("Metal",)),
    "/music/Mötley Crüe/Kickstart.flac": ("Kickstart My Heart", "Mötley Crüe", "Dr. Feelgood", ("Glam Metal",)),
    "/music/Sigur Rós/Hoppípolla.flac": ("Hoppípolla", "Sigur Rós", "Takk…", ("Post-Rock",)),
    "/music/Beyoncé/Halo.flac": ("Halo", "Beyoncé", "I Am… Sasha Fierce", ("R&B",)),
    "/music/beyonce/Halo (live).flac": ("Halo (live)", "beyonce", None, ()),
    "/music/Élodie/Évidemment.flac": ("Évidemment", "Élodie", "ÉLODIE", ("Électro",)),
    "/music/elodie/Andromeda.flac": ("Andromeda", "elodie", "elodie", ("Pop",)),
    "/music/Zazie/Zen.flac": ("Zen", "Zazie", "Zen", ("CHANSON FRANÇAISE",)),
    "/music/Abba/Waterloo.flac": ("Waterloo", "Abba", "Waterloo", ("Pop",)),
    "/music/Łona/Nie.flac": ("Nie", "ŁONA", "Nic dziwnego", ("Hip-Hop",)),
    "/music/Дельфин/Глубина.flac": ("Глубина", "Дельфин", "Глубина", ("Рок",)),
    "/music/坂本龍一/Merry Christmas.flac": ("Merry Christmas Mr. Lawrence", "坂本龍一", "Coda", ("Classical",)),
    "/music/Kraftwerk/STRASSENBAHN.flac": ("STRASSENBAHN", "Kraftwerk", None, ("Electronic",)),
    "/music/Ólafur Arnalds/untitled.flac": (None, None, None, None),  # tags not read yet: found by its path
}

ARTISTS_IN_ORDER = [
    "Abba",
    "beyonce",  # beside "Beyoncé", before it: the accent after the letters (the exact text ordered them before)
    "Beyoncé",
    "Björk",
    "elodie",
    "Élodie",  # before Zazie (NOCASE put it after)
    "Kraftwerk",
    "ŁONA",  # as "lona": Ł is spelt l without its stroke
    "Mötley Crüe",
    "MOTÖRHEAD",
    "Motörhead",
    "Sigur Rós",
    "Zazie",
    "Дельфин",
    "坂本龍一",
]


def store_names(library: Library, names: dict[str, tuple]) -> None:
    """One analysed track at each path of ``names``, with its title, artist, album and genre tags."""
    for i, (path, (title, artist, album, genres)) in enumerate(names.items()):
        tags = {"title": title, "artist": artist, "album": album, "tag_genres": genres}
        library.store_analysis(path, FileStamp(i, i), KEY, dataclasses.replace(analysis(i), **tags))


def found(library: Library, text: str) -> set[str]:
    """The paths the find box lists for ``text``."""
    return {row.path for row in library.track_rows(library.track_ids(TrackQuery(text=text)))}


def column(library: Library, sort: Column, *, descending: bool = False) -> list[str | None]:
    """The cells of column ``sort`` (title, artist, album or genre tag) when the table is sorted by it."""
    rows = library.track_rows(library.track_ids(TrackQuery(sort=sort, descending=descending)))
    cells = {Column.TITLE: "title", Column.ARTIST: "artist", Column.ALBUM: "album", Column.TAG_GENRE: "tag_genre_text"}
    return [getattr(row, cells[sort]) for row in rows]


def artists(library: Library, *, descending: bool = False) -> list[str | None]:
    return column(library, Column.ARTIST, descending=descending)


def rows_of(database: Path) -> list[sqlite3.Row]:
    """Every track's row in ``database``, by id."""
    with sqlite3.connect(database) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM tracks ORDER BY id").fetchall()
    db.close()
    return rows


def paths_of(artist: str) -> set[str]:
    return {path for path, (_title, name, _album, _genres) in NAMES.items() if name == artist}


@pytest.fixture
def library(tmp_path: Path) -> Library:
    with Library(tmp_path / "library.sqlite3") as library:
        store_names(library, NAMES)
        yield library


def check_found(library: Library) -> None:
    """What a user types finds the names in any case, with or without their accents, in every field searched."""
    motorhead = paths_of("MOTÖRHEAD") | paths_of("Motörhead")
    beyonce = paths_of("Beyoncé") | paths_of("beyonce")
    elodie = paths_of("Élodie") | paths_of("elodie")
    for text, expected in {
        "bjork": paths_of("Björk"),  # artist, and its folder
        "BJÖRK": paths_of("Björk"),
        "joga": paths_of("Björk"),  # title
        "motörhead": motorhead,
        "MOTORHEAD": motorhead,
        "motley crue": paths_of("Mötley Crüe"),
        "sigur ros": paths_of("Sigur Rós"),
        "hoppipolla": paths_of("Sigur Rós"),
        "BEYONCE": beyonce,
        "ÉLODIE": elodie,
        "Elodie": elodie,
        "łona": paths_of("ŁONA"),
        "lona": paths_of("ŁONA"),  # Ł is not L with a mark (NFKD keeps it whole): spelt as without the stroke
        "дельфин": paths_of("Дельфин"),
        "ГЛУБИНА": paths_of("Дельфин"),
        "坂本": paths_of("坂本龍一"),
        "straße": paths_of("Kraftwerk"),  # ß folds to ss
        "chanson francaise": paths_of("Zazie"),  # a genre tag's value
        "рок": paths_of("Дельфин"),
        "sasha fierce": paths_of("Beyoncé"),  # album
        "olafur": {"/music/Ólafur Arnalds/untitled.flac"},  # path alone
    }.items():
        assert found(library, text) == expected, text


def test_the_find_box_matches_names_without_case_or_accents(library: Library) -> None:
    check_found(library)
    assert found(library, "motorheads") == set()
    # `similar TEXT` finds its track the same way, by path, title or artist.
    assert [record.path for record in library.find("sigur ros")] == sorted(paths_of("Sigur Rós"))
    assert [record.path for record in library.find("BJORK")] == sorted(paths_of("Björk"))


def test_names_sort_without_case_or_accents_then_by_their_text(library: Library) -> None:
    assert artists(library) == [*ARTISTS_IN_ORDER, None]  # no artist: last, both ways
    assert artists(library, descending=True) == [*reversed(ARTISTS_IN_ORDER), None]
    assert column(library, Column.ALBUM) == [
        "Ace of Spades",
        "Coda",
        "Dr. Feelgood",
        "elodie",
        "ÉLODIE",
        "Homogenic",
        "I Am… Sasha Fierce",
        "Nic dziwnego",
        "Overkill",
        "Takk…",
        "Waterloo",
        "Zen",
        "Глубина",
        None,
        None,
        None,
    ]
    assert column(library, Column.TITLE) == [
        "Ace of Spades",
        "Andromeda",
        "Évidemment",
        "Halo",
        "Halo (live)",
        "Hoppípolla",
        "Jóga",
        "Kickstart My Heart",
        "Merry Christmas Mr. Lawrence",
        "Nie",
        "Overkill",
        "STRASSENBAHN",
        "Waterloo",
        "Zen",
        "Глубина",
        None,
    ]
    assert column(library, Column.TAG_GENRE) == [
        "CHANSON FRANÇAISE",
        "Classical",
        "Électro",
        "Electronic",
        "Electronic",
        "Glam Metal",
        "Heavy Metal",
        "Hip-Hop",
        "Metal",
        "Pop",
        "Pop",
        "Post-Rock",
        "R&B",
        "Рок",
        "",  # no genre tag, and tags not read yet: empty cells, last
        "",
    ]


def test_a_personal_models_view_finds_and_sorts_the_same(library: Library) -> None:
    head = mood_head(0)
    library.judge(head)
    library.use_judged(head.identity)
    check_found(library)
    assert artists(library) == [*ARTISTS_IN_ORDER, None]


def test_tags_read_again_and_moved_files_are_found_by_their_new_names(music_folder: Path) -> None:
    """A real file tagged by another tagger and indexed; then tagged again, given a genre by tagging, and moved
    into another folder: each write keeps what the find box searches current."""
    song = music_folder / "album1" / "01.flac"
    pretag(song, title="Ace of Spades", artist="MOTÖRHEAD")
    index_folders([music_folder], workers=1)
    with Library() as library:
        assert found(library, "motorhead") == {str(song)}
        assert [record.path for record in library.find("motörhead")] == [str(song)]

    pretag(song, title="Jóga", artist="Björk")
    index_folders([music_folder], workers=1)
    with Library() as library:
        assert found(library, "motorhead") == set()
        assert found(library, "JOGA") == {str(song)}
        before = library.record(song).stamp  # as tagging stores the genre it wrote
        detect(song).write_labels(song, "genre", ["Électro"])
        assert library.store_tags(str(song), read_tags(song), stamp=before)
        assert found(library, "electro") == {str(song)}

    moved = music_folder / "Sigur Rós" / "01.flac"
    moved.parent.mkdir()
    shutil.move(song, moved)
    summary = index_folders([music_folder], workers=1)
    assert summary.analysed == 0  # the same row, moved
    with Library() as library:
        assert found(library, "sigur ros") == {str(moved)}


def test_an_index_of_the_previous_schema_is_backed_up_and_its_names_folded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library the release before wrote (schema 8, its store writing no folded texts) gains them for every row,
    through the same function as new rows, and finds and sorts its names at once; nothing else changes."""
    database = tmp_path / "library.sqlite3"
    monkeypatch.setattr(store, "MIGRATIONS", MIGRATIONS[:8])
    monkeypatch.setattr(store, "FOLDING", {})
    monkeypatch.setattr(store, "SORT_KEYS", {})
    with Library(database) as old:
        store_names(old, NAMES)
        old.store_error("/music/Broken Sígns/broken.mp3", FileStamp(99, 99), KEY, "not an audio file")
    monkeypatch.undo()
    before = [tuple(row) for row in rows_of(database)]

    with Library(database) as library:
        assert (tmp_path / "library.sqlite3.v8.bak").is_file()
        check_found(library)
        assert found(library, "BROKEN SIGNS") == {"/music/Broken Sígns/broken.mp3"}
        assert artists(library) == [*ARTISTS_IN_ORDER, None, None]
    after = rows_of(database)
    with sqlite3.connect(database) as db:
        assert schema_version(db) == len(MIGRATIONS)
    db.close()
    assert [tuple(row)[: len(before[0])] for row in after] == before
    for row in after:
        for column in ("title", "artist", "album", "path"):
            assert row[f"{column}_folded"] == fold(row[column])
    folded_genres = {row["path"]: row["tag_genres_folded"] for row in after}
    assert folded_genres["/music/Zazie/Zen.flac"] == "chanson francaise"
    assert folded_genres["/music/beyonce/Halo (live).flac"] == ""
    assert folded_genres["/music/Ólafur Arnalds/untitled.flac"] is None


@pytest.mark.parametrize(
    ("name", "typed"),
    [("MØ", "mo"), ("Æther Realm", "aether realm"), ("Œuvre", "oeuvre"), ("Þursaflokkurinn", "thursaflokkurinn")],
)
def test_latin_letters_that_are_not_a_letter_with_a_mark_fold_as_typed_without_it(name: str, typed: str) -> None:
    assert fold(name) == typed
