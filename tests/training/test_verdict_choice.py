"""Writing a verdict policy chosen again into a model's sidecar and its int8 twin's: both or neither."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from musictagger.collection import load_collection
from musictagger.errors import FileError, ModelError, MusictaggerError
from musictagger.evaluation.devset import DevClip
from musictagger.evaluation.nonmusic import CHOICE_RATE
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest, sidecar_path
from musictagger.model.runtime import FAST_MODEL_NAME, GenreModel
from musictagger.training.verdict_choice import model_evidence, write_policy
from tests.audio.signals import music, tone
from tests.stops import names_in, writes_failing_past

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


def test_a_twins_sidecar_that_cannot_be_written_leaves_both_as_they_were(pair: tuple[Path, Path]) -> None:
    """The model's sidecar was written, then the twin's failed (here: a file-size limit between the two sidecars'
    sizes, as a full disk or a quota fails the larger one): the float32 model had the new policy and its twin the
    old, so forced int8 verdicts followed another policy than float32's."""
    model, twin = pair
    before = {path: path.with_suffix(".json").read_bytes() for path in pair}
    shipped = load_manifest(model).verdict_policy
    policy = dataclasses.replace(shipped, unknown_novelty=shipped.unknown_novelty + 0.1, chosen_on="a test")
    limit = sum(len(content) for content in before.values()) // 2
    assert len(before[model]) < limit < len(before[twin])  # the twin's sidecar holds its deferral besides
    names = names_in(model.parent)
    with writes_failing_past(limit), pytest.raises(FileError, match="File too large") as error:
        write_policy(model, policy)
    assert error.value.path == twin.with_suffix(".json")
    assert {path: path.with_suffix(".json").read_bytes() for path in pair} == before
    assert names_in(model.parent) == names


def test_a_twin_whose_policy_is_not_its_float_models_is_refused(pair: tuple[Path, Path]) -> None:
    """A pair whose sidecars disagree (written one after the other before 6bc8780, or one edited): the twin, run with
    MUSICTAGGER_PRECISION=int8, judged every track by its own old policy, those it deferred to float32 too, without
    a word."""
    model, twin = pair
    shipped = load_manifest(model)
    moved = dataclasses.replace(shipped.verdict_policy, unknown_novelty=shipped.verdict_policy.unknown_novelty + 0.5)
    dataclasses.replace(shipped, verdict=moved.to_dict()).save(model.with_suffix(".json"))
    with pytest.raises(ModelError, match=f"its verdict policy is not that of {model.name}, the float32 model") as error:
        GenreModel(twin)
    assert error.value.paths == (str(twin),)


def test_genre_folders_and_dev_set_genres_named_in_other_case_are_the_models_genres(tmp_path: Path) -> None:
    """``verdict`` on a collection filed as a collector capitalises it (``Rock``) expected each validation track to be
    called ``Rock``, which the model (``rock``) never says, so every one counted wrong, where ``evaluate`` took the
    folder for the model's genre; the dev set's ``rock`` was wrong likewise for a model trained on ``Rock/`` folders.
    Here the model's genres are capitalised and the folders and the dev set are not.  A genre the model lacks is
    refused before anything is analysed."""
    model_path = tmp_path / "model" / "capitalised.onnx"
    model_path.parent.mkdir()
    shutil.copy(model_file(FAST_MODEL_NAME), model_path)  # the quicker of the shipped models to run
    sidecar = json.loads(sidecar_path(model_file(FAST_MODEL_NAME)).read_text())
    sidecar["labels"] = [label.capitalize() for label in sidecar["labels"]]
    sidecar_path(model_path).write_text(json.dumps(sidecar))
    model = GenreModel(model_path)
    data = tmp_path / "data"
    for genre, signal in (
        ("classical", tone(440.0, sr=CHOICE_RATE, seconds=3.0)),
        ("rock", music(sr=CHOICE_RATE, seconds=3.0)),
    ):
        (data / genre).mkdir(parents=True)
        sf.write(data / genre / "0.wav", signal, CHOICE_RATE)
    for split, listed in (("train", ""), ("valid", "classical/0.wav\nrock/0.wav\n"), ("test", "")):
        (data / f"{split}.txt").write_text(listed)
    dev = [DevClip(data / "rock" / "0.wav", "rock", "rock")]
    sounds = [("a tone", tone(880.0, sr=CHOICE_RATE, seconds=3.0))]

    valid, in_dev, _ = model_evidence(model, load_collection(data), dev, sounds)
    assert valid.expected == ["Classical", "Rock"]
    assert in_dev.expected == ["Rock"]

    (data / "rock").rename(data / "jazz")
    (data / "valid.txt").write_text("classical/0.wav\njazz/0.wav\n")
    analysed = []
    with pytest.raises(MusictaggerError, match="the collection's genres jazz are not among the model's"):
        model_evidence(model, load_collection(data), dev, sounds, on_item=lambda: analysed.append(1))
    assert not analysed
