"""Migration 4 on a library index from before embeddings: the column appears, and the next indexing
run analyses the old rows again so that they can be learnt from."""

from __future__ import annotations

import os
from pathlib import Path

from musictagger.db import open_database
from musictagger.library import Library, index_folders
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import AnalysisKey
from musictagger.model.manifest import load_manifest
from tests.personal.library import StyleLibrary


def test_an_old_index_gains_embeddings_on_the_next_run(
    indexed_styles: StyleLibrary, first_model_as_default: Path, tmp_path: Path
) -> None:
    path = str(indexed_styles.held["ambient"])
    info = os.stat(path)
    key = AnalysisKey.of(load_manifest(first_model_as_default), None)
    database = tmp_path / "old.sqlite3"
    old = open_database(database, MIGRATIONS[:3])  # as the previous release left it
    old.execute(
        "INSERT INTO tracks (path, size, mtime_ns, model_id, windows, analysed_at, genre, verdict, nearest_genre,"
        " confidence, uncertain, probabilities, n_bits, code, relaxed_code, tag_genres, warnings)"
        " VALUES (?, ?, ?, ?, ?, 0, 'rock', 'genre', 'rock', 0.9, 0, '{\"rock\": 0.9}', 64, ?, ?, '[]', '[]')",
        (path, info.st_size, info.st_mtime_ns, key.model_id, key.windows, bytes(8), bytes(256)),
    )
    old.close()

    with Library(database) as library:
        assert library.missing_embeddings() == {path}
        assert library.record(path).analysis.embedding is None
    summary = index_folders([indexed_styles.held["ambient"]], library_path=database)
    assert summary.analysed == 1
    with Library(database) as library:
        assert library.missing_embeddings() == set()
        embedding = library.record(path).analysis.embedding
        assert embedding is not None and library.embedding_bytes() == 2 * embedding.shape[0]
    assert (tmp_path / "old.sqlite3.v3.bak").is_file()  # backed up before migrating
