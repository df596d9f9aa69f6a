"""``compare``'s table: what each row's figures were measured on."""

from __future__ import annotations

import json

from musictagger.evaluation.compare import compare
from tests.conftest import PROJECT_ROOT


def _evaluation(name: str) -> dict:
    return json.loads((PROJECT_ROOT / "reports" / f"evaluation-{name}-test.json").read_text("utf-8"))


def test_non_music_rendered_at_two_rates_is_said_model_by_model() -> None:
    """A run of today (44.1 kHz) compared with a committed report (16 kHz): the row said the first model's data
    alone, passing the other's figures off as measured on the same sounds."""
    old = _evaluation("hash-cnn-lstm-emotify-v3")
    old["unknown_detector"]["non_music"].pop("sample_rate", None)  # as written before the rate was recorded
    new = _evaluation("hash-cnn-lstm-emotify-v4")
    new["unknown_detector"]["non_music"]["sample_rate"] = 44100
    rows = {row["key"]: row for row in compare([old, new])["rows"]}
    assert rows["refused"]["data"] == (
        "hash-cnn-lstm-emotify-v3: generated non-music, seed 2 at 16 kHz, 18 sounds; "
        "hash-cnn-lstm-emotify-v4: generated non-music, seed 2 at 44.1 kHz, 18 sounds"
    )
    assert rows["accuracy"]["data"] == "test split, 80 tracks"
