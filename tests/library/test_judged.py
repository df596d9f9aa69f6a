"""A personal model's verdicts kept in the index (migration 5): judged once, then only tracks analysed since.

The index is a real SQLite file filled through the store's API with analyses carrying embeddings
(no audio: what is tested is what the index does with them); the head is a real one of random
weights, and every verdict the table shows is checked against the head reading the same track.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from musictagger.db import open_database
from musictagger.library import Column, Library, QuickFilter, TrackQuery
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import AnalysisKey, FileStamp, TrackAnalysis
from musictagger.model.head import PersonalHead
from musictagger.model.verdict import NOT_MUSIC, Verdict

KEY = AnalysisKey("base-model", 3)
DIMENSION = 16
MOODS = ("calm", "happy", "sad")


def mood_head(seed: int, *, threshold: float = 0.6) -> PersonalHead:
    rng = np.random.default_rng(seed)
    return PersonalHead(
        name="moods",
        labels=MOODS,
        mean=np.zeros(DIMENSION),
        scale=np.ones(DIMENSION),
        weights=rng.normal(0, 0.5, (DIMENSION, len(MOODS))),
        bias=np.zeros(len(MOODS)),
        temperature=1.0,
        threshold=threshold,
        base_model_id=KEY.model_id,
        field="mood",
    )


def analysis(seed: int, *, reason: str = "") -> TrackAnalysis:
    rng = np.random.default_rng(seed)
    unknown = bool(reason)
    verdict = Verdict("unknown" if unknown else "genre", None if unknown else "rock", "rock", 0.9, reason)
    bits = rng.integers(0, 2, 64).astype(np.uint8)
    return TrackAnalysis(
        duration_s=60.0,
        verdict=verdict,
        uncertain=False,
        probabilities={"rock": 0.9, "pop": 0.1},
        bits=bits,
        relaxed_code=bits.astype(np.float32),
        tag_genres=(),
        embedding=rng.normal(0, 1, DIMENSION).astype(np.float32),
    )


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """Twenty analysed tracks (one the base model calls not music), one without an embedding, one failure."""
    with Library(tmp_path / "library.sqlite3") as library:
        for i in range(20):
            library.store_analysis(f"/music/{i:02}.flac", FileStamp(i, i), KEY, analysis(i))
        library.store_analysis("/music/20.flac", FileStamp(20, 20), KEY, analysis(20, reason=NOT_MUSIC))
        old = dataclasses.replace(analysis(21), embedding=None)
        library.store_analysis("/music/21.flac", FileStamp(21, 21), KEY, old)
        library.store_error("/music/22.flac", FileStamp(22, 22), KEY, "not an audio file")
        yield library


def shown(library: Library, head: PersonalHead) -> dict[str, str]:
    """The verdict column as the table shows it, through the judged verdicts."""
    library.use_judged(head.identity)
    return {row.path: row.verdict(head.field) for row in library.track_rows(library.track_ids(TrackQuery()))}


def expected(library: Library, head: PersonalHead) -> dict[str, str]:
    """The same tracks read through the head one by one (a failure, or no embedding: the stored verdict)."""
    words = {}
    for record in library.tracks():
        if record.error is not None:
            words[record.path] = f"failed: {record.error}"
            continue
        read = record.analysis.through(head)
        words[record.path] = read.genre or (NOT_MUSIC if read.verdict.reason == NOT_MUSIC else "not one of my moods")
    return words


def test_verdicts_are_judged_once_and_the_table_shows_filters_and_sorts_by_them(library: Library) -> None:
    head = mood_head(0)
    assert library.judge(head) == 21  # every track with an embedding
    assert library.judge(head) == 0  # nothing left: the next query writes nothing
    table = shown(library, head)
    assert table == expected(library, head)
    assert set(table.values()) >= {"calm", "not one of my moods", NOT_MUSIC, "rock"}  # 21.flac: no embedding
    unknown = library.track_ids(TrackQuery(quick=QuickFilter.NOT_MY_GENRES))
    assert {row.path for row in library.track_rows(unknown)} == {
        path for path, words in table.items() if words in ("not one of my moods", NOT_MUSIC)
    }
    by_confidence = library.track_rows(library.track_ids(TrackQuery(sort=Column.CONFIDENCE)))
    confidences = [row.confidence for row in by_confidence if row.genre is not None]  # as shown: none without one
    assert confidences == sorted(confidences)
    assert all(row.genre is None for row in by_confidence[len(confidences) :])  # with the empty values
    library.use_judged(None)
    assert {row.verdict() for row in library.track_rows(library.track_ids(TrackQuery()))} <= {
        "rock",
        NOT_MUSIC,
        "failed: not an audio file",
    }


def test_a_mood_models_verdicts_are_not_compared_with_the_genre_tags(library: Library) -> None:
    """The index keeps the files' genre tags alone: with a mood model active, the Agreement column compared its moods
    with them, so every track tagged with a genre 'differed' from the model (in orange, and under the Differs
    filter), and one tagged with a genre spelt as a mood 'agreed'."""
    tagged = {"/music/30.flac": ("Rock",), "/music/31.flac": ("Happy",), "/music/32.flac": ()}
    for n, (path, genres) in enumerate(tagged.items()):
        library.store_analysis(
            path, FileStamp(30 + n, 30 + n), KEY, dataclasses.replace(analysis(30), tag_genres=genres)
        )
    head = mood_head(0)
    library.judge(head)
    assert {shown(library, head)[path] for path in tagged} == {"happy"}  # a mood for each: compared, two disagree

    library.use_judged(head.identity, head.field)
    rows = library.track_rows(library.track_ids(TrackQuery(sort=Column.AGREEMENT)))
    assert {row.path: str(row.agreement) for row in rows if row.agreement} == {"/music/22.flac": "failed"}
    assert len(rows) == 26 and rows[-1].path == "/music/22.flac"  # sorted by it still: the failure after the others
    assert not len(library.track_ids(TrackQuery(quick=QuickFilter.DIFFERS)))
    assert len(library.track_ids(TrackQuery(quick=QuickFilter.NO_GENRE_TAG))) == 23  # the genre tags, as shown

    genres = dataclasses.replace(head, field="genre")  # the same verdicts, values of a genre model: compared
    library.use_judged(genres.identity, genres.field)
    agreement = {row.path: str(row.agreement) for row in library.track_rows(library.track_ids(TrackQuery()))}
    assert [agreement[path] for path in tagged] == ["differs", "agrees", "tag missing"]


def test_tracks_analysed_again_or_added_are_judged_alone_and_another_head_replaces_the_verdicts(
    library: Library,
) -> None:
    head = mood_head(0)
    library.judge(head)
    record = library.record("/music/03.flac")
    library.store_analysis(record.path, FileStamp(99, 99), KEY, analysis(303))  # the file changed
    library.store_analysis("/music/new.flac", FileStamp(1, 1), KEY, analysis(404))
    library.delete_paths(["/music/04.flac"])
    assert library.judge(head) == 2
    assert shown(library, head) == expected(library, head)

    other = mood_head(1)
    assert other.identity != head.identity
    assert library.judge(other) == 21
    assert shown(library, other) == expected(library, other)
    library.use_judged(None)
    stored = {row.path: row.verdict() for row in library.track_rows(library.track_ids(TrackQuery()))}
    assert shown(library, head) == stored != expected(library, head)  # the first head's verdicts are gone


def test_an_index_from_the_previous_release_gains_the_table_backed_up_first(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    old = open_database(database, MIGRATIONS[:4])  # as the previous release left it
    old.close()
    with Library(database) as library:
        library.store_analysis("/music/a.flac", FileStamp(1, 1), KEY, analysis(1))
        head = mood_head(0)
        assert library.judge(head) == 1
        assert shown(library, head) == expected(library, head)
    assert (tmp_path / "old.sqlite3.v4.bak").is_file()
