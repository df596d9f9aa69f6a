"""Evaluate the *exported* model (onnxruntime, as users run it): genres, calibration, the
"unknown" detector, and codes.

Every track of the collection is decoded and analysed once per model
(:mod:`musictagger.evaluation.outcomes`), and every figure reads those outcomes, each with
the data it was measured on:

* **Classification** on the query split (default ``test``): track-level accuracy and
  macro-F1 with percentile-bootstrap 95 % intervals over tracks, and a confusion matrix.
* **Genre retrieval** (the paper's metric): the ``train`` split is the database, ranked by
  Hamming distance (ties by the relaxed codes' distance, then database order); MAP over the
  whole database and precision@10, bootstrapped over queries.
* **Calibration** on the query split: ECE over 10 bins, NLL and Brier score of the calibrated
  track probabilities (:mod:`musictagger.evaluation.calibration`).
* **The unknown detector** (:mod:`musictagger.evaluation.detector`) on the query split, the
  out-of-vocabulary dev set, and generated non-music of another seed than the thresholds
  were chosen on (:data:`~musictagger.evaluation.nonmusic.EVALUATION_SEED`).
* **Codes** (:mod:`musictagger.evaluation.identity`): distinct codes among all tracks, codes
  shared by non-music, and same-track retrieval: tracks the code was not trained on (every
  split but ``train``) as queries against all tracks, once as a room capture of the first
  window (found first?) and once as the window after it (found in the top 10?); both again for
  the query split's own tracks alone, so a choice made on valid need not read test tracks.

Results go to ``reports/`` as JSON, Markdown and PNGs named after the model, so the reports
of two models sit side by side (:mod:`musictagger.evaluation.compare`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musictagger import atomic_write
from musictagger.collection import SPLITS, Collection
from musictagger.errors import MusictaggerError, ParameterError
from musictagger.evaluation import detector, identity
from musictagger.evaluation.calibration import (
    brier_score,
    ece_if_calibrated,
    negative_log_likelihood,
    reliability_bins,
)
from musictagger.evaluation.devset import DevClip, spelt_for
from musictagger.evaluation.metrics import (
    Interval,
    accuracy,
    bootstrap_ci,
    confusion_matrix,
    hamming_retrieval,
    macro_f1,
)
from musictagger.evaluation.nonmusic import EVALUATION_RATE, EVALUATION_SEED, non_music
from musictagger.evaluation.outcomes import (
    LATER_WINDOW_START_S,
    Failure,
    Outcome,
    TrackOutcomes,
    analyse_each,
    analyse_track,
)
from musictagger.evaluation.plots import save_confusion_matrix, save_reliability_diagram
from musictagger.evaluation.report import render_markdown
from musictagger.model.runtime import GenreModel
from musictagger.tagging.plan import DEFAULT_MIN_CONFIDENCE

SELF_LEFT_OUT = "; each query's own track left out of its ranking (the split scored is the database)"
"""Said of the ranking when the queries are the database's own tracks (``--split train``)."""

TRAINED_SPLIT = "train"
"""The split the model learnt from: same-track queries come from every other split."""

# Same-track retrieval counts a query found when its own track is within this many results.
ROOM_CAPTURE_WITHIN = 1
LATER_WINDOW_WITHIN = 10


@dataclass(frozen=True)
class Protocol:
    """The evaluation's fixed choices beyond the splits, recorded in the report.

    ``non_music_seed`` must differ from the seed the detector's thresholds were chosen on
    (:data:`~musictagger.evaluation.nonmusic.CHOICE_SEED`); ``non_music_rate`` is the rate its sounds are rendered at
    (:data:`~musictagger.evaluation.nonmusic.EVALUATION_RATE`); ``room_seed`` seeds every track's room capture;
    ``tag_threshold`` is the threshold at which the figures count what ``tag`` would write.
    """

    room_seed: int = 0
    tag_threshold: float = DEFAULT_MIN_CONFIDENCE
    non_music_seed: int = EVALUATION_SEED
    non_music_per_kind: int = 2
    non_music_seconds: float = 30.0
    non_music_rate: int = EVALUATION_RATE

    def __post_init__(self) -> None:
        if not 0.0 <= self.tag_threshold <= 1.0:
            raise ParameterError(f"the tagging threshold is a probability, got {self.tag_threshold}")
        if self.non_music_per_kind < 0 or self.non_music_seconds <= 0:
            raise ParameterError(
                f"need at least 0 non-music sounds per kind, of a positive length; got {self.non_music_per_kind} "
                f"of {self.non_music_seconds} s"
            )


def _empty_split(collection: Collection, name: str) -> str:
    """Why there is nothing to evaluate when the ``name`` split holds no track, and what to do."""
    advice = (
        "a drawn split gives valid and test a fifth of each genre's tracks, rounded: give each genre at least 3"
        if collection.drawn
        else f"list some in {name}.txt"
    )
    return f"nothing to evaluate: the {name} split of {collection.root} holds no track ({collection.split_source}); {advice}"


def _one_track_ranked_among_none(collection: Collection, split: str) -> str:
    """Why there is nothing to evaluate when ``split`` is the retrieval database and one of its tracks is all there is
    (or all that could be analysed): its own track left out, a query has nothing to be ranked among."""
    return (
        f"nothing to evaluate: --split {split} ranks each of the split's tracks among its others, and one track of "
        f"the {split} split of {collection.root} is all there is to rank ({collection.split_source})"
    )


def _of_split(tracks: Sequence[TrackOutcomes], collection: Collection, split: str) -> list[TrackOutcomes]:
    members = {t.relative for t in collection.tracks(split)}
    return [t for t in tracks if t.track.relative in members]


def _stack(outcomes: Sequence[Outcome], field: str) -> np.ndarray:
    return np.stack([getattr(o, field) for o in outcomes])


def _classification(
    queries: Sequence[Outcome],
    truth: np.ndarray,
    database: Sequence[Outcome],
    database_truth: np.ndarray,
    *,
    k: int,
    n_resamples: int,
    own: np.ndarray | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1 (over the genres present) and the genre retrieval figures; ``own``, for queries that are
    the database's tracks, gives each one's index there, left out of its ranking."""
    n_classes = len(queries[0].probabilities)
    predicted = _stack(queries, "probabilities").argmax(axis=1)
    present = sorted(set(truth.tolist()))
    ranked = len(database) - (own is not None)
    k = min(k, ranked)  # precision@k of a smaller database is precision over all of it

    def f1(t: np.ndarray, p: np.ndarray) -> float:
        return macro_f1(t, p, n_classes, classes=present)

    retrieval = hamming_retrieval(
        _stack(queries, "bits"),
        truth,
        _stack(database, "bits"),
        database_truth,
        query_relaxed=_stack(queries, "relaxed"),
        database_relaxed=_stack(database, "relaxed"),
        k=k,
        own=own,
    )
    return {
        "accuracy": bootstrap_ci(accuracy, truth, predicted, n_resamples=n_resamples),
        "macro_f1": bootstrap_ci(f1, truth, predicted, n_resamples=n_resamples),
        "map": retrieval.map_ci(n_resamples=n_resamples),
        "k": k,
        f"precision_at_{k}": bootstrap_ci(np.mean, retrieval.precision_at_k_per_query, n_resamples=n_resamples),
        "confusion_matrix": confusion_matrix(truth, predicted, n_classes).tolist(),
    }


def _calibration(queries: Sequence[Outcome], truth: np.ndarray, *, n_resamples: int) -> dict[str, Any]:
    """ECE (with an interval over tracks, and what a calibrated model would show on as many), NLL,
    Brier score and the reliability bins."""
    probabilities = _stack(queries, "probabilities")
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth

    def ece(c: np.ndarray, right: np.ndarray) -> float:
        return reliability_bins(c, right).expected_calibration_error

    bins = reliability_bins(confidence, correct)
    return {
        "tracks": len(queries),
        "ece": bootstrap_ci(ece, confidence, correct, n_resamples=n_resamples),
        "ece_if_calibrated": ece_if_calibrated(
            confidence, bins.expected_calibration_error, n_resamples=n_resamples
        ).to_dict(),
        "nll": negative_log_likelihood(probabilities, truth),
        "brier": brier_score(probabilities, truth),
        "mean_confidence": float(confidence.mean()),
        "bins": bins.to_dict(),
    }


def _same_track(
    tracks: Sequence[TrackOutcomes], *, match_bits: int, n_resamples: int, asking: set[str] | None = None
) -> dict[str, Any]:
    """Room-capture and later-window queries of the tracks that have them (of those in ``asking``, by
    relative path, if given), against all tracks, by the codes' last ``match_bits`` bits as the library's
    search compares them."""
    asked = [asking is None or t.track.relative in asking for t in tracks]
    rooms = [(i, t.room_capture) for i, t in enumerate(tracks) if t.room_capture is not None and asked[i]]
    later = [(i, t.later_window) for i, t in enumerate(tracks) if t.later_window is not None and asked[i]]

    def figure(pairs: list[tuple[int, Outcome]], database: list[Outcome], within: int) -> dict[str, Any] | None:
        if not pairs:
            return None
        own, queries = zip(*pairs, strict=True)
        return identity.same_track(
            queries, database, own, within=within, n_resamples=n_resamples, match_bits=match_bits
        )

    return {
        "database_tracks": len(tracks),
        "room_capture": figure(rooms, [t.library for t in tracks], ROOM_CAPTURE_WITHIN),
        "later_window": figure(later, [t.first_window for t in tracks], LATER_WINDOW_WITHIN),
        "later_window_skipped": len(rooms) - len(later),
        "later_window_start_s": LATER_WINDOW_START_S,
    }


@dataclass(frozen=True, eq=False)
class ModelOutcomes:
    """Everything one model said: the collection's tracks, the dev set's clips, the non-music sounds."""

    tracks: list[TrackOutcomes]
    dev_set: list[tuple[DevClip, Outcome]]
    non_music: list[tuple[str, Outcome]]
    failures: list[Failure]


def analyse_all(
    model: GenreModel,
    collection: Collection,
    *,
    dev_clips: Sequence[DevClip],
    n_windows: int | None,
    protocol: Protocol,
) -> ModelOutcomes:
    """Analyse every input of the evaluation once with ``model``; tracks outside the train split are queries."""
    unseen = {t.relative for name in SPLITS if name != TRAINED_SPLIT for t in collection.tracks(name)}
    tracks, failures = analyse_each(
        collection.all_tracks(),
        lambda t: analyse_track(
            model, t, query=t.relative in unseen, n_windows=n_windows, room_seed=protocol.room_seed
        ),
        name=lambda t: t.relative,
        desc=f"{model.path.stem}: tracks",
    )
    dev, dev_failures = analyse_each(
        dev_clips,
        lambda c: Outcome.of(model.analyze_file(c.path, n_windows=n_windows)),
        name=lambda c: str(c.path),
        desc=f"{model.path.stem}: dev set",
    )
    sr = protocol.non_music_rate
    sounds, sound_failures = analyse_each(
        non_music(
            protocol.non_music_seed, sr=sr, seconds=protocol.non_music_seconds, per_kind=protocol.non_music_per_kind
        ),
        lambda s: Outcome.of(model.analyze_signal(s[1], sr=sr, n_windows=n_windows, source=s[0])),
        name=lambda s: s[0],
        desc=f"{model.path.stem}: non-music",
    )
    return ModelOutcomes(
        tracks=[outcomes for _, outcomes in tracks],
        dev_set=dev,
        non_music=[(name, outcome) for (name, _), outcome in sounds],
        failures=failures + dev_failures + sound_failures,
    )


def evaluate(
    model: GenreModel,
    collection: Collection,
    *,
    split: str = "test",
    database_split: str = "train",
    dev_clips: Sequence[DevClip] = (),
    dev_set_name: str = "",
    n_windows: int | None = None,
    n_resamples: int = 2000,
    k: int = 10,
    protocol: Protocol = Protocol(),
) -> dict[str, Any]:
    """All figures of ``model`` on ``collection`` (and ``dev_clips``, if given), JSON-ready."""
    to_model = collection.model_label_indices(model.labels)
    for name in (split, database_split):  # found before every track is analysed, not said as if none could be
        if not collection.tracks(name):
            raise MusictaggerError(_empty_split(collection, name))
    if split == database_split and len(collection.tracks(split)) < 2:
        raise MusictaggerError(_one_track_ranked_among_none(collection, split))
    dev_clips = spelt_for(dev_clips, model.labels)
    outcomes = analyse_all(model, collection, dev_clips=dev_clips, n_windows=n_windows, protocol=protocol)
    queries = _of_split(outcomes.tracks, collection, split)
    database = _of_split(outcomes.tracks, collection, database_split)
    if not queries or not database:
        raise MusictaggerError(
            f"nothing to evaluate: no track of the {split} or {database_split} split could be analysed"
        )
    if split == database_split and len(database) < 2:  # the others failed: its own track left out, none to rank
        raise MusictaggerError(_one_track_ranked_among_none(collection, split))
    truth = np.array([to_model[t.track.label] for t in queries])
    answers = [t.library for t in queries]
    policy = model.policy
    result = {
        "model": model.manifest.model_id,
        "model_name": model.path.stem,
        "model_file": str(model.path),
        "split": split,
        "split_source": collection.split_source,
        "database_split": database_split,
        "tracks": len(queries),
        "database_tracks": len(database),
        "windows_per_track": n_windows or model.manifest.windows_per_track,
        "bits": model.manifest.bits,
        "labels": list(model.labels),
        "ranking": "Hamming distance; ties by Euclidean distance of relaxed codes, then database order"
        + (SELF_LEFT_OUT if split == database_split else ""),
        **_classification(
            answers,
            truth,
            [t.library for t in database],
            np.array([to_model[t.track.label] for t in database]),
            k=k,
            n_resamples=n_resamples,
            # the split scored is the database (--split train): each query's own track, which it would find first
            own=np.arange(len(queries)) if split == database_split else None,
        ),
        "calibration": {"temperature": policy.temperature, **_calibration(answers, truth, n_resamples=n_resamples)},
        "unknown_detector": {
            "detects_unknown": policy.detects_unknown,
            "chosen_on": policy.chosen_on,
            "tag_threshold": protocol.tag_threshold,
            "in_vocabulary": detector.in_vocabulary(
                answers, [model.labels[i] for i in truth], tag_threshold=protocol.tag_threshold, n_resamples=n_resamples
            ),
            "dev_set": (
                {"name": dev_set_name, **detector.dev_set(outcomes.dev_set, tag_threshold=protocol.tag_threshold)}
                if outcomes.dev_set
                else None
            ),
            "non_music": detector.non_music_figures(
                outcomes.non_music, seed=protocol.non_music_seed, sample_rate=protocol.non_music_rate
            ),
        },
        "codes": identity.distinct_codes([t.library for t in outcomes.tracks], outcomes.non_music),
        "same_track": {
            "room_seed": protocol.room_seed,
            "compared_bits": model.manifest.match_bits,
            **_same_track(outcomes.tracks, match_bits=model.manifest.match_bits, n_resamples=n_resamples),
            # the split's own queries alone: a choice made on valid must not read test tracks' figures
            "of_split": _same_track(
                outcomes.tracks,
                match_bits=model.manifest.match_bits,
                n_resamples=n_resamples,
                asking={t.track.relative for t in queries},
            ),
        },
        "failures": [{"file": f.name, "reason": f.reason} for f in outcomes.failures],
        "predictions": [
            {
                "file": t.track.relative,
                "true": model.labels[true],
                "predicted": t.library.verdict.nearest,
                "verdict": t.library.verdict.label,
                "confidence": t.library.verdict.confidence,
            }
            for t, true in zip(queries, truth, strict=True)
        ],
    }
    return jsonable(result)


def jsonable(value: Any) -> Any:
    """``value`` with intervals as ``{"value", "ci95"}``, floats rounded to 4 places and NaN as ``None``."""
    if isinstance(value, Interval):
        return {"value": jsonable(value.point), "ci95": [jsonable(value.low), jsonable(value.high)]}
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def report_paths(result: dict[str, Any], reports_dir: Path) -> dict[str, Path]:
    """Where :func:`write_reports` puts a result: names carry the model's and the split's."""
    stem = f"{result['model_name']}-{result['split']}"
    return {
        "json": reports_dir / f"evaluation-{stem}.json",
        "markdown": reports_dir / f"evaluation-{stem}.md",
        "confusion": reports_dir / f"confusion-{stem}.png",
        "reliability": reports_dir / f"reliability-{stem}.png",
    }


def write_reports(result: dict[str, Any], reports_dir: Path) -> list[Path]:
    """Write the result as JSON and Markdown, its confusion matrix and reliability diagram, each whole
    (:mod:`~musictagger.atomic_write`); return the paths."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    paths = report_paths(result, reports_dir)
    atomic_write.write_text(paths["json"], json.dumps(result, indent=2) + "\n")
    atomic_write.write_text(paths["markdown"], render_markdown(result))
    title = f"{result['model_name']} — {result['split']} split"
    save_confusion_matrix(np.array(result["confusion_matrix"]), result["labels"], paths["confusion"], title=title)
    save_reliability_diagram(result["calibration"]["bins"], paths["reliability"], title=title)
    return list(paths.values())
