"""The Library tab sorts names and paths as a person expects: numbers as numbers, accents after the letters, kana
and Thai as their dictionaries have them (migration 11 keeps a sort key of each in every row).

The table sorted by the folded text's code points: ``Track 10`` before ``Track 2``, ``/music/CD 10`` before
``/music/CD 2``, ``バラ`` before ``パプリカ``, a Thai word with a leading vowel after every consonant.  Names stored
in a real SQLite index through the store's API, read back through the real queries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from musictagger.library import Column, Library, TrackQuery, store
from musictagger.library.folding import genres_sort_key, sort_key
from musictagger.library.schema import MIGRATIONS
from tests.library.test_folded_names import column, rows_of, store_names

NUMBERED = {
    # path: (title, artist, album, genre tags), the paths and the titles each in the order the table sorts them
    "/music/CD 1/Track 1.flac": ("Track 1", "2Pac", "Vol. 2", ("Rock",)),
    "/music/CD 1/Track 2.flac": ("track 2", "10cc", "Vol. 10", ("Rock; Pop",)),
    "/music/CD 1/Track 10.flac": ("Track 10", "AC DC", "Vol. 11", ()),
    "/music/CD 2/Track 3.flac": ("Track 11", "AC/DC", None, None),
    "/music/CD 10/Track 1.flac": ("Track 100", "ACDC", "Vol. ๑๒", ("Rock 10",)),  # Thai digits: 12
}


def paths(library: Library, sort: Column, *, descending: bool = False) -> list[str]:
    return [row.path for row in library.track_rows(library.track_ids(TrackQuery(sort=sort, descending=descending)))]


def check_numbers_sorted(library: Library) -> None:
    in_order = list(NUMBERED)
    assert paths(library, Column.PATH) == in_order  # CD 10 sorted before CD 2, Track 10 before Track 2
    assert paths(library, Column.PATH, descending=True) == in_order[::-1]
    assert paths(library, Column.TITLE) == in_order
    assert paths(library, Column.ARTIST) == in_order  # a space before a symbol, a symbol before a letter
    assert column(library, Column.ALBUM) == ["Vol. 2", "Vol. 10", "Vol. 11", "Vol. ๑๒", None]
    assert column(library, Column.TAG_GENRE) == ["Rock", "Rock 10", "Rock; Pop", "", ""]  # as shown; none last


def test_numbers_in_names_and_paths_sort_as_numbers(tmp_path: Path) -> None:
    with Library(tmp_path / "library.sqlite3") as library:
        store_names(library, NUMBERED)
        check_numbers_sorted(library)


def test_an_index_of_the_previous_schema_gains_sort_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library the release before wrote (schema 10, no sort keys) is backed up and gains a sort key for every
    row, through the same functions as new rows; it sorts as a new one, and nothing else changes."""
    database = tmp_path / "library.sqlite3"
    monkeypatch.setattr(store, "MIGRATIONS", MIGRATIONS[:10])
    monkeypatch.setattr(store, "SORT_KEYS", {})
    with Library(database) as old:
        store_names(old, NUMBERED)
    monkeypatch.undo()
    before = [tuple(row) for row in rows_of(database)]

    with Library(database) as library:
        assert (tmp_path / "library.sqlite3.v10.bak").is_file()
        check_numbers_sorted(library)
    after = rows_of(database)
    assert [tuple(row)[: len(before[0])] for row in after] == before
    for row in after:
        for name in ("title", "artist", "album", "path"):
            assert row[f"{name}_key"] == sort_key(row[name])
        assert row["tag_genres_key"] == genres_sort_key(row["tag_genres"])


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("Track 2", "track 10"),  # numbers as numbers, without case
        ("Track 2", "Track 02b"),  # leading zeros make no other number
        ("Track ๒", "Track 3"),  # a Thai digit is its number
        ("2Pac", "10cc"),
        ("AC DC", "AC/DC"),  # a space, then symbols, then numbers, then letters
        ("AC/DC", "AC1"),
        ("AC1", "ACDC"),
        ("cote", "coté"),  # an accent after the letters, in its place
        ("coté", "côte"),
        ("côte", "côté"),
        ("Élodie", "Zazie"),
        ("Мои", "Мой"),  # й is a letter of its own
        ("ハナミズキ", "パプリカ"),  # kana by their letters, then their voicing
        ("パプリカ", "バラ"),
        ("ハ", "バ"),
        ("バ", "パ"),
        ("らあめん", "ラメン"),  # ー as the vowel it lengthens
        ("กา", "เก"),  # Thai: a leading vowel after its consonant
        ("เก", "ขา"),
        ("ม้าก้านกล้วย", "มาลัย"),  # the tone mark after the letters
        ("มาลัย", "ม้าลัย"),
        ("Zazie", "Ελένη"),  # alphabets in their blocks' order
        ("아리랑", "ガンダム"),  # Hangul before kana
        ("ガンダム", "坂本龍一"),  # kana before CJK ideographs
    ],
)
def test_sort_key_orders_as_dictionaries_do(first: str, then: str) -> None:
    assert sort_key(first) < sort_key(then)


@pytest.mark.parametrize(
    ("one", "other"),
    [("ABBA", "abba"), ("ラーメン", "らあめん"), ("ｶﾞﾝﾀﾞﾑ", "がんだむ"), ("Track 007", "track 7"), ("ﬁ", "FI")],
)
def test_names_alike_but_for_case_form_or_zeros_share_a_key(one: str, other: str) -> None:
    """Ordered by the text itself after the key."""
    assert sort_key(one) == sort_key(other)
