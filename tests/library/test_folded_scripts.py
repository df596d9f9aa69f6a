"""The find box and sorting keep each letter of every alphabet whole, and remove only the marks one types without
(Latin, Greek, Arabic, Hebrew, and the diaeresis of Cyrillic ё); migration 10 folds the rows stored before again.

The fold removed every combining mark: Cyrillic й was и, kana lost their voicing, Thai its tone marks, Devanagari
its virama and nukta, so that ``мои`` found Мой, ``カンダム`` ガンダム, ``มา`` ม้า and ``सतय`` सत्य, and each pair
sorted as one.
Names stored in a real SQLite index through the store's API, read back through the real queries.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from musictagger.library import Column, Library, store
from musictagger.library.folding import GENRES_SEPARATOR, LATIN_SPELLINGS, fold
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import FileStamp
from tests.library.test_folded_names import column, found, store_names
from tests.library.test_judged import KEY

TITLES_IN_ORDER = [
    # title, artist, genre tags; as the Title column sorts them, by script, each as its dictionaries do
    ("Đi Về Nhà", "Đen Vâu", ("V-Pop",)),  # Vietnamese: without its marks, đ as d
    ("Lạc Trôi", "Sơn Tùng M-TP", ("V-Pop",)),
    ("Ước Gì", "Mỹ Tâm", ("V-Pop",)),
    ("Ελένη", "Ελένη Φουρέιρα", ("Ποπ",)),  # Greek: without tonos, Έλλη among the ε, not before them all
    ("Έλλη", "Έλλη Κοκκίνου", ("Λαϊκό",)),
    ("Εύα", "Εύα", ()),
    ("Ежевика", "Ёлка", ("Поп",)),  # Cyrillic: ё as е
    ("Ёлка", "Ёлка", ("Поп",)),
    ("Мои года", "Вахтанг Кикабидзе", ("Эстрада",)),  # й after и (they sorted as one: Мой адрес first)
    ("Мой адрес — Советский Союз", "Самоцветы", ("Эстрада",)),
    ("שָׁלוֹם", "Hebrew", ()),  # Hebrew and Arabic: without their points, as before
    ("أهواك", "عبد الحليم حافظ", ("طرب",)),
    ("ज़रा ज़रा", "Bombay Jayashri", ("फ़िल्मी",)),  # Devanagari: nukta and virama kept
    ("सतरंगी रे", "A. R. Rahman", ("फ़िल्मी",)),  # त then र, before त्: the virama after the letters
    ("सत्यम शिवम सुंदरम", "Lata Mangeshkar", ("फ़िल्मी",)),  # (सतयम before सतरंगी without it)
    ("เพลง", "Thai", ()),  # Thai: a leading vowel after its consonant (as พ, before ม: it sorted after ฮ)
    ("ม้าก้านกล้วย", "Thai", ()),  # the tone mark after the letters (มาก before มาล; it sorted after)
    ("มาลัย", "Thai", ()),
    ("ฮักนะ", "Thai", ()),
    ("강남스타일", "PSY", ("K-Pop",)),  # Hangul: whole syllables, before kana (it sorted after them)
    ("봄날", "방탄소년단", ("K-Pop",)),
    ("아리랑", "Korean", ()),
    ("ガンダム", "Anime", ("ビジュアル系",)),  # kana: by their letters, the voicing after them (パ before バラ:
    ("ハナミズキ", "一青窈", ("J-Pop",)),  # バラ sorted before パプリカ)
    ("パプリカ", "Foorin", ("J-Pop",)),
    ("バラが咲いた", "マイク眞木", ("フォーク",)),
]

NAMES = {
    f"/music/{i:02}.flac": (title, artist, None, genres) for i, (title, artist, genres) in enumerate(TITLES_IN_ORDER)
}
"""One track a title, at a path holding none of its names."""

DECOMPOSED = "/music/" + unicodedata.normalize("NFD", "Мой друг.flac")
"""A file named as macOS spells names, й as и and a combining breve; its tags not read yet."""


def paths_of(*titles: str) -> set[str]:
    return {path for path, (title, *_rest) in NAMES.items() if title in titles}


def check_found(library: Library) -> None:
    """A typed name finds its letters whole, the marks one types without left out."""
    for text, expected in {
        "мои": paths_of("Мои года"),  # not Мой адрес: й is not и
        "мой": paths_of("Мой адрес — Советский Союз") | {DECOMPOSED},
        "МОЙ АДРЕС": paths_of("Мой адрес — Советский Союз"),
        "елка": paths_of("Ежевика", "Ёлка"),  # title and artist; ё is е
        "ЁЛКА": paths_of("Ежевика", "Ёлка"),
        "カンダム": set(),  # ガ is not カ
        "ガンダム": paths_of("ガンダム"),
        "ｶﾞﾝﾀﾞﾑ": paths_of("ガンダム"),  # half-width kana, folded to their full-width letters
        "ヒシュアル": set(),
        "ビジュアル系": paths_of("ガンダム"),  # a genre tag
        "มา": paths_of("มาลัย"),  # not ม้า: the tone mark makes another word
        "ม้า": paths_of("ม้าก้านกล้วย"),
        "सतय": set(),  # not सत्य: the virama makes the conjunct
        "सत्यम": paths_of("सत्यम शिवम सुंदरम"),
        "जरा": set(),  # not ज़रा: the nukta makes another letter
        "\u095bरा": paths_of("ज़रा ज़रा"),  # ज़ typed as one character (its NFC is ज and the nukta)
        "फ़िल्मी": paths_of("ज़रा ज़रा", "सतरंगी रे", "सत्यम शिवम सुंदरम"),
        "봄": paths_of("봄날"),
        "보": set(),  # whole syllables: 보 is not the start of 봄
        "방탄소년단": paths_of("봄날"),
        "ελλη": paths_of("Έλλη"),
        "ΈΛΛΗ": paths_of("Έλλη"),
        "λαικο": paths_of("Έλλη"),  # dialytika removed
        "di ve nha": paths_of("Đi Về Nhà"),
        "son tung": paths_of("Lạc Trôi"),
        "uoc gi": paths_of("Ước Gì"),
        "שלום": paths_of("שָׁלוֹם"),
        "اهواك": paths_of("أهواك"),
    }.items():
        assert found(library, text) == expected, text


def check_sorted(library: Library) -> None:
    titles = [title for title, _artist, _genres in TITLES_IN_ORDER]
    assert column(library, Column.TITLE) == [*titles, None]
    assert column(library, Column.TITLE, descending=True) == [*reversed(titles), None]


def store_all(library: Library) -> None:
    store_names(library, NAMES)
    library.store_error(DECOMPOSED, FileStamp(99, 99), KEY, "not an audio file")


@pytest.fixture
def library(tmp_path: Path) -> Library:
    with Library(tmp_path / "library.sqlite3") as library:
        store_all(library)
        yield library


def test_the_find_box_keeps_the_letters_of_every_alphabet_whole(library: Library) -> None:
    check_found(library)


def test_names_sort_by_their_letters_in_every_script(library: Library) -> None:
    check_sorted(library)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ά", "α"),  # Greek tonos
        ("ΐ", "ι"),  # Greek dialytika and tonos
        ("Ệ", "e"),  # Vietnamese circumflex and dot below
        ("Ё", "е"),
        ("Й", "й"),
        ("и\u0306", "й"),  # recomposed
        ("Ї", "ї"),  # Ukrainian yi is not і
        ("ｶﾞ", "ガ"),  # half-width: its voicing mark recomposed
        ("𝐁𝐞𝐲𝐨𝐧𝐜é", "beyonce"),  # mathematical bold letters, which NFKD makes capitals
        ("Ａ", "a"),  # full-width
        ("ﬁ", "fi"),
        ("한", "한"),  # a Hangul syllable stays one (NFKD splits it into three jamo)
        ("ㄱ", "\u1100"),  # a compatibility jamo, as its conjoining form
        ("र\u200d्य", "र\u200d्य"),  # a virama after a joiner is its letter's
        ("\u0301a", "a"),  # a mark no letter carries
    ],
)
def test_the_fold_of_each_decision(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert fold(folded) == folded  # a folded text typed back finds itself


def previous_fold(text: str | None) -> str | None:
    """The fold schema 9's release stored: every combining mark removed after NFKD."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(LATIN_SPELLINGS)


def previous_fold_genres(tag_genres: str | None) -> str | None:
    return None if tag_genres is None else GENRES_SEPARATOR.join(map(previous_fold, json.loads(tag_genres)))


def test_an_index_folded_the_old_way_is_folded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library the release before wrote (schema 9, its rows folded with every mark removed) is backed up, and every
    row's folded texts are folded again through the same function as new rows: it finds and sorts as a new one."""
    database = tmp_path / "library.sqlite3"
    monkeypatch.setattr(store, "MIGRATIONS", MIGRATIONS[:9])
    previous = {"title": previous_fold, "artist": previous_fold, "album": previous_fold, "path": previous_fold}
    monkeypatch.setattr(store, "FOLDING", previous | {"tag_genres": previous_fold_genres})
    monkeypatch.setattr(store, "SORT_KEYS", {})
    with Library(database) as old:
        store_all(old)
    monkeypatch.undo()
    with sqlite3.connect(database) as db:
        before = rows(db)
        # Folded the old way, the stored texts are what a query folded the new way no longer finds.
        title = "Мой адрес — Советский Союз"
        assert db.execute("SELECT title_folded FROM tracks WHERE title = ?", [title]).fetchall() == [
            ("мои адрес — советскии союз",)
        ]
        assert db.execute("SELECT title FROM tracks WHERE instr(title_folded, ?)", [fold("мой")]).fetchall() == []
    db.close()

    with Library(database) as library:
        assert (tmp_path / "library.sqlite3.v9.bak").is_file()
        check_found(library)
        check_sorted(library)
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        after = rows(db)
    db.close()
    folded = {f"{name}_folded" for name in store.FOLDING} | {f"{name}_key" for name in store.SORT_KEYS}
    assert [{k: v for k, v in row.items() if k not in folded} for row in after] == [
        {k: v for k, v in row.items() if k not in folded} for row in before
    ]  # nothing else changed
    for row in after:
        for name, folding in store.FOLDING.items():
            assert row[f"{name}_folded"] == folding(row[name])


def rows(db: sqlite3.Connection) -> list[dict[str, object]]:
    """Every track's row, by column name."""
    cursor = db.execute("SELECT * FROM tracks ORDER BY id")
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
