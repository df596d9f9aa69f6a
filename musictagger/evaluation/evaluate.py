"""Evaluate the *exported* model (onnxruntime, as users run it) on one split of a collection.

Classification is scored on the query split (default ``test``): track-level accuracy and
macro-F1, each with a percentile-bootstrap 95 % interval over tracks, and a confusion
matrix.  Retrieval ranks the whole database (the ``train`` split) by Hamming distance to
each query's code, ties broken by the distance between relaxed codes and then by database
order; MAP (over the whole database) and precision@10 come with intervals bootstrapped
over queries.  Results go to ``reports/`` as JSON, Markdown and a PNG.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from musictagger.collection import Collection, Track
from musictagger.errors import MusictaggerError
from musictagger.evaluation.metrics import (
    Interval,
    accuracy,
    bootstrap_ci,
    confusion_matrix,
    hamming_retrieval,
    macro_f1,
)
from musictagger.evaluation.plots import save_confusion_matrix
from musictagger.model.runtime import GenreModel


@dataclass(frozen=True)
class SplitOutputs:
    """Per-track model outputs for the tracks of a split that could be analysed."""

    tracks: list[Track]
    probabilities: np.ndarray
    bits: np.ndarray
    relaxed: np.ndarray
    failures: list[tuple[Track, str]]

    @property
    def labels(self) -> np.ndarray:
        return np.array([t.label for t in self.tracks])


def analyse_split(model: GenreModel, tracks: tuple[Track, ...], *, n_windows: int | None, desc: str) -> SplitOutputs:
    """Run the model over tracks; files that fail are collected, not fatal."""
    kept, probabilities, bits, relaxed, failures = [], [], [], [], []
    for track in tqdm(tracks, desc=desc):
        try:
            analysis = model.analyze_file(track.path, n_windows=n_windows)
        except MusictaggerError as exc:
            failures.append((track, str(exc)))
            continue
        kept.append(track)
        probabilities.append(analysis.probabilities)
        bits.append(analysis.bits)
        relaxed.append(analysis.relaxed_code)
    return SplitOutputs(kept, np.array(probabilities), np.array(bits), np.array(relaxed), failures)


def _interval(value: Interval) -> dict[str, float]:
    return {"value": round(value.point, 4), "ci95": [round(value.low, 4), round(value.high, 4)]}


def evaluate(
    model: GenreModel,
    collection: Collection,
    *,
    split: str = "test",
    database_split: str = "train",
    n_windows: int | None = None,
    n_resamples: int = 2000,
    k: int = 10,
) -> dict[str, Any]:
    """All metrics of ``model`` on ``split`` (queries) against ``database_split``."""
    if tuple(collection.labels) != model.labels:
        raise MusictaggerError(f"the collection's genres {collection.labels} are not the model's {model.labels}")
    queries = analyse_split(model, collection.tracks(split), n_windows=n_windows, desc=f"{split} tracks")
    database = analyse_split(
        model, collection.tracks(database_split), n_windows=n_windows, desc=f"{database_split} tracks"
    )
    if not queries.tracks or not database.tracks:
        raise MusictaggerError(
            f"nothing to evaluate: no track of the {split} or {database_split} split could be analysed"
        )
    n_classes = len(model.labels)
    y_true, y_pred = queries.labels, queries.probabilities.argmax(axis=1)
    k = min(k, len(database.tracks))  # precision@k of a smaller database is precision over all of it

    def f1(t: np.ndarray, p: np.ndarray) -> float:
        return macro_f1(t, p, n_classes)

    retrieval = hamming_retrieval(
        queries.bits,
        queries.labels,
        database.bits,
        database.labels,
        query_relaxed=queries.relaxed,
        database_relaxed=database.relaxed,
        k=k,
    )
    return {
        "split": split,
        "database_split": database_split,
        "model": model.manifest.model_id,
        "tracks": len(queries.tracks),
        "database_tracks": len(database.tracks),
        "windows_per_track": n_windows or model.manifest.windows_per_track,
        "accuracy": _interval(bootstrap_ci(accuracy, y_true, y_pred, n_resamples=n_resamples)),
        "macro_f1": _interval(bootstrap_ci(f1, y_true, y_pred, n_resamples=n_resamples)),
        "map": _interval(retrieval.map_ci(n_resamples=n_resamples)),
        f"precision_at_{k}": _interval(
            bootstrap_ci(np.mean, retrieval.precision_at_k_per_query, n_resamples=n_resamples)
        ),
        "bits": model.manifest.bits,
        "labels": list(model.labels),
        "confusion_matrix": confusion_matrix(y_true, y_pred, n_classes).tolist(),
        "ranking": "Hamming distance; ties by Euclidean distance of relaxed codes, then database order",
        "failures": [{"file": t.relative, "reason": r} for t, r in queries.failures + database.failures],
        "predictions": [
            {"file": t.relative, "true": model.labels[t.label], "predicted": model.labels[p]}
            for t, p in zip(queries.tracks, y_pred, strict=True)
        ],
    }


def render_markdown(result: dict[str, Any]) -> str:
    """A short human-readable report of :func:`evaluate`'s result."""
    labels = result["labels"]

    def fmt(metric: dict[str, Any]) -> str:
        low, high = metric["ci95"]
        return f"{metric['value']:.3f} [{low:.3f}, {high:.3f}]"

    k_key = next(key for key in result if key.startswith("precision_at_"))
    lines = [
        f"# Evaluation of {result['model']} on the {result['split']} split",
        "",
        f"{result['tracks']} query tracks, {result['windows_per_track']} windows each; retrieval database: "
        f"{result['database_tracks']} tracks of the {result['database_split']} split; {result['bits']}-bit codes.",
        "",
        "| metric | value [95% bootstrap CI] |",
        "|---|---|",
        f"| accuracy | {fmt(result['accuracy'])} |",
        f"| macro-F1 | {fmt(result['macro_f1'])} |",
        f"| MAP (Hamming ranking, whole database) | {fmt(result['map'])} |",
        f"| precision@{k_key.rsplit('_', 1)[1]} | {fmt(result[k_key])} |",
        "",
        f"Ranking: {result['ranking']}.",
        "",
        "Confusion matrix (rows: true, columns: predicted):",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    lines += [
        f"| {label} | " + " | ".join(map(str, row)) + " |"
        for label, row in zip(labels, result["confusion_matrix"], strict=True)
    ]
    if result["failures"]:
        lines += ["", "Files that could not be analysed:", ""] + [
            f"- {f['file']}: {f['reason']}" for f in result["failures"]
        ]
    return "\n".join(lines) + "\n"


def write_reports(result: dict[str, Any], reports_dir: Path) -> list[Path]:
    """Write ``evaluation-<split>.json``, ``.md`` and ``confusion-<split>.png``; return their paths."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    stem = result["split"]
    json_path = reports_dir / f"evaluation-{stem}.json"
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path = reports_dir / f"evaluation-{stem}.md"
    md_path.write_text(render_markdown(result), encoding="utf-8")
    png_path = save_confusion_matrix(
        np.array(result["confusion_matrix"]),
        result["labels"],
        reports_dir / f"confusion-{stem}.png",
        title=f"{result['model']} — {stem} split",
    )
    return [json_path, md_path, png_path]


HEADLINE_KEYS = ("tracks", "database_tracks", "accuracy", "macro_f1", "map")


def headline(result: dict[str, Any]) -> dict[str, Any]:
    """The figures recorded in the model's sidecar for a split."""
    return {
        "split": result["split"],
        **{key: value for key, value in result.items() if key in HEADLINE_KEYS or key.startswith("precision_at_")},
    }
