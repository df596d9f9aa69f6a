"""Choosing the int8 twin by measured speed when it agrees with its float32 model, remembering the choice, and the override."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from musictagger.errors import ModelError
from musictagger.model.manifest import load_manifest
from musictagger.model.precision import (
    PRECISION_ENV_VAR,
    REQUIRED_SPEED_UP,
    Deferral,
    fastest_variant,
    int8_twin,
    measured_pair,
)
from musictagger.model.verdict import ForeignTags, Verdict, VerdictPolicy
from musictagger.userdirs import cache_dir
from tests.model.variants import first_model

AGREEING = {"same_verdict": 0.995, "same_decision": 1.0, "same_tag_decision": 0.99, "median_hamming": 0}


def record_agreement(twin: Path, **sets: dict) -> None:
    """Write what ``musictagger quantize`` records into the twin's sidecar (measured with these two models)."""
    sidecar = json.loads(twin.with_suffix(".json").read_text())
    sidecar["model"]["precision"] = {"agreement": sets, "agreement_measured_with": measured_pair(twin)}
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
    assert chosen == (twin if entry["float32_s"] >= REQUIRED_SPEED_UP * entry["int8_s"] else model)
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
        {**AGREEING, "same_tag_decision": 0.933},  # writes a genre where float32 would not, or the reverse
        {key: value for key, value in AGREEING.items() if key != "same_tag_decision"},  # recorded before it was
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


def test_a_twin_that_defers_every_track_costs_both_runs_and_is_not_chosen(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, twin = pair
    record_agreement(twin, emotify={**AGREEING, "deferred": 1.0}, dev={**AGREEING, "deferred": 0.2})
    monkeypatch.setenv(PRECISION_ENV_VAR, "auto")
    assert fastest_variant(model) == model
    (entry,) = json.loads((cache_dir() / "precision.json").read_text()).values()
    assert entry["deferred_share"] == 1.0  # the largest share of any set
    assert entry["int8"] is False


def test_an_agreement_measured_again_is_timed_again(pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    model, twin = pair
    monkeypatch.setenv(PRECISION_ENV_VAR, "auto")
    record_agreement(twin, emotify={**AGREEING, "deferred": 0.2}, dev=AGREEING)
    fastest_variant(model)
    record_agreement(twin, emotify={**AGREEING, "deferred": 0.4}, dev=AGREEING)  # the same models, a new record
    fastest_variant(model)
    entries = json.loads((cache_dir() / "precision.json").read_text()).values()
    assert sorted(entry["deferred_share"] for entry in entries) == [0.2, 0.4]


def test_a_twin_defers_near_a_tie_and_near_each_threshold_of_the_verdict() -> None:
    policy = VerdictPolicy(
        not_music_novelty=3.0, unknown_novelty=2.0, foreign_tags=ForeignTags(("country",), ("rock",), 0.05)
    )
    deferral = Deferral(margin=0.1, evidence={"novelty": 0.2, "foreign_tags": 0.01})

    def defers(probabilities: list[float], novelty: float = 1.0, foreign: float = -0.5) -> bool:
        evidence = {"confidence": max(probabilities), "novelty": novelty, "foreign_tags": foreign}
        return deferral.defers(np.array(probabilities), Verdict("genre", "rock", "rock", 0.6, "", evidence), policy)

    assert not defers([0.6, 0.3, 0.1])
    assert defers([0.45, 0.4, 0.15])  # two genres within the twin's error
    assert defers([0.6, 0.3, 0.1], novelty=1.85) and defers([0.6, 0.3, 0.1], novelty=3.1)  # either threshold
    assert not defers([0.6, 0.3, 0.1], novelty=2.5)
    assert defers([0.6, 0.3, 0.1], foreign=0.055) and not defers([0.6, 0.3, 0.1], foreign=0.07)


def test_a_deferral_must_cover_every_threshold_of_the_verdict(tmp_path: Path) -> None:
    twin = tmp_path / "m-int8.onnx"
    shutil.copy(first_model(), twin)
    sidecar = json.loads(first_model().with_suffix(".json").read_text())
    sidecar["verdict"] = {"temperature": 1.0, "unknown_novelty": 2.0, "chosen_on": "tests"}
    sidecar["model"]["precision"] = {"defer": {"margin": 0.1, "evidence": {"foreign_tags": 0.01}}}
    twin.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(ModelError, match=r"no tolerance for \['novelty'\]"):
        Deferral.of(load_manifest(twin))


def test_a_model_rewritten_to_run_faster_keeps_its_id_and_is_timed_again(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("onnx", reason="rewriting a graph needs the 'train' extra (onnx)")
    from musictagger.training.export import streamline_model

    model, twin = pair
    monkeypatch.setenv(PRECISION_ENV_VAR, "auto")
    fastest_variant(model)
    ids = measured_pair(twin)
    assert any(streamline_model(model).values())  # the first model was written before the rewrites
    assert measured_pair(twin) == ids  # the same function: the agreement recorded with these ids holds
    fastest_variant(model)
    assert len(json.loads((cache_dir() / "precision.json").read_text())) == 2  # but its speed is measured anew
