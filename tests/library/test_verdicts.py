"""The verdict in the library index: stored (genre NULL when unknown, the reason, the nearest genre),
migrated from the schema before verdicts, read back by tagging, shown by ``index --status`` and ``similar``.

Real generated audio, the first model (and a copy of it that calls everything unknown), real SQLite.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from musictagger import csv_file
from musictagger.cli.lines import with_path
from musictagger.cli.main import main
from musictagger.db import open_database, transaction
from musictagger.library import Library, index_folders
from musictagger.library.schema import MIGRATIONS
from musictagger.library.store import AnalysisKey
from musictagger.model import codes
from musictagger.model.runtime import GenreModel
from musictagger.model.verdict import NOT_MUSIC, Verdict
from musictagger.tagging.plan import Prediction
from musictagger.tagging.predict import Proposals, predict_labels
from musictagger.userdirs import library_db_path
from tests.model.variants import first_model

NOT_ONE_OF = "not one of: classical, electronic, pop, rock"


def store_as_schema_1(path: Path, *, error: str | None = None) -> GenreModel:
    """Write ``path``'s row into a library at schema 1, as the release before verdicts did (with the
    first model, the only one it had)."""
    model = GenreModel(first_model())
    info = os.stat(path)
    row = {
        "path": str(path),
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "model_id": AnalysisKey.of(model.manifest, None).model_id,
        "windows": model.manifest.windows_per_track,
        "analysed_at": time.time(),
        "error": error,
    }
    if error is None:
        analysis = model.analyze_file(path)
        row |= {
            "duration_s": analysis.duration_s,
            "genre": analysis.genre,
            "confidence": analysis.confidence,
            "uncertain": int(analysis.uncertain),
            "probabilities": json.dumps({s.label: s.probability for s in analysis.ranking}),
            "n_bits": 64,
            "code": np.asarray(codes.pack(analysis.bits), dtype="<u8").tobytes(),
            "relaxed_code": np.asarray(analysis.relaxed_code, dtype="<f4").tobytes(),
            "warnings": json.dumps(list(analysis.warnings)),
        }
    db = open_database(library_db_path(), MIGRATIONS[:1])
    with transaction(db):
        db.execute(f"INSERT INTO tracks ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    db.close()
    return model


def test_an_index_from_before_verdicts_is_migrated_and_answers_from_its_stored_row(
    music_folder: Path, use_model: Callable[[Path], Path]
) -> None:
    use_model(first_model())
    song, broken = music_folder / "album1" / "01.flac", music_folder / "album2" / "broken.mp3"
    model = store_as_schema_1(song)
    store_as_schema_1(broken, error="not an audio file, or damaged beyond use")
    expected = model.analyze_file(song)

    with Library() as library:
        record, failed = library.record(song), library.record(broken)
    with sqlite3.connect(library_db_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute(
            "SELECT verdict, reason, nearest_genre FROM tracks WHERE path = ?", (str(broken),)
        ).fetchone() == (None, None, None)
    assert library_db_path().with_name("library.sqlite3.v1.bak").is_file()  # backed up before migrating
    assert record.analysis.verdict == Verdict("genre", expected.genre, expected.genre, expected.confidence, "")
    assert record.verdict_label == expected.genre and record.analysis.summary() == expected.summary()
    assert failed.analysis is None and failed.error.startswith("not an audio file")

    # Tagging takes the migrated row's verdict; the next indexing run analyses the file once more, only
    # to add the embedding personal models read (an index from before embeddings lacks it).
    assert predict_labels([song]) == Proposals(
        "genre", {song: Prediction(expected.genre, expected.confidence, expected.uncertain, "")}
    )
    summary = index_folders([song], workers=1)
    assert (summary.analysed, summary.skipped) == (1, 0)
    with Library() as library:
        assert library.record(song).analysis.embedding is not None


def test_unknown_verdicts_are_stored_read_back_and_never_tagged_from_the_index(
    music_folder: Path,
    tmp_path: Path,
    use_model: Callable[[Path], Path],
    unknown_model: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_model(first_model())
    assert index_folders([music_folder], workers=1).analysed == 5
    use_model(unknown_model)
    assert index_folders([music_folder], workers=1).analysed == 5  # another verdict policy: analysed again

    with sqlite3.connect(library_db_path()) as db:
        rows = db.execute(
            "SELECT path, genre, verdict, reason, nearest_genre, probabilities FROM tracks WHERE error IS NULL"
        ).fetchall()
    assert len(rows) == 5
    for _path, genre, verdict, reason, nearest, probabilities in rows:
        assert (genre, verdict, reason) == (None, "unknown", NOT_ONE_OF)
        shares = json.loads(probabilities)
        assert nearest == max(shares, key=shares.get) and sum(shares.values()) == pytest.approx(1.0, abs=1e-5)

    # Mark one stored verdict "not music": only a prediction read from the index can say so.
    marked = music_folder / "05.wav"
    with Library() as library:
        record = library.record(marked)
        not_music = dataclasses.replace(record.analysis.verdict, reason=NOT_MUSIC)
        library.store_analysis(
            record.path, record.stamp, record.key, dataclasses.replace(record.analysis, verdict=not_music)
        )
        assert library.record(marked).verdict_label == "not music"

    songs = sorted(path for path in music_folder.rglob("*") if path.suffix in {".flac", ".wav", ".ogg"})
    before = {path: path.read_bytes() for path in songs}
    preview = tmp_path / "plan.csv"
    assert (
        main(["tag", str(music_folder), "--dry-run", "--min-confidence", "0", "--csv", str(preview)]) == 1
    )  # broken.mp3
    with open(preview, newline="", encoding=csv_file.ENCODING) as file:
        actions = {Path(row["file"]): row["action"] for row in csv.DictReader(file)}
    assert {path: actions[path] for path in songs} == {
        path: f"skip: unknown: {NOT_MUSIC if path == marked else NOT_ONE_OF}" for path in songs
    }
    assert main(["tag", str(music_folder), "--min-confidence", "0"]) == 1
    assert {path: path.read_bytes() for path in songs} == before
    capsys.readouterr()

    assert main(["index", "--status"]) == 0
    assert "  verdicts: unknown 4, not music 1" in capsys.readouterr().out.splitlines()

    with Library() as library:
        query = library.record(music_folder / "album1" / "01.flac")
    assert main(["similar", str(query.id), "-k", "4"]) == 0
    out = capsys.readouterr().out
    heading = with_path(f"nearest to track {query.id} ", query.path, f", {query.analysis.summary()}:")
    _columns, *table, legend = out.removeprefix(heading + "\n").splitlines()
    assert out.startswith(heading + "\n")
    assert query.analysis.summary().startswith("not one of my genres (nearest: ")
    assert len(table) == 4 and legend.strip().startswith("(ordered by distance")
    # rank, distance, bits, nearest part ("whole track": these 3-s tracks have one window), then the verdict
    assert all(line.split()[3:5] == ["whole", "track"] for line in table)
    assert all(line.split()[5] == ("not" if str(marked) in line else "unknown") for line in table)

    assert main(["similar", str(query.id), "-k", "4", "--json"]) == 0
    matches = json.loads(capsys.readouterr().out)["matches"]
    assert [(m["genre"], m["verdict"]) for m in matches] == [(None, "unknown")] * 4
    assert sorted(m["reason"] for m in matches) == sorted(
        "not music" if m["path"] == str(marked) else NOT_ONE_OF for m in matches
    )
