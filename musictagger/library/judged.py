"""A personal model's verdicts on the indexed tracks, computed once and kept in the index.

The Library tab shows, filters and sorts by the active personal model's verdicts.  Reading every
stored embedding through the head for each query took seconds at 100,000 tracks
(``bench/library_view.py``), so :func:`judge` stores the verdicts in ``personal_verdicts``, for
one head at a time (``personal_model`` names its :attr:`~musictagger.model.head.PersonalHead.identity`
and says whether every track is judged).  A track added or analysed since marks them incomplete (the
triggers of :mod:`musictagger.library.schema`), and the next :func:`judge` reads those tracks alone;
judging with another head starts afresh.  :func:`judged_view` reads the verdicts in place of the stored
ones; a verdict is the head's on the stored embedding, as for a file analysed now
(:meth:`~musictagger.library.store.TrackAnalysis.through`: the base model's "not music" stands).
"""

from __future__ import annotations

import sqlite3

import numpy as np

from musictagger.db import transaction
from musictagger.model import embedding
from musictagger.model.head import PersonalHead
from musictagger.model.runtime import uncertain_over
from musictagger.model.verdict import NOT_MUSIC, Verdict

CHUNK = 4096
"""Embeddings read through the head at once (a few MB of float64)."""
BASE_NOT_MUSIC = Verdict("unknown", None, "", 0.0, NOT_MUSIC)
"""What :meth:`PersonalHead.decide` needs to know of a base verdict of "not music"."""
VERDICT_COLUMNS = ("genre", "reason", "confidence", "uncertain")


def judge(db: sqlite3.Connection, head: PersonalHead) -> int:
    """Store ``head``'s verdicts on the tracks analysed by its base model that have none yet (every one when
    another head's are stored); returns how many tracks were judged.  Reads one row when all are judged."""
    model = head.identity
    if holds(db, model, complete=True):
        return 0
    judged = 0
    with transaction(db):  # read and written at once: an indexer's update cannot slip in between
        if not holds(db, model):
            db.execute("DELETE FROM personal_verdicts")
        cursor = db.execute(
            "SELECT t.id, t.embedding, t.reason FROM tracks AS t WHERE t.error IS NULL AND t.embedding IS NOT NULL "
            "AND t.model_id = ? AND NOT EXISTS (SELECT 1 FROM personal_verdicts AS v WHERE v.id = t.id)",
            (head.base_model_id,),
        )
        while rows := cursor.fetchmany(CHUNK):
            db.executemany("INSERT INTO personal_verdicts VALUES (?, ?, ?, ?, ?)", _verdicts(head, rows))
            judged += len(rows)
        db.execute("INSERT OR REPLACE INTO personal_model (only, model, complete) VALUES (1, ?, 1)", (model,))
    return judged


def holds(db: sqlite3.Connection, model: str, *, complete: bool = False) -> bool:
    """Whether ``personal_verdicts`` holds head ``model``'s verdicts (on every track, if ``complete``)."""
    row = db.execute("SELECT model = ? AND (complete OR NOT ?) FROM personal_model", (model, complete)).fetchone()
    return row is not None and bool(row[0])


def _verdicts(head: PersonalHead, rows: list[tuple[int, bytes, str | None]]) -> list[tuple]:
    probabilities = head.probabilities(np.stack([embedding.from_blob(blob) for _id, blob, _reason in rows]))
    values = []
    for (track_id, _blob, reason), p in zip(rows, probabilities, strict=True):
        verdict = head.decide(p, base=BASE_NOT_MUSIC if reason == NOT_MUSIC else None)
        uncertain = uncertain_over(head.labels, p, verdict)
        values.append((track_id, verdict.genre, verdict.reason, verdict.confidence, int(uncertain)))
    return values


def judged_view() -> str:
    """``CREATE TEMP VIEW judged``: the tracks with the verdicts :func:`judge` stored; a track without one
    (no embedding yet, or analysed since) keeps its stored verdict.  Its texts, their folded copies that the find
    box searches and their sort keys that the table sorts by, are the track's."""
    verdicts = ", ".join(f"CASE WHEN v.id IS NULL THEN t.{c} ELSE v.{c} END AS {c}" for c in VERDICT_COLUMNS)
    return (
        "CREATE TEMP VIEW IF NOT EXISTS judged AS SELECT t.id, t.path, t.title, t.artist, t.album, t.tag_genres, "
        "t.path_folded, t.title_folded, t.artist_folded, t.album_folded, t.tag_genres_folded, "
        "t.path_key, t.title_key, t.artist_key, t.album_key, t.tag_genres_key, "
        f"t.duration_s, t.error, {verdicts} FROM main.tracks AS t LEFT JOIN main.personal_verdicts AS v ON v.id = t.id"
    )
