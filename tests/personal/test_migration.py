"""Migration 4 on a library index from before embeddings: the column appears, and the next indexing
run analyses the old rows again so that they can be learnt from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.db import open_database, transaction
from musictagger.library import Library, index_folders
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import AnalysisKey
from musictagger.model.manifest import load_manifest
from musictagger.userdirs import library_db_path
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


def test_learn_on_an_index_of_release_0_5_0_says_to_index_it_first(capsys: pytest.CaptureFixture[str]) -> None:
    """Release 0.5.0's index (schema 2) kept no genre tags, so its tracks are neither tagged nor untagged until the
    next `index` reads them: learn said 'no indexed track has a genre: tag some tracks first' to a user whose files
    all had genres, advice that could not help."""
    old = open_database(library_db_path(), MIGRATIONS[:2])  # as release 0.5.0 left it
    with transaction(old):
        for n in range(3):
            old.execute(
                "INSERT INTO tracks (path, size, mtime_ns, model_id, windows, analysed_at, genre, verdict, nearest_genre)"
                " VALUES (?, 1, 1, 'hash-cnn-lstm-emotify-v2', 3, 0, 'rock', 'genre', 'rock')",
                (f"/music/{n}.flac",),
            )
    old.close()

    assert main(["learn"]) == 1
    out, err = capsys.readouterr()
    assert "3 tracks need `musictagger index` again before they can be used" in out
    assert " ".join(err.split()) == (
        "error: the index has not read the genre tags of 3 tracks an earlier release indexed:"
        " run `musictagger index` first (it reads them)"
    )
