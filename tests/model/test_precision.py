"""Choosing the int8 twin by measured speed when it agrees with its float32 model, remembering the choice, and the override."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from musictagger.errors import ModelError
from musictagger.model.precision import PRECISION_ENV_VAR, fastest_variant, int8_twin
from musictagger.userdirs import cache_dir
from tests.model.variants import first_model

AGREEING = {"same_verdict": 0.995, "same_decision": 1.0, "median_hamming": 0}


def record_agreement(twin: Path, **sets: dict) -> None:
    """Write what ``musictagger quantize`` records into the twin's sidecar."""
    sidecar = json.loads(twin.with_suffix(".json").read_text())
    sidecar["model"]["precision"] = {"agreement": sets}
    twin.with_suffix(".json").write_text(json.dumps(sidecar))


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """The first model and a "twin" beside it (a copy of it: what is timed is real, the choice follows the
    times) that agrees with it on both sets measured."""
    model = tmp_path / "m.onnx"
    for source, target in ((first_model(), model), (first_model(), tmp_path / "m-int8.onnx")):
        shutil.copy(source, target)
        shutil.copy(source.with_suffix(".json"), target.with_suffix(".json"))
    record_agreement(tmp_path / "m-int8.onnx", emotify=AGREEING, dev=AGREEING)
    return model, tmp_path / "m-int8.onnx"


def test_without_a_twin_the_model_itself_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRECISION_ENV_VAR, "auto")
    assert int8_twin(first_model()) is None
    assert fastest_variant(first_model()) == first_model()
    assert not (cache_dir() / "precision.json").exists()


def test_auto_times_both_once_and_remembers_the_choice(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PRECISION_ENV_VAR, "auto")
    model, twin = pair

    chosen = fastest_variant(model)

    record = cache_dir() / "precision.json"
    (entry,) = json.loads(record.read_text()).values()
    assert entry["float32_s"] > 0 and entry["int8_s"] > 0
    assert chosen == (twin if entry["float32_s"] >= 1.1 * entry["int8_s"] else model)
    record.write_text(
        json.dumps({key: {**value, "int8": True} for key, value in json.loads(record.read_text()).items()})
    )
    assert fastest_variant(model) == twin  # the remembered choice is used, not measured again


def test_the_environment_forces_a_precision(pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    model, twin = pair
    monkeypatch.setenv(PRECISION_ENV_VAR, "int8")
    assert fastest_variant(model) == twin
    monkeypatch.setenv(PRECISION_ENV_VAR, "float32")
    assert fastest_variant(model) == model
    monkeypatch.setenv(PRECISION_ENV_VAR, "int4")
    with pytest.raises(ModelError, match=r"MUSICTAGGER_PRECISION is 'int4'"):
        fastest_variant(model)
    assert not (cache_dir() / "precision.json").exists()


@pytest.mark.parametrize(
    "dev",
    [
        {**AGREEING, "same_verdict": 0.955},
        {**AGREEING, "same_decision": 0.978},
        {**AGREEING, "median_hamming": 3},
    ],
)
def test_a_twin_that_answers_differently_is_never_chosen_unasked(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, dev: dict
) -> None:
    model, twin = pair
    record_agreement(twin, emotify=AGREEING, dev=dev)
    monkeypatch.setenv(PRECISION_ENV_VAR, "auto")
    assert fastest_variant(model) == model
    assert not (cache_dir() / "precision.json").exists()  # not even timed
    monkeypatch.setenv(PRECISION_ENV_VAR, "int8")
    assert fastest_variant(model) == twin


def test_a_twin_without_a_measured_agreement_is_never_chosen_unasked(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, twin = pair
    record_agreement(twin)
    monkeypatch.setenv(PRECISION_ENV_VAR, "auto")
    assert fastest_variant(model) == model
