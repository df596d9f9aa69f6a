"""``musictagger recognition --write``: the chosen distance goes into the model's sidecar as it is at the end of the
run, which takes 18-36 minutes, not as it was read at its start."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from musictagger.errors import ModelError
from musictagger.evaluation.recognition import write_policy
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest, sidecar_path
from musictagger.model.recognition import RecognitionPolicy
from musictagger.model.runtime import FAST_MODEL_NAME

POLICY = RecognitionPolicy(within=1.25, chosen_on="a test")


@pytest.fixture
def onnx_path(tmp_path: Path) -> Path:
    """A copy of a shipped model and its sidecar, to write into."""
    path = tmp_path / "m.onnx"
    shutil.copy(model_file(FAST_MODEL_NAME), path)
    shutil.copy(sidecar_path(model_file(FAST_MODEL_NAME)), sidecar_path(path))
    return path


def test_what_another_command_wrote_into_the_sidecar_meanwhile_stays(onnx_path: Path) -> None:
    """The command wrote back the sidecar it had read before measuring, with the recognition section added: a
    ``verdict --write`` made during the run was undone."""
    measured = load_manifest(onnx_path)
    meanwhile = replace(measured, verdict={**measured.verdict, "chosen_on": "written while recognition ran"})
    meanwhile.save(sidecar_path(onnx_path))
    write_policy(onnx_path, POLICY, measured_sha256=measured.onnx_sha256)
    written = load_manifest(onnx_path)
    assert written.recognition_policy == POLICY
    assert written.verdict["chosen_on"] == "written while recognition ran"


def test_a_model_file_changed_while_measured_is_refused_and_its_sidecar_left_as_it_is(onnx_path: Path) -> None:
    """A streamlined or exported model's sidecar names its new digest; the sidecar read before, written back, named
    the old one, and the model no longer loaded."""
    before = sidecar_path(onnx_path).read_text(encoding="utf-8")
    with pytest.raises(ModelError, match="the model file changed while its recognition distance was chosen") as error:
        write_policy(onnx_path, POLICY, measured_sha256="0" * 64)
    assert str(onnx_path) in str(error.value)
    assert sidecar_path(onnx_path).read_text(encoding="utf-8") == before
