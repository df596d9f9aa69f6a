"""Writing the experiments' results: CSV files, figures like the paper's Figs. 4–6, and the Markdown report.

Every number in the report is formatted from the same rows the CSV files hold, so a figure
quoted elsewhere can be taken from a file rather than copied by hand.  Each file is written whole
(:mod:`musictagger.atomic_write`): stopped or failing, a writer leaves the file as it was and nothing beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from musictagger import atomic_write, csv_file
from musictagger.atomic_write import replacing

Row = dict[str, object]


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, whole (:mod:`~musictagger.atomic_write`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write.write_text(path, text)


def write_csv(path: Path, rows: Sequence[Row]) -> None:
    """Rows as CSV (:mod:`musictagger.csv_file`, which writes it whole); the columns are the union of the rows' keys
    in first-seen order, a float given to four decimals."""
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = ([_cell(row.get(column, "")) for column in columns] for row in rows)
    csv_file.write_csv(path, columns, cells)


def _cell(value: object) -> object:
    return f"{value:.4f}" if isinstance(value, float) else value


def _save_figure(figure: plt.Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as partial:
        figure.savefig(partial, dpi=120, bbox_inches="tight")
    plt.close(figure)


def bar_figure(summary: Sequence[Row], path: Path, title: str) -> None:
    """Test accuracy and MAP of each variant: mean over seeds, seed sd as error bars, CI as whiskers (Figs. 4, 5)."""
    names = [str(row["variant"]) for row in summary]
    x = np.arange(len(names))
    figure, axis = plt.subplots(figsize=(max(6.0, 1.1 * len(names)), 4.0))
    for offset, metric, label in ((-0.2, "test_accuracy", "accuracy"), (0.2, "test_map", "MAP")):
        means = np.array([row[f"{metric}_mean"] for row in summary], dtype=float)
        axis.bar(x + offset, means, width=0.4, label=label, yerr=[row[f"{metric}_sd"] for row in summary], capsize=3)
        low = means - np.array([row[f"{metric}_ci_low"] for row in summary], dtype=float)
        high = np.array([row[f"{metric}_ci_high"] for row in summary], dtype=float) - means
        axis.errorbar(x + offset, means, yerr=[low, high], fmt="none", ecolor="grey", alpha=0.6, capsize=6)
    axis.set_xticks(x, names, rotation=20, ha="right")
    axis.set_ylim(0, 1)
    axis.set_ylabel("test split")
    axis.set_title(title)
    axis.legend(loc="lower right")
    axis.grid(axis="y", alpha=0.3)
    _save_figure(figure, path)


def hashing_figure(summary: Sequence[Row], curves: Sequence[Row], path: Path, *, bits: int = 64) -> None:
    """MAP against code length, and precision–recall and precision@k at ``bits`` (Fig. 6)."""
    methods = list(dict.fromkeys(str(row["method"]) for row in summary))
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for method in methods:
        rows = [row for row in summary if row["method"] == method]
        axes[0].errorbar(
            [row["bits"] for row in rows],
            [row["map_mean"] for row in rows],
            yerr=[row["map_sd"] for row in rows],
            marker="o",
            capsize=3,
            label=method,
        )
        for axis, curve in ((axes[1], "precision_recall"), (axes[2], "precision_at_k")):
            points = [
                row for row in curves if row["method"] == method and row["bits"] == bits and row["curve"] == curve
            ]
            axis.plot(
                [p["x"] for p in points],
                [p["y"] for p in points],
                marker="." if curve == "precision_at_k" else None,
                label=method,
            )
    axes[0].set(xlabel="bits", ylabel="MAP (Hamming ranking)", title="MAP by code length", xticks=[16, 32, 48, 64])
    axes[1].set(xlabel="recall", ylabel="precision", title=f"precision–recall, {bits} bits")
    axes[2].set(xlabel="k (retrieved tracks)", ylabel="precision@k", title=f"precision@k, {bits} bits", xscale="log")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.set_ylim(0, 1.02)
    axes[0].legend()
    _save_figure(figure, path)


def value(mean: object, sd: object | None = None, low: object | None = None, high: object | None = None) -> str:
    """``0.738 ± 0.012 [0.637, 0.838]`` from whichever parts are given."""
    text = f"{float(mean):.3f}"
    if sd is not None:
        text += f" ± {float(sd):.3f}"
    if low is not None and high is not None:
        text += f" [{float(low):.3f}, {float(high):.3f}]"
    return text


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def variant_table(summary: Sequence[Row]) -> str:
    """Experiments 1 and 2: one line per variant."""
    return markdown_table(
        (
            "variant",
            "seeds",
            "valid accuracy",
            "test accuracy, mean ± sd [95% CI]",
            "test MAP, mean ± sd [95% CI]",
            "P@10",
            "train s/run",
        ),
        [
            (
                row["variant"],
                row["seeds"],
                value(row["valid_accuracy_mean"], row["valid_accuracy_sd"]),
                f"**{value(row['test_accuracy_mean'], row['test_accuracy_sd'], row['test_accuracy_ci_low'], row['test_accuracy_ci_high'])}**",
                value(row["test_map_mean"], row["test_map_sd"], row["test_map_ci_low"], row["test_map_ci_high"]),
                value(row["test_p10_mean"], row["test_p10_sd"]),
                f"{float(row['train_seconds_mean']):.0f}",
            )
            for row in summary
        ],
    )
