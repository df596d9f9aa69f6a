"""Figures for ``musictagger evaluate``.

Matplotlib is an optional (``train``) dependency, so it is imported inside the functions: this
module imports without it.  Figures are drawn on an Agg canvas of their own rather than through
``pyplot``, which leaves the process-wide backend (e.g. the GUI's) untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musictagger.errors import ParameterError

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

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, format="png")
    return path
