"""Browsing the index as a table: which tracks match a query, in what order, and their rows' contents.

The window's library view shows 100,000 tracks without holding them: :meth:`Library.track_ids`
answers a :class:`TrackQuery` (text, a quick filter, a sort column) with the matching ids in
order, filtered and sorted by SQLite, and :meth:`Library.track_rows` reads the few rows on
screen by id.  This module holds the query's vocabulary and its SQL; :mod:`.store` runs it.

Agreement compares the model's verdict with the genres in the file's tags as learning reads them
(:func:`musictagger.tags.labels.names_label`, which the SQL calls): ``agrees`` when the verdict's genre is one of
them in any case or spelling learning merges, or words of one (``Alternative Rock``, ``Post-Rock`` and ``Pop/Rock``
agree with rock; ``Rocksteady`` does not), ``differs`` when it is not, ``tag missing``
when the file has no genre tag, ``no verdict`` when the model has no genre for the track (it
is not one of its genres, or not music), ``failed`` when it could not be analysed, and empty
while the file's tags have not been read (an index from before tags were stored, until the
next indexing run).

With a personal model in use, the verdicts shown, filtered and sorted by are its own, judged from
the tracks' stored embeddings once and kept in the index (:mod:`.judged`): after
:meth:`Library.use_judged`, every query reads :data:`JUDGED` (under the name ``tracks``) instead
of the stored verdicts.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from musictagger.library.folding import fold, fold_genres, genres_sort_key, sort_key
from musictagger.model.verdict import verdict_words
from musictagger.tags.asf_structure import is_asf
from musictagger.tags.labels import names_label


class QuickFilter(StrEnum):
    """The library view's one-click filters."""

    ALL = "all tracks"
    NO_GENRE_TAG = "no genre tag"
    DIFFERS = "differs from the model"
    NOT_MY_GENRES = "not one of my genres"
    FAILED = "failed"


class Agreement(StrEnum):
    """How the model's verdict compares with the file's genre tags (see the module docstring)."""

    AGREES = "agrees"
    DIFFERS = "differs"
    TAG_MISSING = "tag missing"
    NO_VERDICT = "no verdict"
    FAILED = "failed"
    NOT_READ = ""


class Column(StrEnum):
    """The table's columns, in display order; each sorts by its SQL expression below."""

    TITLE = "Title"
    ARTIST = "Artist"
    ALBUM = "Album"
    TAG_GENRE = "Genre tag"
    VERDICT = "Model says"
    CONFIDENCE = "Confidence"
    AGREEMENT = "Agreement"
    DURATION = "Duration"
    PATH = "Path"


def holds_asf(path: str) -> bool:
    """Whether the file at ``path`` is one the tagger reads as ASF (:func:`~musictagger.tags.asf_structure.is_asf`: by
    its first bytes, whatever its name); False when it cannot be read now (on a drive not plugged in), whose row is
    left as it is."""
    try:
        return is_asf(path)
    except OSError:
        return False


def register_functions(connection: sqlite3.Connection) -> None:
    """Give ``connection`` the Python functions the library's SQL calls (SQLite's ``lower()``, ``LIKE`` and
    ``NOCASE`` fold ASCII alone): :func:`~musictagger.tags.labels.names_label` as ``names_label(tag, label)``, so
    that the Agreement column reads a tag as learning does, :func:`~.folding.fold` and
    :func:`~.folding.fold_genres` as ``fold(text)`` and ``fold_genres(tag_genres)``, which migrations 9 and 10
    of :mod:`.schema` fill the folded columns with, and :func:`~.folding.sort_key` and
    :func:`~.folding.genres_sort_key` as ``sort_key(text)`` and ``genres_sort_key(tag_genres)``, which migration 11
    fills the sort keys with, and :func:`holds_asf` as ``holds_asf(path)``, by which migration 12 finds the ASF
    files an earlier release stored without their tags."""
    connection.create_function("holds_asf", 1, holds_asf)
    connection.create_function("names_label", 2, names_label, deterministic=True)
    connection.create_function("fold", 1, fold, deterministic=True)
    connection.create_function("fold_genres", 1, fold_genres, deterministic=True)
    connection.create_function("sort_key", 1, sort_key, deterministic=True)
    connection.create_function("genres_sort_key", 1, genres_sort_key, deterministic=True)


AGREEMENT_SQL = f"""CASE
    WHEN error IS NOT NULL THEN '{Agreement.FAILED}'
    WHEN tag_genres IS NULL THEN '{Agreement.NOT_READ}'
    WHEN tag_genres = '[]' THEN '{Agreement.TAG_MISSING}'
    WHEN genre IS NULL THEN '{Agreement.NO_VERDICT}'
    WHEN EXISTS (SELECT 1 FROM json_each(tracks.tag_genres) WHERE names_label(json_each.value, tracks.genre))
    THEN '{Agreement.AGREES}'
    ELSE '{Agreement.DIFFERS}' END"""
"""The agreement of a row, in SQL (:func:`register_functions` gives a connection what it calls)."""

UNCOMPARED_SQL = f"CASE WHEN error IS NOT NULL THEN '{Agreement.FAILED}' ELSE '{Agreement.NOT_READ}' END"
"""The agreement of a row under a personal model of another field than genre (moods): the index keeps the files'
genre tags alone, and a mood compared with them 'differed' on every track tagged with a genre."""


def agreement_sql(field: str) -> str:
    """The agreement of a row, in SQL, under a model whose verdicts are values of ``field``."""
    return AGREEMENT_SQL if field == "genre" else UNCOMPARED_SQL


SORT_SQL: dict[Column, tuple[str, ...]] = {
    Column.TITLE: ("title_key", "title"),
    Column.ARTIST: ("artist_key", "artist"),
    Column.ALBUM: ("album_key", "album"),
    Column.TAG_GENRE: ("nullif(tag_genres_key, '')", "tag_genres"),  # none: an empty cell, last
    Column.VERDICT: ("coalesce(genre, reason, error)",),
    Column.CONFIDENCE: ("CASE WHEN genre IS NULL THEN NULL ELSE confidence END",),  # as shown: none without a genre
    Column.AGREEMENT: ("{agreement}",),
    Column.DURATION: ("duration_s",),
    Column.PATH: ("path_key",),
}
"""What each column sorts by, in order.  Names and paths sort by their sort key (:func:`.folding.sort_key`: without
case, accents after the letters, numbers as numbers, so ``Élodie`` and ``elodie`` sort together, before ``Zazie``,
and ``Track 2`` before ``Track 10``), then by the text itself to order those alike; the agreement as
:func:`agreement_sql` has it."""

NEVER_NULL = frozenset({"path_key", "path"})
"""Sort expressions no track has NULL: ordered without ``NULLS LAST``, which SQLite cannot read from an index in
ascending order (the Path column, the table's first sort, from the index of migration 11)."""

FILTER_SQL = {
    QuickFilter.ALL: "1",
    QuickFilter.NO_GENRE_TAG: "tag_genres = '[]'",
    QuickFilter.DIFFERS: f"({{agreement}}) = '{Agreement.DIFFERS}'",
    QuickFilter.NOT_MY_GENRES: "error IS NULL AND genre IS NULL",
    QuickFilter.FAILED: "error IS NOT NULL",
}

FOUND_IN = ("title", "artist", "album", "path", "tag_genres")
"""What the find box searches: title, artist, album, path and each genre tag value (folded one a line, not the
JSON list the values are stored as, whose brackets and quotes every track would match)."""


def finding(text: str, columns: tuple[str, ...] = FOUND_IN) -> tuple[str, list[str]]:
    """SQL that holds for a track one of whose ``columns`` (of :data:`FOUND_IN`) contains ``text`` without case or
    accents (``bjork`` finds ``Björk``), compared folded (:mod:`.folding`) as typed (no character is a wildcard),
    and its parameters."""
    return "(" + " OR ".join(f"instr({column}_folded, ?) > 0" for column in columns) + ")", [fold(text)] * len(columns)


ROW_COLUMNS = (
    "id, path, title, artist, album, tag_genres, genre, reason, confidence, uncertain, duration_s, error, "
    "{agreement} AS agreement"
)
"""The columns of a :class:`TrackRow`, the agreement as :func:`agreement_sql` has it (:func:`with_agreement`)."""


def with_agreement(sql: str, field: str) -> str:
    """``sql`` (of :data:`ROW_COLUMNS`, :data:`SORT_SQL` or :data:`FILTER_SQL`) with the agreement under a model whose
    verdicts are values of ``field``."""
    return sql.replace("{agreement}", agreement_sql(field))


STORED = "main.tracks"
"""The stored verdicts' relation."""
JUDGED = "temp.judged"
"""A personal model's verdicts' relation (:func:`musictagger.library.judged.judged_view`)."""


@dataclass(frozen=True)
class TrackQuery:
    """Which tracks, in what order: a text to find, a quick filter, a folder, and a sort column."""

    text: str = ""
    quick: QuickFilter = QuickFilter.ALL
    sort: Column = Column.PATH
    descending: bool = False
    folder: Path | None = None
    """Only tracks inside this folder."""

    def sql(self, source: str = STORED, field: str = "genre") -> tuple[str, list[object]]:
        """``SELECT id …`` of the matching tracks in order (ties broken by path), and its parameters; the
        verdicts are ``source``'s (:data:`STORED` or :data:`JUDGED`), values of ``field``."""
        where, parameters = [with_agreement(FILTER_SQL[self.quick], field)], []
        if self.text:
            found, found_parameters = finding(self.text)
            where.append(found)
            parameters += found_parameters
        if self.folder is not None:
            prefix = str(self.folder).rstrip("/") + "/"
            where.append("substr(path, 1, ?) = ?")
            parameters += [len(prefix), prefix]
        direction = "DESC" if self.descending else "ASC"
        keys = (*(with_agreement(key, field) for key in SORT_SQL[self.sort]), "path")  # empty cells last, both ways
        order = ", ".join(f"{key} {direction}{'' if key in NEVER_NULL else ' NULLS LAST'}" for key in keys)
        return f"SELECT id FROM {source} AS tracks WHERE {' AND '.join(where)} ORDER BY {order}", parameters


@dataclass(frozen=True)
class TrackRow:
    """What the table shows of one track."""

    id: int
    path: str
    title: str | None
    artist: str | None
    album: str | None
    tag_genres: tuple[str, ...] | None
    genre: str | None
    """The model's genre; None when it has none (see ``reason``) or the file failed."""
    reason: str | None
    confidence: float | None
    uncertain: bool
    duration_s: float | None
    error: str | None
    agreement: Agreement

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> TrackRow:
        """From a row selected with :data:`ROW_COLUMNS`."""
        genres = row["tag_genres"]
        return cls(
            id=row["id"],
            path=row["path"],
            title=row["title"],
            artist=row["artist"],
            album=row["album"],
            tag_genres=None if genres is None else tuple(json.loads(genres)),
            genre=row["genre"],
            reason=row["reason"],
            confidence=row["confidence"],
            uncertain=bool(row["uncertain"]),
            duration_s=row["duration_s"],
            error=row["error"],
            agreement=Agreement(row["agreement"]),
        )

    def verdict(self, field: str = "genre") -> str:
        """The label, ``not one of my genres`` (of a model of ``field``: :func:`not_one_of_mine`) or
        ``not music``; the error for a file that failed."""
        if self.error is not None:
            return f"failed: {self.error}"
        return verdict_words(self.genre, self.reason or "", field)

    @property
    def tag_genre_text(self) -> str:
        """The file's genres joined for display (``Rock; Pop``)."""
        return "; ".join(self.tag_genres or ())
