"""Statistics a reviewer asks for: paired tests, seed spread, and intervals over tracks.

Intervals come from :func:`musictagger.evaluation.metrics.bootstrap_ci` (percentile bootstrap
over test tracks); this module adds what it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, chi2

from musictagger.evaluation.metrics import Interval, bootstrap_ci


@dataclass(frozen=True)
class McNemar:
    """McNemar's test of two classifiers on the same items.

    ``b``: items only the first gets right; ``c``: items only the second gets right.
    ``p_exact`` is the two-sided exact (binomial) p-value, the one to use with few discordant
    pairs, as here; ``statistic`` and ``p_chi2`` are the continuity-corrected χ² version.
    """

    b: int
    c: int
    statistic: float
    p_chi2: float
    p_exact: float


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray) -> McNemar:
    """McNemar's test from two boolean "was item i classified correctly" arrays."""
    correct_a, correct_b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    if correct_a.shape != correct_b.shape or correct_a.ndim != 1:
        raise ValueError(f"expected two equally long 1-D arrays, got {correct_a.shape} and {correct_b.shape}")
    b, c = int(np.sum(correct_a & ~correct_b)), int(np.sum(~correct_a & correct_b))
    return mcnemar_counts(b, c)


def mcnemar_counts(b: int, c: int) -> McNemar:
    """McNemar's test from the two discordant counts."""
    n = b + c
    if n == 0:
        return McNemar(b, c, 0.0, 1.0, 1.0)
    statistic = (abs(b - c) - 1) ** 2 / n
    return McNemar(b, c, statistic, float(chi2.sf(statistic, 1)), float(min(1.0, 2 * binom.cdf(min(b, c), n, 0.5))))


def mean_sd(values: np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value) over seeds."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def seed_mean_ci(per_item: np.ndarray, *, n_resamples: int = 2000) -> Interval:
    """Interval over items of a seed-averaged score.

    ``per_item`` is ``(n_seeds, n_items)`` (e.g. 0/1 correctness or AP per query); each item's
    score is averaged over seeds first, so the point is the mean over seeds of the metric and
    the interval reflects the sampling of the test tracks.
    """
    return bootstrap_ci(np.mean, np.asarray(per_item, dtype=np.float64).mean(axis=0), n_resamples=n_resamples)
