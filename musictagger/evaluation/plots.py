"""Figures for ``musictagger evaluate``: the confusion matrix and the reliability diagram.

Matplotlib is an optional (``train``) dependency, so it is imported inside the functions: this
module imports without it.  Figures are drawn on an Agg canvas of their own rather than through
``pyplot``, which leaves the process-wide backend (e.g. the GUI's) untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from musictagger.atomic_write import replacing
from musictagger.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 150
"""Resolution of saved figures, in dots per inch."""


def _row_normalise(matrix: np.ndarray) -> np.ndarray:
    """Divide each row by its sum (rows summing to 0 stay 0), so colour shows per-class recall."""
    totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)


def save_confusion_matrix(
    matrix: np.ndarray,
    labels: Sequence[str],
    path: str | Path,
    title: str = "Confusion matrix",
) -> Path:
    """Save a confusion matrix as a 150 dpi PNG: counts in the cells, colour by row fraction.

    Colouring by the row-normalised value (the fraction of each true class given each
    prediction) keeps rare classes as readable as common ones; the cells still show raw counts.

    Parameters
    ----------
    matrix
        Square matrix of counts, rows = true class, columns = predicted class
        (as :func:`musictagger.evaluation.metrics.confusion_matrix` returns).
    labels
        Class names, one per row.
    path
        Output PNG file; missing parent directories are created.
    title
        Figure title.

    Returns
    -------
    Path
        The path written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matrix = np.asarray(matrix)
    n_classes = len(labels)
    if matrix.ndim != 2 or matrix.shape != (n_classes, n_classes):
        raise ParameterError(f"expected a ({n_classes}, {n_classes}) matrix for {n_classes} labels, got {matrix.shape}")
    if matrix.dtype.kind not in "biuf" or np.any(matrix < 0) or np.any(matrix != np.round(matrix)):
        raise ParameterError("the confusion matrix must hold non-negative whole counts")
    fractions = _row_normalise(matrix)

    side = max(4.0, 1.5 + 0.55 * n_classes)
    figure = Figure(figsize=(side + 1.0, side))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(fractions, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="fraction of true class")

    font_size = max(5.0, min(10.0, 120.0 / n_classes))
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if fractions[row, column] > 0.5 else "black"
        axes.text(column, row, f"{int(count)}", ha="center", va="center", color=colour, fontsize=font_size)

    ticks = np.arange(n_classes)
    axes.set_xticks(ticks, labels, rotation=45, ha="right", rotation_mode="anchor")
    axes.set_yticks(ticks, labels)
    axes.set_xlabel("Predicted")
    axes.set_ylabel("True")
    axes.set_title(title)
    figure.tight_layout()

    return _save(figure, Path(path))


def save_reliability_diagram(bins: Sequence[dict], path: str | Path, title: str = "Reliability") -> Path:
    """Save a reliability diagram as a 150 dpi PNG: accuracy per confidence bin against the diagonal.

    The upper panel draws each bin's accuracy as a bar over its confidence range, the mean
    confidence of its tracks as a dot and the diagonal a calibrated model follows; the number
    above a bar is its count of tracks, also drawn in the lower panel, because a bin of three
    tracks says little.

    Parameters
    ----------
    bins
        One mapping per bin with ``low``, ``high``, ``count``, ``confidence`` and ``accuracy``
        (``None`` for an empty bin), as
        :meth:`musictagger.evaluation.calibration.ReliabilityBins.to_dict` returns.
    path
        Output PNG file; missing parent directories are created.
    title
        Figure title.

    Returns
    -------
    Path
        The path written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not bins or any(b["count"] < 0 or b["high"] <= b["low"] for b in bins):
        raise ParameterError("a reliability diagram needs bins with low < high and non-negative counts")
    filled = [b for b in bins if b["count"] > 0]

    figure = Figure(figsize=(5.0, 5.5))
    FigureCanvasAgg(figure)
    reliability, counts = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    reliability.plot([0, 1], [0, 1], linestyle="--", color="grey", label="calibrated")
    reliability.bar(
        [b["low"] for b in filled],
        [b["accuracy"] for b in filled],
        width=[b["high"] - b["low"] for b in filled],
        align="edge",
        color="tab:blue",
        edgecolor="black",
        alpha=0.75,
        label="accuracy",
    )
    reliability.plot(
        [b["confidence"] for b in filled],
        [b["accuracy"] for b in filled],
        "o",
        color="tab:red",
        label="mean confidence",
    )
    for b in filled:
        reliability.text((b["low"] + b["high"]) / 2, b["accuracy"] + 0.02, str(b["count"]), ha="center", fontsize=8)
    reliability.set_xlim(0, 1)
    reliability.set_ylim(0, 1.08)
    reliability.set_ylabel("Accuracy")
    reliability.set_title(title)
    reliability.legend(loc="upper left", fontsize=8)

    counts.bar(
        [b["low"] for b in bins],
        [b["count"] for b in bins],
        width=[b["high"] - b["low"] for b in bins],
        align="edge",
        color="grey",
        edgecolor="black",
    )
    counts.set_xlabel("Confidence (probability of the best genre)")
    counts.set_ylabel("Tracks")
    figure.tight_layout()

    return _save(figure, Path(path))


def _save(figure: Figure, path: Path) -> Path:
    """Save ``figure`` to ``path`` as a PNG, whole (:mod:`~musictagger.atomic_write`), making its folder; the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary:
        figure.savefig(temporary, dpi=DPI, format="png")
    return path
