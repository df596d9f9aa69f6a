"""An int8 twin that defers: ``quantize_model`` measures how near a change of answer it must hand a
track to its float32 model, and the runtime does so, on the shipped model and generated music."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("onnx", reason="quantising needs the 'train' extra (onnx)")

from musictagger.audio.frontend import Features, features_from_signal
from musictagger.errors import ModelError
from musictagger.library.analyse import analyse_file
from musictagger.model.manifest import load_manifest, sidecar_path
from musictagger.model.runtime import GenreModel
from musictagger.training.quantize import quantize_model
from tests.audio.signals import piece
from tests.model.variants import first_model, shipped_model

SR = 16000


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the shipped float32 model and the twin ``quantize_model`` writes beside it, calibrated on
    three generated pieces."""
    folder = tmp_path_factory.mktemp("models")
    model = folder / shipped_model().name
    for source in (shipped_model(), sidecar_path(shipped_model())):
        shutil.copy(source, folder / source.name)
    tracks = []
    for seed in (1, 2, 3):
        tracks.append(folder / f"piece{seed}.wav")
        sf.write(tracks[-1], piece(seed, sr=SR, seconds=40.0), SR)
    return model, quantize_model(model, tracks)


@pytest.fixture(scope="module")
def features(pair: tuple[Path, Path]) -> Features:
    params = load_manifest(pair[0]).front_end
    return features_from_signal(piece(7, sr=SR, seconds=40.0), sr=SR, params=params, n_windows=2)


def with_deferral(twin: Path, margin: float, evidence: float) -> None:
    sidecar = json.loads(sidecar_path(twin).read_text())
    defer = sidecar["model"]["precision"]["defer"]
    defer["margin"], defer["evidence"] = margin, dict.fromkeys(defer["evidence"], evidence)
    sidecar_path(twin).write_text(json.dumps(sidecar))


def test_the_twin_records_a_tolerance_for_every_threshold_and_no_figures_of_its_float_model(
    pair: tuple[Path, Path],
) -> None:
    model, twin = pair
    defer = load_manifest(twin).model["precision"]["defer"]
    assert (
        set(defer["evidence"]) == set(load_manifest(model).verdict_policy.boundaries()) == {"novelty", "foreign_tags"}
    )
    assert defer["margin"] > 0 and all(tolerance > 0 for tolerance in defer["evidence"].values())
    assert GenreModel(twin).reference.path == model
    assert load_manifest(model).metrics and not load_manifest(twin).metrics  # no figures it was not measured for


def test_a_deferred_track_gets_the_float_models_answer_and_the_others_the_twins(
    pair: tuple[Path, Path], features: Features
) -> None:
    model, twin = pair
    reference = GenreModel(model).analyze_features(features, source="piece")
    original = sidecar_path(twin).read_text()
    try:
        with_deferral(twin, margin=1.1, evidence=0.0)  # every lead is below 1.1: always deferred
        always = GenreModel(twin)
        deferred = always.analyze_features(features, source="piece")
        assert deferred.deferred
        assert np.array_equal(deferred.probabilities, reference.probabilities)
        assert np.array_equal(deferred.relaxed_code, reference.relaxed_code)
        assert deferred.verdict == reference.verdict

        with_deferral(twin, margin=0.0, evidence=0.0)
        never = GenreModel(twin)
        own = never.analyze_features(features, source="piece")
        assert not own.deferred
        assert np.array_equal(own.probabilities, never.judge(never.run(features.windows)).mean)
        assert not np.array_equal(own.relaxed_code, reference.relaxed_code)  # int8 moves the code a little
        assert always.manifest.model_id != never.manifest.model_id  # the library re-analyses when the rule changes
    finally:
        sidecar_path(twin).write_text(original)


def test_the_index_learns_which_files_the_twin_deferred(pair: tuple[Path, Path], tmp_path: Path) -> None:
    model, twin = pair
    song = tmp_path / "piece.flac"
    sf.write(song, piece(7, sr=SR, seconds=40.0), SR)
    reference = analyse_file(GenreModel(model), str(song), n_windows=2)
    original = sidecar_path(twin).read_text()
    try:
        with_deferral(twin, margin=1.1, evidence=0.0)
        deferred = analyse_file(GenreModel(twin), str(song), n_windows=2)
        with_deferral(twin, margin=0.0, evidence=0.0)
        own = analyse_file(GenreModel(twin), str(song), n_windows=2)
    finally:
        sidecar_path(twin).write_text(original)
    assert deferred.deferred and not own.deferred and not reference.deferred
    assert deferred.analysis.probabilities == reference.analysis.probabilities


def test_a_twin_needs_the_float_model_it_was_built_from_beside_it(pair: tuple[Path, Path], tmp_path: Path) -> None:
    model, twin = pair
    for source in (twin, sidecar_path(twin)):
        shutil.copy(source, tmp_path / source.name)
    with pytest.raises(ModelError, match=f"the float32 model it defers to, {model.name}, is not beside it"):
        GenreModel(tmp_path / twin.name)
    shutil.copy(first_model(), tmp_path / model.name)  # another model where the twin's float32 model should be
    shutil.copy(sidecar_path(first_model()), sidecar_path(tmp_path / model.name))
    with pytest.raises(ModelError, match=f"{model.name} beside it is not the float32 model it was built from"):
        GenreModel(tmp_path / twin.name)


def test_the_twin_borrows_its_float_models_recognition_distance_but_not_its_figures(pair: tuple[Path, Path]) -> None:
    """quantize copied the float32 model's sidecar into its twin's, the recognition section with it: the figures
    measured on the float32 model's outputs stood as the twin's own, said to be chosen on Emotify's validation split."""
    model, twin = pair
    own, lent = load_manifest(model), load_manifest(twin)
    assert lent.recognition_policy.within == own.recognition_policy.within  # live listening on the twin still names
    assert lent.recognition_policy.figures is None and own.recognition_policy.figures
    assert lent.recognition_policy.chosen_on.startswith(f"{own.name}'s, its float32 model's, until")
