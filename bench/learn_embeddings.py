"""Analyse the Emotify and GTZAN-dev clips once with the shipped model and cache what a personal head
can learn from: each track's layer statistics, tag probabilities and relaxed code (``.npz``).

Used by ``bench/learn_quality.py``; run alone to fill the cache (a few CPU minutes)::

    nice -n 10 python bench/learn_embeddings.py [--cache /tmp/musictagger-learn-cache]

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


def cached_parts(name: str, cache: Path, model: GenreModel | None = None) -> dict[str, np.ndarray]:
    """``layers`` (n, 320), ``tags`` (n, 50), ``code`` (n, 64) and ``file`` (n,) for data set ``name``,
    computed now for what the cache lacks."""
    target = cache / f"{name}-{model_id()}.npz"
    if target.is_file():
        return dict(np.load(target))
    model = model or GenreModel(default_model_path())
    rows = dataset_rows(name)
    parts: dict[str, list[np.ndarray]] = {"layers": [], "tags": [], "code": []}
    for done, row in enumerate(rows, start=1):
        analysis = model.analyze_file(DATASETS / name / row["file"])
        parts["layers"].append(layer_statistics(analysis.layers))
        parts["tags"].append(np.asarray(analysis.tags, dtype=np.float32))
        parts["code"].append(analysis.relaxed_code.astype(np.float32))
        print(f"\r{name}: {done}/{len(rows)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    arrays = {key: np.stack(values) for key, values in parts.items()}
    arrays["file"] = np.array([row["file"] for row in rows])
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(target, **arrays)
    return arrays


def model_id() -> str:
    """The shipped model's id, so a cache of another model's outputs is never reused."""
    from musictagger.model.manifest import load_manifest

    return load_manifest(default_model_path()).model_id.replace("/", "_")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    model = GenreModel(default_model_path())
    for name in ("emotify", "gtzan-dev"):
        parts = cached_parts(name, args.cache, model)
        print(name, {key: value.shape for key, value in parts.items()})


if __name__ == "__main__":
    main()
