"""The list of personal models (``musictagger models``, its JSON, the Models dialog) reads each sidecar once."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from musictagger.atomic_write import temporary_path
from musictagger.cli.main import main
from musictagger.model.head import PersonalHead
from musictagger.personal import store
from musictagger.personal.vocabulary import current_model_id


def save(name: str, base_model_id: str) -> None:
    """A personal model of two labels over ``base_model_id``, as learn saves one (its head's weights zero)."""
    head = PersonalHead(
        name, ("Calm", "Loud"), np.zeros(4), np.ones(4), np.zeros((4, 2)), np.zeros(2), 1.0, 0.5, base_model_id
    )
    sidecar = {
        "field": "genre",
        "labels": ["Calm", "Loud"],
        "counts": {"Calm": 10, "Loud": 12},
        "metrics": {"accuracy": 0.8, "macro_f1": 0.75},
        "base_model_id": base_model_id,
        "created": "2026-01-02T03:04:05+00:00",
    }
    store.save_model(head, sidecar)


def test_the_models_listing_reads_each_sidecar_once(opened: Counter[str], capsys: pytest.CaptureFixture[str]) -> None:
    """list_models and damaged_models each read every sidecar: `models`, its JSON and the Models dialog read them
    all twice."""
    base = current_model_id()
    for name in ("first", "second"):
        save(name, base)
    (store.models_dir() / "broken.json").write_text('{"field": "genre"')
    capsys.readouterr()
    opened.clear()

    assert main(["models", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)

    assert [model["name"] for model in document["personal"]] == ["first", "second"]
    assert [damaged["name"] for damaged in document["damaged"]] == ["broken"]
    assert {name: opened[name] for name in ("first.json", "second.json", "broken.json")} == {
        "first.json": 1,
        "second.json": 1,
        "broken.json": 1,
    }


def test_a_save_under_way_or_killed_is_not_listed_as_a_damaged_model(capsys: pytest.CaptureFixture[str]) -> None:
    """A sidecar being written goes to a hidden temporary file beside it (atomic_write.temporary_path), which a save
    killed outright leaves: the listing took it for a damaged model named '.mine.PID-THREAD.partial'."""
    save("mine", current_model_id())
    sidecar = store.models_dir() / "mine.json"
    temporary_path(sidecar).write_text('{"field": "gen')  # a save cut off mid-write
    capsys.readouterr()

    assert main(["models", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)

    assert [model["name"] for model in document["personal"]] == ["mine"] and document["damaged"] == []
