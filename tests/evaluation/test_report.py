"""The Markdown report and the sidecar's descriptions of what the figures were measured on."""

from __future__ import annotations

import json

from musictagger.evaluation.report import data_of, render_markdown
from tests.conftest import PROJECT_ROOT

RESULT = json.loads((PROJECT_ROOT / "reports" / "evaluation-hash-cnn-lstm-emotify-v3-test.json").read_text("utf-8"))
RESULT["unknown_detector"]["non_music"].pop("sample_rate", None)
"""An evaluation as written before the non-music's rate was recorded (its sounds rendered at the model's 16 kHz): a
committed one with the rate taken out, so that a report recorded again since does not change what this reads."""


def test_a_result_without_the_non_music_s_rate_is_said_to_be_of_16_khz() -> None:
    """Rendered again, the committed reports said `seed 2` alone, which beside the 44.1 kHz runs since reads as a
    file's rate; and `thresholds are chosen on seed 1` left out that the choice's sounds are rendered at 16 kHz."""
    assert data_of("non-music", RESULT) == "generated non-music, seed 2 at 16 kHz, 18 sounds"
    assert "(seed 2 at 16 kHz; thresholds are chosen on seed 1 at 16 kHz)" in render_markdown(RESULT)
