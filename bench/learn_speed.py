"""Time and peak memory of ``musictagger learn`` on 10,000 synthetic index rows (goal: ≤ 60 s on this
2-core machine, issue 12).

    nice -n 10 python bench/learn_speed.py [--tracks 10000] [--labels 20]

The rows are stored through :meth:`Library.store_analysis`, as indexing stores them, in a temporary
library (and user data dir): embeddings of the shipped model's size drawn around one centre per
label, a few hundred artists, genre tags in several spellings, a quarter of the tracks untagged.
The survey and :func:`~musictagger.personal.learn.learn` are then timed as the CLI runs them;
memory is the process's peak RSS, and the peak of Python allocations (tracemalloc, numpy included)
in a second, traced run (tracing slows Python code down, so that run is not timed).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from musictagger.library.store import AnalysisKey, FileStamp, Library, TrackAnalysis
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import default_model_path
from musictagger.model.verdict import Verdict

DIMENSION = 434
"""The shipped model's embedding: 320 layer statistics, 50 tags, 64 relaxed code values."""


def synthetic_library(path: Path, *, tracks: int, labels: int, seed: int = 0) -> None:
    """``tracks`` rows in a new index at ``path`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    key = AnalysisKey.of(load_manifest(default_model_path()), None)
    centres = rng.standard_normal((labels, DIMENSION)).astype(np.float32)
    names = [f"Genre-{i}" for i in range(labels)]
    with Library(path) as library:
        for i in range(tracks):
            label = int(rng.integers(labels))
            artist = int(rng.integers(tracks // 20))
            spelling = names[label] if rng.random() < 0.7 else names[label].replace("-", " ").lower()
            genres = () if rng.random() < 0.25 else (spelling,)
            embedding = 0.25 * centres[label] + rng.standard_normal(DIMENSION).astype(np.float32)
            analysis = TrackAnalysis(
                duration_s=200.0,
                verdict=Verdict("genre", "rock", "rock", 0.9),
                uncertain=False,
                probabilities={"rock": 0.9},
                bits=rng.integers(0, 2, 64).astype(np.uint8),
                relaxed_code=rng.random(64).astype(np.float32),
                title=f"track {i}",
                artist=f"artist {artist}",
                album=f"album {artist}",
                tag_genres=genres,
                embedding=embedding,
            )
            library.store_analysis(f"/music/{i:05d}.flac", FileStamp(1, i), key, analysis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--labels", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = os.environ["XDG_CONFIG_HOME"] = folder
        database = Path(folder) / "library.sqlite3"
        started = time.perf_counter()
        synthetic_library(database, tracks=args.tracks, labels=args.labels)
        print(f"(stored {args.tracks} synthetic rows in {time.perf_counter() - started:.1f} s)")
        from musictagger.personal.learn import learn
        from musictagger.personal.vocabulary import survey

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with Library(database) as library:
            started = time.perf_counter()
            found = survey(library)
            surveyed = time.perf_counter() - started
            started = time.perf_counter()
            learned = learn(library)
            total = time.perf_counter() - started
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            bytes_per_track = library.embedding_bytes()
            tracemalloc.start()  # a second run for memory: tracing slows Python code down several times
            learn(library)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    rows = [
        ("indexed tracks", f"{args.tracks}"),
        ("tagged tracks learnt from", f"{found.tagged_tracks}"),
        ("labels", f"{len(learned.labels)}"),
        ("embedding", f"{DIMENSION} values, {bytes_per_track:.0f} bytes per track"),
        ("survey (read tags, count labels)", f"{surveyed:.1f} s"),
        (f"learn: survey + {learned.report.folds}-fold CV + final fit + save", f"{total:.1f} s (goal ≤ 60 s)"),
        ("load of the machine (1-min average) at the end", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"),
        ("peak Python allocations (tracemalloc)", f"{peak / 2**20:.0f} MiB"),
        ("peak RSS of the process", f"{rss_after:.0f} MiB (before learning {rss_before:.0f} MiB)"),
        ("cross-validated accuracy (synthetic)", f"{learned.report.accuracy:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
