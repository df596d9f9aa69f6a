"""Models side by side: one row per headline figure, and paired tests of their test-split answers.

Each model is evaluated on its own (:func:`musictagger.evaluation.evaluate.evaluate`); this
module reads those JSON-ready results, so saved reports can be compared again.  The paired
test is McNemar's exact test (:func:`musictagger.experiments.stats.mcnemar`) of every later
model against the first, on the tracks both could analyse: once on whether the best genre is
right, and once on whether the verdict the user sees is (unknown counts as wrong).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from musictagger import atomic_write
from musictagger.errors import MusictaggerError
from musictagger.evaluation.report import FIGURES, Result, data_of, fmt
from musictagger.experiments.stats import mcnemar

# Which answer of a prediction each paired test scores: the best genre, or the verdict shown.
PAIRED_ANSWERS = {"best genre": "predicted", "verdict (unknown counted as wrong)": "verdict"}


def _right(result: Result, answer: str) -> dict[str, bool]:
    return {p["file"]: p[answer] == p["true"] for p in result["predictions"]}


def paired_test(first: Result, second: Result, answer: str) -> dict[str, Any]:
    """McNemar's exact test of ``answer`` (a prediction field) being right, on the tracks both results have."""
    right_first, right_second = _right(first, answer), _right(second, answer)
    files = sorted(right_first.keys() & right_second.keys())
    if not files:
        raise MusictaggerError("the two evaluations share no track: nothing to pair")
    test = mcnemar(np.array([right_first[f] for f in files]), np.array([right_second[f] for f in files]))
    return {"tracks": len(files), "only_first_right": test.b, "only_second_right": test.c, "p_exact": test.p_exact}


def compare(results: Sequence[Result]) -> dict[str, Any]:
    """The comparison table of ``results`` (one per model, the same split) and the paired tests."""
    names = [r["model_name"] for r in results]
    if len(results) < 2 or len(set(names)) != len(names):
        raise MusictaggerError(f"comparing needs two or more models with different file names, got {names}")
    splits = {r["split"] for r in results}
    if len(splits) != 1:
        raise MusictaggerError(f"the evaluations are of different splits ({', '.join(sorted(splits))})")
    first = results[0]
    rows = []
    for figure in FIGURES:
        rows.append(
            {
                "figure": figure.label,
                "key": figure.key,
                "data": _measured_on(figure.group, results),
                "values": {r["model_name"]: figure.value(r) for r in results},
                "goal": figure.goal,
            }
        )
    tests = [
        {
            "first": first["model_name"],
            "second": other["model_name"],
            "answer": label,
            **paired_test(first, other, field),
        }
        for other in results[1:]
        for label, field in PAIRED_ANSWERS.items()
    ]
    return {"models": names, "split": first["split"], "rows": rows, "paired_tests": tests}


def _measured_on(group: str, results: Sequence[Result]) -> str | None:
    """What a row's figures were measured on (:func:`~musictagger.evaluation.report.data_of`), ``None`` if by no model;
    each model's own when they differ (an evaluation of another dev set, or non-music rendered at 16 kHz beside one at
    44.1 kHz), where the first model's alone passed the others' figures off as measured on it."""
    measured = {r["model_name"]: data for r in results if (data := data_of(group, r)) is not None}
    if len(set(measured.values())) <= 1:
        return next(iter(measured.values()), None)
    return "; ".join(f"{name}: {data}" for name, data in measured.items())


def render_comparison(comparison: dict[str, Any]) -> str:
    """The comparison as Markdown: the table, then the paired tests."""
    names = comparison["models"]
    lines = [
        f"# {' vs '.join(names)}",
        "",
        "Each model's own report has the details; brackets are 95% bootstrap intervals.",
        "",
        "| figure | measured on | " + " | ".join(names) + " | goal |",
        "|---|---|" + "---|" * len(names) + "---|",
    ]
    lines += [
        f"| {row['figure']} | {row['data'] or 'not measured'} | "
        + " | ".join(fmt(row["values"][name]) for name in names)
        + f" | {row['goal']} |"
        for row in comparison["rows"]
    ]
    lines += [
        "",
        f"McNemar's exact test on the {comparison['split']} split (tracks both models analysed):",
        "",
        "| models | answer | tracks | only the first right | only the second right | p |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {t['first']} vs {t['second']} | {t['answer']} | {t['tracks']} | {t['only_first_right']} | "
        f"{t['only_second_right']} | {t['p_exact']:.3f} |"
        for t in comparison["paired_tests"]
    ]
    return "\n".join(lines) + "\n"


def write_comparison(comparison: dict[str, Any], reports_dir: Path) -> list[Path]:
    """Write ``comparison.json`` and ``comparison.md`` into ``reports_dir``; return their paths."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = reports_dir / "comparison.json", reports_dir / "comparison.md"
    atomic_write.write_text(json_path, json.dumps(comparison, indent=2) + "\n")
    atomic_write.write_text(md_path, render_comparison(comparison))
    return [json_path, md_path]
