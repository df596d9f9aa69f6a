"""Writing a verdict policy chosen again into a model's sidecar and its int8 twin's: both or neither."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from musictagger.collection import load_collection
from musictagger.errors import ModelError, MusictaggerError
from musictagger.evaluation.devset import DevClip
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import FAST_MODEL_NAME, GenreModel
from musictagger.training.verdict_choice import NON_MUSIC_SR, model_evidence, write_policy
from tests.audio.signals import music, tone

DEFAULT = "hash-cnn-lstm-emotify-v3"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped default model and its int8 twin, copied (the twin finds its float32 model beside it)."""
    for name in (DEFAULT, f"{DEFAULT}-int8"):
        for suffix in (".onnx", ".json"):
            shutil.copy(model_file(name).with_suffix(suffix), tmp_path / f"{name}{suffix}")
    return tmp_path / f"{DEFAULT}.onnx", tmp_path / f"{DEFAULT}-int8.onnx"


def test_both_sidecars_get_the_policy_and_the_twin_still_loads(pair: tuple[Path, Path]) -> None:
    model, twin = pair
    shipped = load_manifest(model).verdict_policy
    policy = dataclasses.replace(shipped, unknown_novelty=shipped.unknown_novelty + 0.1, chosen_on="a test")
    assert write_policy(model, policy) == [model.with_suffix(".json"), twin.with_suffix(".json")]
    assert load_manifest(model).verdict_policy == policy == load_manifest(twin).verdict_policy
    assert GenreModel(twin).policy == policy  # its deferral still covers every threshold


def test_a_policy_the_twins_deferral_does_not_cover_writes_neither(pair: tuple[Path, Path]) -> None:
    model, twin = pair
    sidecar = json.loads(twin.with_suffix(".json").read_text())
    del sidecar["model"]["precision"]["defer"]["evidence"]["foreign_tags"]  # measured for a policy without them
    sidecar["verdict"]["foreign_tags"] = None
    twin.with_suffix(".json").write_text(json.dumps(sidecar, indent=2) + "\n")
    before = {path: path.with_suffix(".json").read_bytes() for path in pair}

    with pytest.raises(ModelError, match="no tolerance for \\['foreign_tags'\\]"):
        write_policy(model, load_manifest(model).verdict_policy)  # the float model's policy reads foreign tags
    assert {path: path.with_suffix(".json").read_bytes() for path in pair} == before


def test_genre_folders_named_in_other_case_are_the_models_genres(tmp_path: Path) -> None:
    """``verdict`` on a collection filed as a collector capitalises it (``Rock``): each validation track was expected
    to be called ``Rock``, which the model (``rock``) never says, so every one counted wrong; ``evaluate`` took the
    folder for the model's genre.  A genre the model lacks is refused before anything is analysed."""
    for genre, signal in (
        ("Classical", tone(440.0, sr=NON_MUSIC_SR, seconds=3.0)),
        ("Rock", music(sr=NON_MUSIC_SR, seconds=3.0)),
    ):
        (tmp_path / genre).mkdir()
        sf.write(tmp_path / genre / "0.wav", signal, NON_MUSIC_SR)
    for split, listed in (("train", ""), ("valid", "Classical/0.wav\nRock/0.wav\n"), ("test", "")):
        (tmp_path / f"{split}.txt").write_text(listed)
    model = GenreModel(model_file(FAST_MODEL_NAME))  # the quicker to run
    dev = [DevClip(tmp_path / "Rock" / "0.wav", "rock", "rock")]
    sounds = [("a tone", tone(880.0, sr=NON_MUSIC_SR, seconds=3.0))]

    valid, _, _ = model_evidence(model, load_collection(tmp_path), dev, sounds)
    assert valid.expected == ["classical", "rock"]

    (tmp_path / "Rock").rename(tmp_path / "Jazz")
    (tmp_path / "valid.txt").write_text("Classical/0.wav\nJazz/0.wav\n")
    analysed = []
    with pytest.raises(MusictaggerError, match="the collection's genres Jazz are not among the model's"):
        model_evidence(model, load_collection(tmp_path), dev, sounds, on_item=lambda: analysed.append(1))
    assert not analysed
