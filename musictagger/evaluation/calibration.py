"""Calibration metrics: does a confidence of 0.8 mean the genre is right 8 times in 10?

A model whose verdicts can be trusted must not only rank genres well but state probabilities
that match how often it is right.  These functions measure that on a model's track-level
(calibrated) probabilities:

* :func:`reliability_bins` — confidences (the best genre's probability) in equal-width bins,
  with each bin's mean confidence and accuracy: the reliability diagram's data.
* :func:`expected_calibration_error` — the count-weighted mean gap between the two (Guo et al.,
  "On calibration of modern neural networks", ICML 2017).
* :func:`ece_if_calibrated` — the ECE a *perfectly* calibrated model with the same confidences
  would show on as many items, by consistency resampling (Bröcker and Smith, "Increasing the
  reliability of reliability diagrams", Weather and Forecasting 2007).  The binned ECE is biased
  upward on few items: each bin's accuracy is a share of a handful of tracks, so it misses the
  confidence by chance.  On Emotify's 80 test tracks a calibrated model would show about 0.08, so
  an observed ECE means something only beside this reference.
* :func:`negative_log_likelihood` and :func:`brier_score` — proper scoring rules over the whole
  distribution, which a well-calibrated and a sharp model both lower.

Numpy only, like :mod:`musictagger.evaluation.metrics`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from musictagger.errors import ParameterError

N_BINS = 10
"""Equal-width confidence bins of the reported ECE and reliability diagram."""


@dataclass(frozen=True, eq=False)
class ReliabilityBins:
    """Confidences grouped into equal-width bins over [0, 1].

    Bin ``i`` holds the confidences in ``(edges[i], edges[i + 1]]`` (the first bin also holds
    0).  ``confidence`` and ``accuracy`` are the mean confidence and the share correct of the
    items in each bin, NaN for an empty bin.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def expected_calibration_error(self) -> float:
        """``Σ_b (n_b / n) · |accuracy_b − confidence_b|`` over the non-empty bins."""
        filled = self.counts > 0
        gaps = np.abs(self.accuracy[filled] - self.confidence[filled])
        return float(np.sum(self.counts[filled] * gaps) / self.counts.sum())

    def to_dict(self) -> list[dict[str, float | int | None]]:
        """One JSON-ready row per bin (``None`` for the means of an empty bin)."""

        def value(x: float) -> float | None:
            return round(float(x), 4) if np.isfinite(x) else None

        return [
            {"low": value(low), "high": value(high), "count": int(n), "confidence": value(c), "accuracy": value(a)}
            for low, high, n, c, a in zip(
                self.edges[:-1], self.edges[1:], self.counts, self.confidence, self.accuracy, strict=True
            )
        ]


def _check_confidences(confidences: np.ndarray) -> np.ndarray:
    """Return non-empty 1-D confidences in [0, 1] as float64."""
    confidences = np.asarray(confidences, dtype=np.float64)
    if confidences.ndim != 1 or confidences.size == 0:
        raise ParameterError(f"expected non-empty 1-D confidences, got shape {confidences.shape}")
    if not np.all((confidences >= 0.0) & (confidences <= 1.0)):
        raise ParameterError("confidences must lie in [0, 1]")
    return confidences


def _check_pairs(confidences: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return checked confidences (:func:`_check_confidences`) and equally many booleans."""
    confidences, correct = _check_confidences(confidences), np.asarray(correct)
    if correct.shape != confidences.shape:
        raise ParameterError(
            f"expected confidences and correctness of equal length, got {confidences.shape} and {correct.shape}"
        )
    return confidences, correct.astype(bool)


def _bin_of(confidences: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_bins + 1`` equal-width edges over [0, 1] and each confidence's bin index."""
    if n_bins < 1:
        raise ParameterError(f"n_bins must be at least 1, got {n_bins}")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # right=True puts a confidence on an edge into the bin it closes: 0.3 into (0.2, 0.3].
    return edges, np.digitize(confidences, edges[1:-1], right=True)


def reliability_bins(confidences: np.ndarray, correct: np.ndarray, *, n_bins: int = N_BINS) -> ReliabilityBins:
    """Bin each item's confidence and whether its prediction was right (see :class:`ReliabilityBins`).

    Parameters
    ----------
    confidences
        The probability the model gave its prediction, shape ``(n,)``, in [0, 1].
    correct
        Whether each prediction was right, shape ``(n,)``.
    n_bins
        Number of equal-width bins over [0, 1].
    """
    confidences, correct = _check_pairs(confidences, correct)
    edges, index = _bin_of(confidences, n_bins)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore"):  # empty bins: 0 / 0 is NaN, as documented
        confidence = np.bincount(index, weights=confidences, minlength=n_bins) / counts
        accuracy = np.bincount(index, weights=correct, minlength=n_bins) / counts
    return ReliabilityBins(edges=edges, counts=counts, confidence=confidence, accuracy=accuracy)


def expected_calibration_error(confidences: np.ndarray, correct: np.ndarray, *, n_bins: int = N_BINS) -> float:
    """Expected calibration error over ``n_bins`` equal-width confidence bins (0: perfectly calibrated)."""
    return reliability_bins(confidences, correct, n_bins=n_bins).expected_calibration_error


@dataclass(frozen=True)
class CalibratedReference:
    """The ECE of a perfectly calibrated model with given confidences, over many draws of its outcomes.

    ``mean`` and ``high`` (the 95th percentile) are what such a model shows by chance on this many
    items; ``p_value`` is the share of its draws at or above the observed ECE (small: the observed
    gap is more than chance, the model is miscalibrated).
    """

    mean: float
    high: float
    p_value: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def ece_if_calibrated(
    confidences: np.ndarray,
    observed_ece: float,
    *,
    n_bins: int = N_BINS,
    n_resamples: int = 2000,
    seed: int = 0,
) -> CalibratedReference:
    """Draw each item's correctness as a coin that lands right with its confidence (what "calibrated"
    means), compute the ECE of each draw in the same bins, and compare ``observed_ece`` with them.

    A bin's term ``n_b · |accuracy_b − confidence_b|`` is ``|Σ_b (correct − confidence)|``, so each
    draw's ECE is a sum over bins of one bincount.
    """
    confidences = _check_confidences(confidences)
    if n_resamples < 1:
        raise ParameterError(f"n_resamples must be at least 1, got {n_resamples}")
    _, index = _bin_of(confidences, n_bins)
    draws = np.random.default_rng(seed).random((n_resamples, confidences.size)) < confidences
    offsets = (np.arange(n_resamples) * n_bins)[:, np.newaxis]
    surplus = np.bincount(
        (index + offsets).ravel(), weights=(draws - confidences).ravel(), minlength=n_resamples * n_bins
    )
    eces = np.abs(surplus.reshape(n_resamples, n_bins)).sum(axis=1) / confidences.size
    return CalibratedReference(
        mean=float(eces.mean()),
        high=float(np.percentile(eces, 95)),
        p_value=float(np.mean(eces >= observed_ece - 1e-12)),
    )


def _check_distribution(probabilities: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(n, n_classes)`` probabilities and ``(n,)`` integer class indices into them."""
    probabilities, labels = np.asarray(probabilities, dtype=np.float64), np.asarray(labels)
    if probabilities.ndim != 2 or labels.shape != probabilities.shape[:1] or labels.size == 0:
        raise ParameterError(
            f"expected probabilities (n, n_classes) and labels (n,), got {probabilities.shape} and {labels.shape}"
        )
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= probabilities.shape[1]:
        raise ParameterError(f"labels must be class indices in [0, {probabilities.shape[1]})")
    return probabilities, labels


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean ``−ln p(true class)`` (probabilities clipped at 1e-12 so a confident miss stays finite)."""
    probabilities, labels = _check_distribution(probabilities, labels)
    true_class = probabilities[np.arange(labels.size), labels]
    return float(-np.mean(np.log(np.clip(true_class, 1e-12, 1.0))))


def brier_score(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean squared distance ``Σ_c (p_c − 1[c = true])²`` between each distribution and the truth (0 to 2)."""
    probabilities, labels = _check_distribution(probabilities, labels)
    truth = np.eye(probabilities.shape[1])[labels]
    return float(np.mean(np.sum(np.square(probabilities - truth), axis=1)))
