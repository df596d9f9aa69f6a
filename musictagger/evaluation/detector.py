"""Figures of the "unknown" detector: does the model keep its genres for its own music and
refuse music it does not know and sounds that are not music?

Three kinds of data, each scored by the verdicts the app shows (:class:`Outcome.verdict`, made
by :func:`musictagger.model.verdict.decide` inside the runtime):

* :func:`in_vocabulary` — tracks of the model's own genres (a split of the collection): the
  share that keeps a genre, the accuracy among those, and the accuracy counting "unknown" as
  wrong, each with a bootstrap interval over tracks;
* :func:`dev_set` — the out-of-vocabulary dev set (:mod:`musictagger.evaluation.devset`):
  counts per genre, because five clips per genre make rates coarse;
* on both, what ``tag`` would write at a threshold (its default,
  :data:`~musictagger.tagging.plan.DEFAULT_MIN_CONFIDENCE`): a genre verdict at least that
  probable.  A refusal is one guard against writing a wrong genre, the threshold the other; what
  reaches a user's files is what passes both;
* :func:`non_music_figures` — generated non-music (:mod:`musictagger.evaluation.nonmusic`):
  how much is refused, and how much is called "not music".

A model without a verdict policy never says unknown, and these figures show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from musictagger.evaluation.devset import DevClip
from musictagger.evaluation.metrics import bootstrap_ci, tally
from musictagger.evaluation.outcomes import Outcome
from musictagger.model.verdict import NOT_MUSIC


def _kept(outcomes: Sequence[Outcome]) -> np.ndarray:
    return np.array([not o.verdict.unknown for o in outcomes], dtype=bool)


def _said_not_music(outcomes: Sequence[Outcome]) -> np.ndarray:
    return np.array([o.verdict.reason == NOT_MUSIC for o in outcomes], dtype=bool)


def _written(outcomes: Sequence[Outcome], threshold: float) -> np.ndarray:
    """The items ``tag`` would write a genre into at ``threshold``: a genre verdict at least that probable."""
    return np.array([not o.verdict.unknown and o.verdict.confidence >= threshold for o in outcomes], dtype=bool)


def _accuracy_among(chosen: np.ndarray, right: np.ndarray) -> float:
    """Share right among the chosen items; NaN when none is chosen (undefined, left out of a bootstrap)."""
    return float(right[chosen].mean()) if chosen.any() else float("nan")


def in_vocabulary(
    outcomes: Sequence[Outcome], expected: Sequence[str], *, tag_threshold: float, n_resamples: int
) -> dict[str, Any]:
    """The detector on music of the model's own genres; ``expected[i]`` is track ``i``'s genre.

    ``accuracy_overall`` counts an unknown verdict as wrong: it is what a user sees.  ``written``
    and ``accuracy_written``: the tracks ``tag`` would write a genre into at ``tag_threshold``, and
    how many of those genres would be right.
    """
    kept, written = _kept(outcomes), _written(outcomes, tag_threshold)
    right = np.array([o.verdict.genre == genre for o, genre in zip(outcomes, expected, strict=True)], dtype=bool)
    return {
        "tracks": len(outcomes),
        "kept": tally(kept),
        "kept_share": bootstrap_ci(np.mean, kept, n_resamples=n_resamples),
        "accuracy_kept": bootstrap_ci(_accuracy_among, kept, right, n_resamples=n_resamples),
        "accuracy_overall": bootstrap_ci(np.mean, right, n_resamples=n_resamples),
        "written": tally(written),
        "accuracy_written": bootstrap_ci(_accuracy_among, written, right, n_resamples=n_resamples),
    }


def dev_set(results: Sequence[tuple[DevClip, Outcome]], *, tag_threshold: float) -> dict[str, Any]:
    """Counts on the dev set: out-of-vocabulary clips refused, in-vocabulary clips kept and
    given the expected genre, and the clips of each kind ``tag`` would write a genre into at
    ``tag_threshold``, overall and per GTZAN genre; each clip's verdict and confidence."""
    clips = [clip for clip, _ in results]
    outcomes = [outcome for _, outcome in results]
    kept, not_music, written = _kept(outcomes), _said_not_music(outcomes), _written(outcomes, tag_threshold)
    right = np.array([o.verdict.genre == c.expected for c, o in results], dtype=bool)
    foreign = np.array([c.expected is None for c in clips], dtype=bool)
    per_genre = []
    for genre in sorted({c.genre for c in clips}):
        mine = np.array([c.genre == genre for c in clips], dtype=bool)
        per_genre.append(
            {
                "genre": genre,
                "expected": next(c.expected for c in clips if c.genre == genre),
                "clips": int(mine.sum()),
                "refused": int((mine & ~kept).sum()),
                "not_music": int((mine & not_music).sum()),
                "expected_genre": int((mine & right & ~foreign).sum()),
                "written": int((mine & written).sum()),
            }
        )
    return {
        "clips": len(clips),
        "out_of_vocabulary_refused": tally(~kept[foreign]),
        "in_vocabulary_kept": tally(kept[~foreign]),
        "in_vocabulary_expected_genre": tally(right[~foreign]),
        "out_of_vocabulary_written": tally(written[foreign]),
        "in_vocabulary_written": tally(written[~foreign]),
        "in_vocabulary_written_right": tally((written & right)[~foreign]),
        "per_genre": per_genre,
        "verdicts": [
            {
                "file": f"{c.genre}/{c.path.name}",
                "expected": c.expected,
                "verdict": o.verdict.label,
                "confidence": o.verdict.confidence,
            }
            for c, o in results
        ],
    }


def non_music_figures(results: Sequence[tuple[str, Outcome]], *, seed: int, sample_rate: int) -> dict[str, Any]:
    """Generated non-music (from ``seed``, rendered at ``sample_rate``): how many sounds got no genre, and how many
    "not music"."""
    outcomes = [outcome for _, outcome in results]
    return {
        "seed": seed,
        "sample_rate": sample_rate,
        "sounds": len(outcomes),
        "refused": tally(~_kept(outcomes)),
        "not_music": tally(_said_not_music(outcomes)),
        "verdicts": [{"sound": name, "verdict": o.verdict.label} for name, o in results],
    }
