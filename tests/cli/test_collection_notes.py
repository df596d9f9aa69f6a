"""What every command reading a labelled collection says before its work: a split drawn at random (no split files),
whose figures flatter the model, and a folder without audio, so no genre (``Collection.notes``).  ``evaluate`` alone
said them; ``train``, ``distil``, ``verdict``, ``recognition`` and ``quantize`` now say them through the same helper
(``cli.options.load_data``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.model.location import model_file
from musictagger.model.runtime import FAST_MODEL_NAME

NEEDS_TORCH = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the 'train' extra (torch)")
NEEDS_ONNX = pytest.mark.skipif(importlib.util.find_spec("onnx") is None, reason="needs the 'train' extra (onnx)")


def _commands(data: Path) -> dict[str, list[str]]:
    """Each command on ``data``, given something it refuses once it has read the collection (nothing is analysed):
    a front-end parameter that does not exist, a dev set or a model that is not there."""
    model, no_dev = str(model_file(FAST_MODEL_NAME)), str(data.parent / "no-dev-set")
    reports = str(data.parent / "reports")
    return {
        "train": ["train", str(data), "--param", "no_such=1"],
        "distil": ["distil", str(data), "--out", str(data.parent / "b.npz"), "--param", "no_such=1"],
        "verdict": ["verdict", model, str(data), "--dev-set", no_dev],
        "recognition": ["recognition", model, str(data), "--dev-set", no_dev],
        "quantize": ["quantize", str(data.parent / "no-model.onnx"), str(data), "--remeasure", "--reports", reports],
    }


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("train", marks=NEEDS_TORCH),
        pytest.param("distil", marks=NEEDS_TORCH),
        "verdict",
        "recognition",
        pytest.param("quantize", marks=NEEDS_ONNX),
    ],
)
def test_a_drawn_split_and_a_folder_without_audio_are_said_first(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without split files the command drew a split (not artist-disjoint) and chose or measured on it without a word;
    a genre whose copy failed (an empty folder) was left out without one."""
    data = tmp_path / "data"
    for genre in ("classical", "rock"):
        (data / genre).mkdir(parents=True)
        (data / genre / "0.wav").write_bytes(b"RIFF, never analysed")
    (data / "pop").mkdir()

    assert main(_commands(data)[command]) == 1

    said = " ".join(capsys.readouterr().err.split())
    assert said.startswith(f"note: {data} has no train.txt, valid.txt and test.txt: the figures are of a random")
    assert "(seed 0; not artist-disjoint), which flatters the model" in said
    assert "note: pop holds no audio files, so no genre of the collection: left out error: " in said
