"""The library index: one SQLite row per audio file, holding what the model said about it.

:class:`Library` is the only code that reads or writes the ``tracks`` and ``roots`` tables (the
SQL of the window's table queries is spelt out in :mod:`.browse`, and run here).
It is cheap to open; open one per thread (SQLite connections are not shared across
threads), and as many processes as you like (WAL mode: the GUI reads while the CLI
indexes).  Every write is its own short transaction, so an interrupted indexing run keeps
everything it had stored.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Literal

import numpy as np

from musictagger.audio.frontend import FRONT_END_VERSION
from musictagger.db import open_database, snapshot, storable_name, transaction
from musictagger.errors import MusictaggerError
from musictagger.library import judged
from musictagger.library.browse import (
    JUDGED,
    ROW_COLUMNS,
    STORED,
    TrackQuery,
    TrackRow,
    finding,
    register_functions,
    with_agreement,
)
from musictagger.library.code_sidecar import StoredCodes
from musictagger.library.folding import fold, fold_genres, genres_sort_key, sort_key
from musictagger.library.schema import MIGRATIONS
from musictagger.model import codes, embedding
from musictagger.model.head import PersonalHead
from musictagger.model.manifest import ModelManifest
from musictagger.model.runtime import ranking_of, uncertain_over, verdict_text
from musictagger.model.verdict import Verdict, verdict_label
from musictagger.model.windows_choice import windows_for
from musictagger.tags.formats import TagSummary
from musictagger.userdirs import library_db_path

SQL_VARIABLES = 500
"""Ids per ``IN (…)`` query, well under SQLite's limit on bound parameters."""

CODE_IDS_PER_QUERY = 1 << 18
"""Track ids per query when loading every code: strings of a few MB, few round trips."""


MTIME_STEPS_NS = (100, 1_000, 10_000_000, 1_000_000_000, 2_000_000_000)
"""The precisions a copy may keep a file's mtime to: 100 ns (NTFS, SMB), a microsecond (``utimes``, some NFS
servers), 10 ms (exFAT), a second (a tar archive, HFS+, ext3) and 2 s (FAT)."""
FAT_STEP_NS = MTIME_STEPS_NS[-1]
QUARTER_HOUR_NS = 15 * 60 * 1_000_000_000
"""What time zones' offsets are whole multiples of (UTC+5:45, +9:30, and whole hours)."""
TIME_ZONES_SPAN_NS = 26 * 3600 * 1_000_000_000
"""The largest difference between two time zones' clocks (UTC-12 to UTC+14)."""


@dataclass(frozen=True)
class FileStamp:
    """What identifies a version of a file on disk: a changed size or mtime means re-analyse."""

    size: int
    mtime_ns: int

    def kept_coarser_as(self, other: FileStamp) -> bool:
        """Whether ``other`` is this version of the file as a copy kept it, its mtime to a coarser precision
        (:data:`MTIME_STEPS_NS`): the same size, and the mtime a multiple of a step this one is not, less than that
        step away.  A library restored from a backup (tar keeps whole seconds) or carried on a FAT or exFAT drive
        comes back so, every file's mtime cut; an edit does not, since where an edit's mtime is that coarse (on
        such a drive), so was the one before it.  Or ``other`` is this version as a FAT drive read in another time
        zone gives it (:meth:`_read_in_another_time_zone`)."""
        return self.size == other.size and (
            any(
                other.mtime_ns % step == 0 and self.mtime_ns % step != 0 and abs(other.mtime_ns - self.mtime_ns) < step
                for step in MTIME_STEPS_NS
            )
            or self._read_in_another_time_zone(other)
        )

    def _read_in_another_time_zone(self, other: FileStamp) -> bool:
        """Whether ``other``'s mtime is this one's on a FAT drive read in another time zone: FAT keeps local times (to
        2 s), so summer time begun or ended, or the drive read where clocks are set to another zone (a DJ's stick from
        home to a club's laptop), moves every file's mtime by as many quarter hours, and every file was analysed
        again.  An edit that keeps the size, saved a whole number of quarter hours (to the 2 s) after the last, is
        taken for such a move too: 1 such edit in 450."""
        shift = abs(other.mtime_ns - self.mtime_ns)
        return (
            self.mtime_ns % FAT_STEP_NS == other.mtime_ns % FAT_STEP_NS == 0
            and 0 < shift <= TIME_ZONES_SPAN_NS
            and shift % QUARTER_HOUR_NS == 0
        )


@dataclass(frozen=True)
class AnalysisKey:
    """What identifies an analysis: the model's weights (and verdict policy), the front end's
    version, and the windows per track.  A stored result under another key is analysed again."""

    model_id: str
    windows: int

    @classmethod
    def of(cls, manifest: ModelManifest, n_windows: int | None) -> AnalysisKey:
        """The key of analyses by ``manifest``'s model through today's front end, at ``n_windows`` (default: the user's
        choice, :mod:`~musictagger.model.windows_choice`, else the sidecar's)."""
        return cls(cls.model_id_of(manifest), windows_for(n_windows) or manifest.windows_per_track)

    @staticmethod
    def model_id_of(manifest: ModelManifest) -> str:
        """The ``model_id`` of :meth:`of`'s keys, whatever the windows: what a caller comparing models needs, without
        reading the user's window count (``of`` reads it from disk)."""
        return f"{manifest.model_id}+{FRONT_END_VERSION}"


@dataclass(frozen=True)
class TrackAnalysis:
    """The compact result of analysing one file, as stored (no spectrogram, no layer maps).

    ``verdict`` is the model's verdict (its ``evidence`` is not stored): a genre, or unknown
    with its reason and the nearest genre.
    """

    duration_s: float
    verdict: Verdict
    uncertain: bool
    probabilities: dict[str, float]
    bits: np.ndarray
    relaxed_code: np.ndarray
    warnings: tuple[str, ...] = ()
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    tag_genres: tuple[str, ...] | None = None
    """The genres in the file's own tags (empty: none, or unreadable tags); None: not read yet."""
    embedding: np.ndarray | None = None
    """What a personal head reads (:mod:`musictagger.model.embedding`); None: stored before embeddings were."""
    window_codes: np.ndarray | None = None
    """Each analysed window's relaxed code ``(n_windows, K)``, which orders the search's shortlist beside the
    track's own (see :meth:`Library.relaxed_codes`); None: stored before they were."""
    field: str = "genre"
    """The tag field the labels are values of (a personal head's, once read through it; not stored)."""

    def through(self, head: PersonalHead) -> TrackAnalysis:
        """This analysis with ``head``'s probabilities and verdict (unchanged without an embedding: see
        :meth:`Library.missing_embeddings`)."""
        if self.embedding is None:
            return self
        probabilities, verdict = head.judge(self.embedding, base=self.verdict)
        return replace(
            self,
            verdict=verdict,
            uncertain=uncertain_over(head.labels, probabilities, verdict),
            probabilities={score.label: score.probability for score in ranking_of(head.labels, probabilities)},
            field=head.field,
        )

    @property
    def genre(self) -> str | None:
        """The genre, or ``None`` when the verdict is unknown."""
        return self.verdict.genre

    @property
    def confidence(self) -> float:
        """Calibrated probability of the nearest genre."""
        return self.verdict.confidence

    @property
    def unknown(self) -> bool:
        """Whether the stored verdict is "not one of my genres" or "not music"."""
        return self.verdict.unknown

    def summary(self) -> str:
        """The verdict in words, as :meth:`musictagger.model.runtime.Analysis.summary` says it."""
        ranking = ranking_of(tuple(self.probabilities), np.array(list(self.probabilities.values())))
        return verdict_text(ranking, self.verdict, self.field)


@dataclass(frozen=True)
class TrackRecord:
    """One row of the index: a file, and either its analysis or the error that prevented it."""

    id: int
    path: str
    stamp: FileStamp
    key: AnalysisKey
    analysed_at: float
    analysis: TrackAnalysis | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the track was analysed (else it failed: :attr:`error` says why)."""
        return self.analysis is not None

    @property
    def genre(self) -> str | None:
        """The genre of the track's verdict; ``None`` for an unknown verdict or a track that failed."""
        return self.analysis.genre if self.analysis else None

    @property
    def verdict_label(self) -> str:
        """The genre, ``unknown`` or ``not music`` for a table; empty for a file that failed."""
        return self.analysis.verdict.label if self.analysis else ""

    @property
    def display_name(self) -> str:
        """``Artist – Title`` from the tags when known, else the file name."""
        return self.tagged_name or Path(self.path).name

    @property
    def tagged_name(self) -> str | None:
        """``Artist – Title`` (or the title alone) from the tags; None when they give no title."""
        analysis = self.analysis
        if analysis and analysis.title:
            return f"{analysis.artist} – {analysis.title}" if analysis.artist else analysis.title
        return None


@dataclass(frozen=True)
class TagRow:
    """One analysed track as learning sees it: its artist and album (for grouping), its genre tags
    (None: not read yet), whether its embedding is stored, the analysis (model) it came from and the reason of that
    model's verdict (``not music`` …; None for a genre)."""

    id: int
    path: str
    artist: str | None
    album: str | None
    tag_genres: tuple[str, ...] | None
    has_embedding: bool
    model_id: str
    reason: str | None


@dataclass(frozen=True)
class LibraryCounts:
    total: int
    analysed: int
    failed: int


class Library:
    """The library index at ``path`` (default: ``library.sqlite3`` in the user data dir); ``create`` False for a reader,
    which finds an empty index where there is none and makes no file (:func:`~musictagger.db.open_database`).

    One SQLite connection, for the thread that opened it (another thread's use is sqlite3's ``ProgrammingError``):
    threads open a ``Library`` each, and read at once (the index is in WAL mode) while one of them writes.
    """

    def __init__(self, path: Path | None = None, *, create: bool = True) -> None:
        self.path = Path(path) if path else library_db_path()
        self._db = open_database(self.path, MIGRATIONS, register_functions, create=create)
        self._verdicts = STORED
        """Where the table rows' verdicts come from (see :meth:`use_judged`)."""
        self._field = "genre"
        """The tag field those verdicts are values of."""

    def close(self) -> None:
        """Close the index's connection (``with Library() as library:`` does it on leaving)."""
        self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # Roots: the folders the user asked to index.

    def add_roots(self, roots: list[Path]) -> None:
        """Record ``roots`` as folders of the library (those already recorded stay as they are)."""
        with transaction(self._db):
            self._db.executemany(
                "INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)",
                [(str(root), time.time()) for root in roots],
            )

    def remove_root(self, root: Path) -> int:
        """Forget folder ``root`` of the library (as :meth:`roots` lists it) and every track under it that no other
        folder of the library holds; returns how many tracks were dropped.  MusictaggerError when it is not one of
        the library's folders: a folder inside one would be indexed again by the next run, and another path would
        forget nothing.

        A folder inside another (``index ~/Music/Jazz`` after ``index ~/Music``) used to take the other's tracks
        with it, which the next run then analysed all over again."""
        roots = self.roots()
        if root not in roots:
            known = ", ".join(map(str, roots)) or "none yet"
            raise MusictaggerError(
                f"{root} is not a folder of the library (its folders: {known})", paths=[root, *roots]
            )
        others = tuple(os.path.join(str(other), "") for other in roots if other != root)
        with transaction(self._db):
            self._db.execute("DELETE FROM roots WHERE path = ?", (str(root),))
            held_by_none = [path for path in self.paths_under(root) if not path.startswith(others)]
            dropped = self.delete_paths(held_by_none, in_transaction=True)
        return dropped

    def roots(self) -> list[Path]:
        """The library's folders, in path order."""
        return [Path(row[0]) for row in self._db.execute("SELECT path FROM roots ORDER BY path")]

    # Tracks.

    def stamps(self) -> dict[str, tuple[FileStamp, AnalysisKey]]:
        """Every stored path with the file version and analysis it was stored for."""
        rows = self._db.execute("SELECT path, size, mtime_ns, model_id, windows FROM tracks")
        return {row[0]: (FileStamp(row[1], row[2]), AnalysisKey(row[3], row[4])) for row in rows}

    def store_analysis(self, path: str, stamp: FileStamp, key: AnalysisKey, analysis: TrackAnalysis) -> None:
        """Insert or replace the row for ``path`` with a successful analysis."""
        self._upsert(
            path,
            stamp,
            key,
            {
                "duration_s": analysis.duration_s,
                "genre": analysis.genre,
                "verdict": analysis.verdict.kind,
                "reason": analysis.verdict.reason or None,
                "nearest_genre": analysis.verdict.nearest,
                "confidence": analysis.confidence,
                "uncertain": int(analysis.uncertain),
                "probabilities": json.dumps(analysis.probabilities),
                "n_bits": int(analysis.bits.shape[0]),
                "code": np.asarray(codes.pack(analysis.bits), dtype="<u8").tobytes(),
                "relaxed_code": np.asarray(analysis.relaxed_code, dtype="<f4").tobytes(),
                "title": analysis.title,
                "artist": analysis.artist,
                "album": analysis.album,
                "tag_genres": None if analysis.tag_genres is None else json.dumps(list(analysis.tag_genres)),
                "embedding": None if analysis.embedding is None else embedding.to_blob(analysis.embedding),
                "window_relaxed": None
                if analysis.window_codes is None
                else np.asarray(analysis.window_codes, dtype="<f4").tobytes(),
                "warnings": json.dumps(list(analysis.warnings)),
                "error": None,
            },
        )

    def store_error(self, path: str, stamp: FileStamp, key: AnalysisKey, error: str) -> None:
        """Record that ``path`` could not be analysed (it is skipped until it or the model changes)."""
        self._upsert(path, stamp, key, {"error": error})

    def _upsert(self, path: str, stamp: FileStamp, key: AnalysisKey, values: dict[str, object]) -> None:
        columns = ("duration_s", "genre", "verdict", "reason", "nearest_genre", "confidence", "uncertain")
        columns += ("probabilities", "n_bits", "code")
        columns += ("relaxed_code", "title", "artist", "album", "tag_genres", "embedding", "warnings", "error")
        columns += ("window_relaxed",)
        row = {column: values.get(column) for column in columns}
        row |= {
            "path": path,
            "size": stamp.size,
            "mtime_ns": stamp.mtime_ns,
            "model_id": key.model_id,
            "windows": key.windows,
            "analysed_at": time.time(),
        }
        row |= _folded(row)
        names = ", ".join(row)
        placeholders = ", ".join(f":{name}" for name in row)
        updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "path")
        with transaction(self._db):
            self._db.execute(
                f"INSERT INTO tracks ({names}) VALUES ({placeholders}) ON CONFLICT (path) DO UPDATE SET {updates}",
                row,
            )

    def delete_paths(self, paths: list[str], *, in_transaction: bool = False) -> int:
        """Remove the rows of ``paths``; returns how many existed."""
        if not paths:
            return 0
        if in_transaction:
            return self._delete(paths)
        with transaction(self._db):
            return self._delete(paths)

    def _delete(self, paths: list[str]) -> int:
        # The cursor's count, not total_changes: that also counts what triggers change (the codes stamp).
        return self._db.executemany("DELETE FROM tracks WHERE path = ?", [(p,) for p in paths]).rowcount

    def rename_paths(self, moves: list[tuple[str, str]]) -> None:
        """Give the rows at the first path of each pair the second (files that moved: same row, same id)."""
        with transaction(self._db):
            self._db.executemany(
                "UPDATE tracks SET path = ?, path_folded = ?, path_key = ? WHERE path = ?",
                [(new, FOLDING["path"](new), SORT_KEYS["path"](new), old) for old, new in moves],
            )

    def restamp(self, stamps: dict[str, FileStamp]) -> None:
        """Give the rows of these paths these sizes and mtimes, keeping their analyses: the files are the versions
        analysed, as a copy kept them (:meth:`FileStamp.kept_coarser_as`)."""
        with transaction(self._db):
            self._db.executemany(
                "UPDATE tracks SET size = ?, mtime_ns = ? WHERE path = ?",
                [(stamp.size, stamp.mtime_ns, path) for path, stamp in stamps.items()],
            )

    def paths_under(self, root: Path) -> list[str]:
        """Stored paths inside folder ``root``."""
        prefix = str(root).rstrip("/") + "/"
        rows = self._db.execute("SELECT path FROM tracks WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
        return [row[0] for row in rows]

    def record(self, path: str | Path) -> TrackRecord | None:
        """The row of ``path``, relative to the working folder or absolute, as indexing stores it (``.`` and ``..``
        taken out, links not followed: a relative path found no row, and ``find_similar`` did not leave it out);
        None where there is none (always for a name that is not UTF-8, which the index never stores)."""
        if not storable_name(path):
            return None
        row = self._db.execute("SELECT * FROM tracks WHERE path = ?", (os.path.abspath(path),)).fetchone()
        return _record(row) if row else None

    def current_record(self, path: str | Path, key: AnalysisKey) -> TrackRecord | None:
        """The row of ``path`` if it still describes the file on disk under analysis ``key``: the file as indexed, or
        as a copy kept it (:meth:`FileStamp.kept_coarser_as`: a library restored from a backup, before ``index``
        takes its new mtimes, whose every file ``tag`` and ``similar`` analysed again)."""
        record = self.record(path)
        if record is None or record.key != key:
            return None
        try:
            info = os.stat(record.path)
        except OSError:
            return None
        now = FileStamp(info.st_size, info.st_mtime_ns)
        return record if now == record.stamp or record.stamp.kept_coarser_as(now) else None

    def paths_with_stamp(self, stamp: FileStamp) -> list[str]:
        """Stored paths of files of this size and mtime (a scan of the index: it holds no index of them)."""
        rows = self._db.execute("SELECT path FROM tracks WHERE size = ? AND mtime_ns = ?", (stamp.size, stamp.mtime_ns))
        return [row[0] for row in rows]

    def record_by_id(self, track_id: int) -> TrackRecord | None:
        """The track of id ``track_id`` (as ``similar`` and ``--json`` give it), or ``None`` when there is none."""
        row = self._db.execute("SELECT * FROM tracks WHERE id = ?", (track_id,)).fetchone()
        return _record(row) if row else None

    def find(self, text: str, *, limit: int = 20) -> list[TrackRecord]:
        """Tracks whose path, title or artist contains ``text`` without case or accents (``bjork`` finds
        ``Björk``: :func:`~musictagger.library.browse.finding`), in path order."""
        found, parameters = finding(text, ("path", "title", "artist"))
        rows = self._db.execute(f"SELECT * FROM tracks WHERE {found} ORDER BY path LIMIT ?", (*parameters, limit))
        return [_record(row) for row in rows]

    def tracks(self) -> list[TrackRecord]:
        """Every row, analysed or failed, in path order (:meth:`each_track` reads them one at a time)."""
        return list(self.each_track())

    def each_track(self) -> Iterator[TrackRecord]:
        """Every row, analysed or failed, in path order, each read as the loop asks for it: :meth:`tracks` holds them
        all at once, 3.7 KB a track (75 MB for 20,000, measured; a million-track archive's would be 3.7 GB)."""
        for row in self._db.execute("SELECT * FROM tracks ORDER BY path"):
            yield _record(row)

    def failures(self) -> list[TrackRecord]:
        """The tracks that could not be analysed, in path order (each record's ``error`` says why)."""
        return [_record(row) for row in self._db.execute("SELECT * FROM tracks WHERE error IS NOT NULL ORDER BY path")]

    def judge(self, head: PersonalHead) -> int:
        """Store ``head``'s verdicts on the tracks that have none yet (see :mod:`.judged`); how many were judged."""
        return judged.judge(self._db, head)

    def use_judged(self, model: str | None, field: str = "genre") -> None:
        """Show, filter and sort this connection's table rows by the verdicts :meth:`judge` stored for head
        ``model`` (its identity), values of ``field`` (its :attr:`~musictagger.model.head.PersonalHead.field`),
        instead of the stored ones; None, or another head's verdicts stored: the stored ones.  Only genres are
        compared with the files' genre tags (:func:`~.browse.agreement_sql`)."""
        if model is not None and judged.holds(self._db, model):
            self._db.execute(judged.judged_view())
            self._verdicts, self._field = JUDGED, field
        else:
            self._verdicts, self._field = STORED, "genre"

    def track_ids(self, query: TrackQuery) -> np.ndarray:
        """The ids of the tracks matching ``query``, in its order (filtered and sorted by SQLite)."""
        sql, parameters = query.sql(self._verdicts, self._field)
        rows = self._db.execute(sql, parameters).fetchall()
        return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))

    def track_rows(self, ids: Sequence[int]) -> list[TrackRow]:
        """The table rows of ``ids``, in that order (ids no longer in the index are left out)."""
        found: dict[int, TrackRow] = {}
        for start in range(0, len(ids), SQL_VARIABLES):
            chunk = [int(i) for i in ids[start : start + SQL_VARIABLES]]
            placeholders = ", ".join("?" * len(chunk))
            sql = f"SELECT {with_agreement(ROW_COLUMNS, self._field)} FROM {self._verdicts} AS tracks WHERE id IN ({placeholders})"
            for row in self._db.execute(sql, chunk):
                found[row["id"]] = TrackRow.from_sql(row)
        return [found[int(i)] for i in ids if int(i) in found]

    def track_paths(self, ids: Sequence[int]) -> list[str]:
        """The paths of ``ids``, in that order (ids no longer in the index are left out), in one query: the rows of
        100,000 tracks selected, read for their paths alone, took 4.8 s (1.9 s unloaded) before a Tag dialog opened."""
        rows = self._db.execute(
            "SELECT tracks.path FROM json_each(?) AS chosen JOIN main.tracks AS tracks ON tracks.id = chosen.value "
            "ORDER BY chosen.key",
            (json.dumps([int(i) for i in ids]),),
        )
        return [row[0] for row in rows]

    def unread_tags(self) -> list[str]:
        """Paths of analysed tracks whose tags were never read (stored before tags were)."""
        rows = self._db.execute("SELECT path FROM tracks WHERE error IS NULL AND tag_genres IS NULL")
        return [row[0] for row in rows]

    def store_tags(self, path: str, tags: TagSummary, *, stamp: FileStamp | None = None) -> bool:
        """Record the file's tags as read now, keeping its analysis; False when ``path`` has no row.

        ``stamp`` is the file's version before its tags were rewritten (by tagging): the row is
        then only updated (to the file's new size and mtime) if it described that version, so an
        analysis of older audio is never passed off as current.  Tagging keeps the audio
        byte-identical, which is why the analysis stays valid.  A row describes the version a copy kept
        (:meth:`FileStamp.kept_coarser_as`) too: a library restored from a backup, tagged before ``index`` ran,
        kept its old mtimes and old tags, and its tagged files were analysed again at the next ``index``.
        """
        read = {
            "title": tags.title,
            "artist": tags.artist,
            "album": tags.album,
            "tag_genres": json.dumps(list(tags.genres)),
        }
        read |= _folded(read)
        sql = "UPDATE tracks SET " + ", ".join(f"{column} = ?" for column in read)
        values = list(read.values())
        if stamp is None:
            sql += " WHERE path = ?"
            values.append(path)
        else:
            try:
                info = os.stat(path)
            except OSError:
                return False
            if (stored := self.record(path)) is not None and stored.stamp.kept_coarser_as(stamp):
                stamp = stored.stamp
            sql += ", size = ?, mtime_ns = ? WHERE path = ? AND size = ? AND mtime_ns = ?"
            values += [info.st_size, info.st_mtime_ns, path, stamp.size, stamp.mtime_ns]
        with transaction(self._db):
            return self._db.execute(sql, values).rowcount > 0

    def missing_embeddings(self) -> set[str]:
        """Paths of analysed tracks stored before embeddings were (the next indexing run analyses them again)."""
        return self._analysed_without("embedding")

    def missing_window_codes(self) -> set[str]:
        """Paths of analysed tracks stored before their windows' codes were (the next indexing run analyses them
        again; until then the search finds them by their own code alone)."""
        return self._analysed_without("window_relaxed")

    def incomplete_analyses(self) -> set[str]:
        """Paths of analysed tracks stored before embeddings or window codes were, which the next indexing run
        analyses again (one pass over the table, however many of the two are missing)."""
        return self._analysed_without("embedding", "window_relaxed")

    def _analysed_without(self, *columns: Literal["embedding", "window_relaxed"]) -> set[str]:
        missing = " OR ".join(f"{column} IS NULL" for column in columns)
        rows = self._db.execute(f"SELECT path FROM tracks WHERE error IS NULL AND ({missing})")
        return {row[0] for row in rows}

    def tag_rows(self) -> list[TagRow]:
        """What learning from the user's tags needs of every analysed track, in id order."""
        rows = self._db.execute(
            "SELECT id, path, artist, album, tag_genres, embedding IS NOT NULL, model_id, reason FROM tracks "
            "WHERE error IS NULL ORDER BY id"
        )
        return [
            TagRow(
                row[0],
                row[1],
                row[2],
                row[3],
                None if row[4] is None else tuple(json.loads(row[4])),
                bool(row[5]),
                row[6],
                row[7],
            )
            for row in rows
        ]

    def embeddings(self, ids: Sequence[int]) -> np.ndarray:
        """The stored embeddings of tracks ``ids`` ``(n, d)`` float32, in that order; KeyError for an id without one."""
        found: dict[int, bytes] = {}
        for start in range(0, len(ids), SQL_VARIABLES):
            chunk = [int(i) for i in ids[start : start + SQL_VARIABLES]]
            placeholders = ", ".join("?" * len(chunk))
            sql = f"SELECT id, embedding FROM tracks WHERE embedding IS NOT NULL AND id IN ({placeholders})"
            found.update(self._db.execute(sql, chunk).fetchall())
        if not ids:
            return np.zeros((0, 0), np.float32)
        return np.stack([embedding.from_blob(found[int(i)]) for i in ids])

    def embedded_counts(self) -> Counter[str]:
        """Analysed tracks holding an embedding, per analysis model id (a personal head reads only its base model's)."""
        rows = self._db.execute(
            "SELECT model_id, COUNT(*) FROM tracks WHERE error IS NULL AND embedding IS NOT NULL GROUP BY model_id"
        )
        return Counter(dict(rows.fetchall()))

    def code_counts(self) -> Counter[str]:
        """Tracks holding a hash code, per analysis model id (the search compares only one model's codes)."""
        rows = self._db.execute("SELECT model_id, COUNT(*) FROM tracks WHERE code IS NOT NULL GROUP BY model_id")
        return Counter(dict(rows.fetchall()))

    def embedding_bytes(self) -> float:
        """Mean stored bytes of an embedding per track that has one (0 when none has)."""
        (mean,) = self._db.execute("SELECT AVG(LENGTH(embedding)) FROM tracks WHERE embedding IS NOT NULL").fetchone()
        return float(mean or 0.0)

    def counts(self) -> LibraryCounts:
        """How many tracks the index holds, analysed and failed."""
        total, failed = self._db.execute("SELECT COUNT(*), COUNT(error) FROM tracks").fetchone()
        return LibraryCounts(total=total, analysed=total - failed, failed=failed)

    def verdict_counts(self) -> Counter[str]:
        """Analysed tracks per verdict: each genre, ``unknown`` and ``not music`` (see :attr:`Verdict.label`);
        a personal model's, after :meth:`use_judged`."""
        rows = self._db.execute(
            f"SELECT genre, reason, COUNT(*) FROM {self._verdicts} WHERE error IS NULL GROUP BY genre, reason"
        )
        counts: Counter[str] = Counter()
        for genre, reason, count in rows:
            counts[verdict_label(genre, reason or "")] += count
        return counts

    def codes_stamp(self) -> int:
        """A number that changes whenever any track's code does, by any process (see :mod:`.schema`)."""
        return self._db.execute("SELECT stamp FROM codes_stamp").fetchone()[0]

    def packed_codes(self) -> StoredCodes:
        """The analysed tracks' ids ``(n,)`` int64 in id order, packed codes ``(n,)`` uint64 and code
        length, with the codes stamp they are current for (all read in one snapshot).

        Read in id ranges of :data:`CODE_IDS_PER_QUERY`, each as three hex strings that SQLite
        concatenates (ids, codes, code lengths: the aggregates see the rows in the same order),
        so that ten million tracks take 16 bytes each and no Python object per row — twice as
        fast as fetching rows.  Tracks analysed with a code length other than the most common
        one are left out (they cannot be compared by Hamming distance); re-indexing with one
        model avoids that.
        """
        ids, packed, n_bits = [np.zeros(0, np.int64)], [np.zeros(0, np.uint64)], [np.zeros(0, np.uint8)]
        with snapshot(self._db):
            stamp = self.codes_stamp()
            (top,) = self._db.execute("SELECT max(id) FROM tracks").fetchone()
            for start in range(0, (top or 0) + 1, CODE_IDS_PER_QUERY):
                chunk = self._db.execute(
                    "SELECT group_concat(printf('%016x', id), ''), group_concat(hex(code), ''), "
                    "group_concat(printf('%02x', n_bits), '') FROM tracks "
                    "WHERE id >= ? AND id < ? AND code IS NOT NULL",
                    (start, start + CODE_IDS_PER_QUERY),
                ).fetchone()
                if chunk[0] is not None:
                    ids.append(np.frombuffer(bytes.fromhex(chunk[0]), ">i8").astype(np.int64))
                    packed.append(np.frombuffer(bytes.fromhex(chunk[1]), "<u8").astype(np.uint64))
                    n_bits.append(np.frombuffer(bytes.fromhex(chunk[2]), np.uint8))
        all_ids, all_packed, lengths = np.concatenate(ids), np.concatenate(packed), np.concatenate(n_bits)
        if len(all_ids) == 0:
            return StoredCodes(stamp, all_ids, all_packed, 0)
        common = int(np.argmax(np.bincount(lengths)))
        if np.any(all_ids[1:] < all_ids[:-1]):  # the concatenation's order is SQLite's to choose
            order = np.argsort(all_ids)
            all_ids, all_packed, lengths = all_ids[order], all_packed[order], lengths[order]
        if np.any(lengths != common):  # copies only when some tracks are to be left out
            keep = lengths == common
            all_ids, all_packed = all_ids[keep], all_packed[keep]
        return StoredCodes(stamp, all_ids, all_packed, common)

    def any_analysed(self) -> bool:
        """Whether any track is analysed (stops at the first: cheap however large the library)."""
        return bool(self._db.execute("SELECT EXISTS (SELECT 1 FROM tracks WHERE error IS NULL)").fetchone()[0])

    def relaxed_codes(self, ids: Sequence[int], *, models: Collection[str] | None = None) -> dict[int, np.ndarray]:
        """The relaxed codes (float32) of the tracks ``ids`` that are still analysed, by id: ``(1 + n_windows, K)``,
        the track's own then its windows' (its own alone if stored before window codes were); with ``models``,
        only of the tracks whose analysis key's model is one of them."""
        allowed = [] if models is None else sorted(models)
        model_clause = "" if models is None else f" AND model_id IN ({', '.join('?' * len(allowed))})"
        found: dict[int, np.ndarray] = {}
        step = SQL_VARIABLES - len(allowed)
        for start in range(0, len(ids), step):
            chunk = [int(i) for i in ids[start : start + step]]
            placeholders = ", ".join("?" * len(chunk))
            sql = (
                f"SELECT id, relaxed_code, window_relaxed FROM tracks WHERE id IN ({placeholders}) "
                "AND relaxed_code IS NOT NULL"
            )
            for track_id, blob, windows in self._db.execute(sql + model_clause, [*chunk, *allowed]):
                own = np.frombuffer(blob, "<f4")
                found[track_id] = np.frombuffer(blob + (windows or b""), "<f4").reshape(-1, len(own)).astype(np.float32)
        return found


FOLDING = {"title": fold, "artist": fold, "album": fold, "path": fold, "tag_genres": fold_genres}
"""How each text column is folded into its ``…_folded`` column, which the find box searches (:mod:`.folding`;
migrations 9 and 10 of :mod:`.schema` fill them for older rows through the same functions)."""
SORT_KEYS = {"title": sort_key, "artist": sort_key, "album": sort_key, "path": sort_key, "tag_genres": genres_sort_key}
"""How each text column is made into its ``…_key`` column, which the table sorts by (:func:`.folding.sort_key`;
migration 11 of :mod:`.schema` fills them for older rows through the same functions)."""


def _folded(values: dict[str, object]) -> dict[str, str | None]:
    """The folded columns and sort keys of the texts among ``values`` (by column name): ``title_folded`` and
    ``title_key`` for ``title``, and so on."""
    return {f"{column}_folded": folding(values[column]) for column, folding in FOLDING.items() if column in values} | {
        f"{column}_key": key(values[column]) for column, key in SORT_KEYS.items() if column in values
    }


def _record(row: sqlite3.Row) -> TrackRecord:
    analysis = None
    if row["error"] is None:
        n_bits = row["n_bits"]
        verdict = Verdict(row["verdict"], row["genre"], row["nearest_genre"], row["confidence"], row["reason"] or "")
        analysis = TrackAnalysis(
            duration_s=row["duration_s"],
            verdict=verdict,
            uncertain=bool(row["uncertain"]),
            probabilities=json.loads(row["probabilities"]),
            bits=codes.unpack(np.frombuffer(row["code"], dtype="<u8").astype(np.uint64)[0], n_bits),
            relaxed_code=np.frombuffer(row["relaxed_code"], dtype="<f4").copy(),
            warnings=tuple(json.loads(row["warnings"] or "[]")),
            title=row["title"],
            artist=row["artist"],
            album=row["album"],
            tag_genres=None if row["tag_genres"] is None else tuple(json.loads(row["tag_genres"])),
            embedding=None if row["embedding"] is None else embedding.from_blob(row["embedding"]),
            window_codes=None
            if row["window_relaxed"] is None
            else np.frombuffer(row["window_relaxed"], dtype="<f4").reshape(-1, n_bits).copy(),
        )
    return TrackRecord(
        id=row["id"],
        path=row["path"],
        stamp=FileStamp(row["size"], row["mtime_ns"]),
        key=AnalysisKey(row["model_id"], row["windows"]),
        analysed_at=row["analysed_at"],
        analysis=analysis,
        error=row["error"],
    )
