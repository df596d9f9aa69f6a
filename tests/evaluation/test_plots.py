"""Tests of musictagger.evaluation.plots: the confusion-matrix and reliability-diagram PNGs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from musictagger.errors import ParameterError
from musictagger.evaluation.calibration import reliability_bins
from musictagger.evaluation.plots import save_confusion_matrix, save_reliability_diagram

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plots_module_imports_without_matplotlib() -> None:
    code = "import sys, musictagger.evaluation.plots; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_save_confusion_matrix_writes_a_png(tmp_path: Path) -> None:
    image_module = pytest.importorskip("matplotlib.image")
    labels = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
    matrix = np.random.default_rng(0).integers(0, 30, size=(10, 10))
    matrix[3] = 0  # a class without test items must not break the row normalisation
    path = tmp_path / "figures" / "nested" / "confusion.png"

    written = save_confusion_matrix(matrix, labels, path, title="Genre confusion")

    assert written == path
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = image_module.imread(path)
    height, width = pixels.shape[:2]
    assert 600 <= height <= 3000 and 600 <= width <= 3000  # a 150 dpi figure of several inches
    assert pixels[..., :3].std() > 0.05  # not a blank canvas


def test_save_confusion_matrix_rejects_mismatched_labels(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    with pytest.raises(ParameterError, match="matrix"):
        save_confusion_matrix(np.zeros((3, 3), dtype=int), ["a", "b"], tmp_path / "x.png")
    with pytest.raises(ParameterError, match="whole counts"):
        save_confusion_matrix(np.full((2, 2), 0.5), ["a", "b"], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_save_reliability_diagram_writes_a_png(tmp_path: Path) -> None:
    image_module = pytest.importorskip("matplotlib.image")
    rng = np.random.default_rng(0)
    confidences = rng.uniform(0.3, 1.0, size=80)
    bins = reliability_bins(confidences, rng.random(80) < confidences).to_dict()  # includes empty bins
    path = tmp_path / "figures" / "reliability.png"

    assert save_reliability_diagram(bins, path, title="model — test split") == path
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = image_module.imread(path)
    assert 600 <= pixels.shape[0] <= 3000 and 600 <= pixels.shape[1] <= 3000
    assert pixels[..., :3].std() > 0.05


def test_save_reliability_diagram_rejects_bad_bins(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    with pytest.raises(ParameterError, match="bins"):
        save_reliability_diagram([], tmp_path / "x.png")
    with pytest.raises(ParameterError, match="bins"):
        save_reliability_diagram(
            [{"low": 0.5, "high": 0.4, "count": 1, "confidence": 0.45, "accuracy": 1.0}], tmp_path / "x.png"
        )
    assert not (tmp_path / "x.png").exists()
