"""Writing a verdict policy chosen again into a model's sidecar and its int8 twin's: both or neither."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from musictagger.errors import ModelError
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import GenreModel
from musictagger.training.verdict_choice import write_policy

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
