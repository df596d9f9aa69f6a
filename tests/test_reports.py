"""The committed reports are what the commands named beside them write.

A researcher reruns those commands to reproduce the figures; a report edited by hand after its
command wrote it no longer says what the command prints, and the next run overwrites the edit.
These tests read the files only (no audio, no model run), so they hold on every checkout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musictagger.evaluation.compare import compare, write_comparison
from musictagger.evaluation.report import headline, render_markdown
from musictagger.model.manifest import load_manifest
from tests.conftest import PROJECT_ROOT

REPORTS = PROJECT_ROOT / "reports"
MODELS = PROJECT_ROOT / "models"
# Each comparison report and the models it compares, the first being the reference.
COMPARISONS = {
    "comparison": ("hash-cnn-lstm-emotify", "hash-cnn-lstm-emotify-v2", "hash-cnn-lstm-emotify-v3"),
    "comparison-hash-cnn-lstm-emotify-v4": ("hash-cnn-lstm-emotify-v3", "hash-cnn-lstm-emotify-v4"),
    "comparison-hash-cnn-lstm-emotify-v3-int8": ("hash-cnn-lstm-emotify-v3", "hash-cnn-lstm-emotify-v3-int8"),
    "comparison-hash-cnn-lstm-emotify-v4-int8": ("hash-cnn-lstm-emotify-v4", "hash-cnn-lstm-emotify-v4-int8"),
}
# The models whose test-split evaluation the README and reports/quality.md quote (the second model's
# int8 twin keeps the previous release's report, written before the ECE resampling figures existed).
QUOTED_MODELS = (
    "hash-cnn-lstm-emotify",
    "hash-cnn-lstm-emotify-v2",
    "hash-cnn-lstm-emotify-v3",
    "hash-cnn-lstm-emotify-v3-int8",
    "hash-cnn-lstm-emotify-v4",
    "hash-cnn-lstm-emotify-v4-int8",
)


def _evaluation(name: str) -> dict:
    return json.loads((REPORTS / f"evaluation-{name}-test.json").read_text(encoding="utf-8"))


def test_the_experiments_report_ends_with_its_discussion_file() -> None:
    # `musictagger experiments` writes experiments.md from its results and appends
    # reports/experiments/discussion.md, the one part written by hand: text added to experiments.md
    # alone is lost at the next run.
    report = (REPORTS / "experiments.md").read_text(encoding="utf-8")
    discussion = (REPORTS / "experiments" / "discussion.md").read_text(encoding="utf-8")
    assert report.endswith("## Discussion\n\n" + discussion)


@pytest.mark.parametrize("name", QUOTED_MODELS)
def test_each_evaluation_report_is_its_json_rendered(name: str) -> None:
    markdown = (REPORTS / f"evaluation-{name}-test.md").read_text(encoding="utf-8")
    assert render_markdown(_evaluation(name)) == markdown


@pytest.mark.parametrize("name", QUOTED_MODELS)
def test_each_sidecar_records_its_evaluation_report_s_figures(name: str) -> None:
    # `evaluate --record` stores these groups in the sidecar from the same result it writes as JSON
    metrics = load_manifest(MODELS / f"{name}.onnx").metrics
    for group, figures in headline(_evaluation(name)).items():
        assert metrics[group] == figures, f"{name}.json's {group} figures differ from its evaluation report"


@pytest.mark.parametrize("stem", COMPARISONS)
def test_each_comparison_is_its_models_evaluations_compared(stem: str, tmp_path: Path) -> None:
    written = write_comparison(compare([_evaluation(name) for name in COMPARISONS[stem]]), tmp_path)
    for path in written:
        assert path.read_text(encoding="utf-8") == (REPORTS / f"{stem}{path.suffix}").read_text(encoding="utf-8")
