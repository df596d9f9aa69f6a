"""``musictagger quantize`` stopped (Ctrl-C, SIGTERM, SIGHUP) while it writes a twin: the twin there before, graph and
sidecar, is as it was and nothing is beside it, on the shipped model and generated music."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import soundfile as sf

pytest.importorskip("onnx", reason="quantising needs the 'train' extra (onnx)")

from musictagger.model.manifest import load_manifest, sidecar_path
from musictagger.model.precision import int8_twin
from musictagger.model.runtime import GenreModel
from musictagger.training.quantize import quantize_model
from tests.audio.signals import piece
from tests.model.variants import shipped_model
from tests.stops import names_in, stopped_before_renaming

SR = 16000


def test_a_quantize_stopped_once_the_new_graph_is_written_leaves_the_twin_as_it_was(tmp_path: Path) -> None:
    """Stopped as the new twin's first sidecar was saved (its deferral still to be measured): the new graph had
    replaced the old one beside the old sidecar, which names another file, so the app refused the twin."""
    models = tmp_path / "models"
    models.mkdir()
    twin = int8_twin(shipped_model())
    assert twin is not None
    for source in (shipped_model(), twin):
        for path in (source, sidecar_path(source)):
            shutil.copy(path, models / path.name)
    before = {path.name: path.read_bytes() for path in models.iterdir()}
    track = tmp_path / "piece.wav"
    sf.write(track, piece(1, sr=SR, seconds=8.0), SR)

    with stopped_before_renaming(lambda path: path.suffix == ".json"), pytest.raises(KeyboardInterrupt):
        quantize_model(models / shipped_model().name, [track])

    assert {path.name: path.read_bytes() for path in models.iterdir()} == before
    assert names_in(models) == sorted(before)
    assert load_manifest(models / twin.name).model["precision"]["defer"]
    GenreModel(models / twin.name)  # the twin loads, with the float32 model it defers to
