"""Analyse the Emotify and GTZAN-dev clips once with the shipped model and cache what a personal head
can learn from: each track's layer statistics, tag probabilities and relaxed code (``.npz``).

Used by ``bench/learn_quality.py``; run alone to fill the cache (a few CPU minutes; ``--part I/N``
in N processes shares the work)::

    nice -n 10 python bench/learn_embeddings.py [--cache /tmp/musictagger-learn-cache] [--part 0/2]

The audio is only read, never copied.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from musictagger.model.embedding import layer_statistics
from musictagger.model.runtime import GenreModel, default_model_path

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DEFAULT_CACHE = Path("/tmp/musictagger-learn-cache")


def dataset_rows(name: str) -> list[dict[str, str]]:
    """The rows of the data set's metadata (Emotify) or manifest (GTZAN-dev)."""
    table = "metadata.csv" if name == "emotify" else "manifest.csv"
    with open(DATASETS / name / table, newline="") as file:
        return list(csv.DictReader(file))


def cached_parts(
    name: str, cache: Path, model: GenreModel | None = None, *, part: tuple[int, int] = (0, 1)
) -> dict[str, np.ndarray]:
    """``layers`` (n, 320), ``tags`` (n, 50), ``code`` (n, 64) and ``paths`` (n,) for data set ``name``,
    computing what the cache lacks; one file per track, so several processes (``part`` = (i, n): every
    n-th track from the i-th) can share the work and an interrupted run resumes."""
    folder = cache / f"{name}-{model_id()}"
    folder.mkdir(parents=True, exist_ok=True)
    rows = dataset_rows(name)
    index, parts = part
    for done, row in enumerate(rows[index::parts], start=1):
        target = folder / (row["file"].replace("/", "_") + ".npz")
        if not target.is_file():
            model = model or GenreModel(default_model_path())
            analysis = model.analyze_file(DATASETS / name / row["file"])
            tmp = target.with_suffix(".tmp")
            with open(tmp, "wb") as file:
                np.savez(
                    file,
                    layers=layer_statistics(analysis.layers),
                    tags=np.asarray(analysis.tags, dtype=np.float32),
                    code=analysis.relaxed_code.astype(np.float32),
                )
            tmp.rename(target)
        print(f"\r{name}: {done}/{len(rows[index::parts])}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if parts > 1:
        return {}
    loaded = [np.load(folder / (row["file"].replace("/", "_") + ".npz")) for row in rows]
    arrays = {key: np.stack([track[key] for track in loaded]) for key in ("layers", "tags", "code")}
    arrays["paths"] = np.array([row["file"] for row in rows])
    return arrays


def model_id() -> str:
    """The shipped model's id, so a cache of another model's outputs is never reused."""
    from musictagger.model.manifest import load_manifest

    return load_manifest(default_model_path()).model_id.replace("/", "_")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--part", default="0/1", metavar="I/N", help="do every N-th track from the I-th")
    args = parser.parse_args()
    index, parts = (int(v) for v in args.part.split("/"))
    for name in ("emotify", "gtzan-dev"):
        arrays = cached_parts(name, args.cache, part=(index, parts))
        print(name, {key: value.shape for key, value in arrays.items()})


if __name__ == "__main__":
    main()
