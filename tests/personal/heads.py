"""Personal models made by hand, without learning, for tests that need one saved in the user dirs: a head whose
proposals are the same whatever it hears."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musictagger.library.store import AnalysisKey
from musictagger.model.head import PersonalHead
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import GenreModel
from musictagger.personal import store

MOODS = ("calm", "happy")


def save_head(
    base_model: Path,
    heard: Path,
    name: str,
    field: str,
    labels: Sequence[str],
    *,
    threshold: float,
    tracks_each: int,
    bias: np.ndarray | None = None,
    accuracy: float = 0.5,
    created: str = "now",
) -> None:
    """A personal model ``name`` of ``labels`` (values of ``field``) over the model at ``base_model``, saved in the
    user dirs of this process's environment and not made active: its weights are zero, so its probabilities are the
    softmax of ``bias`` (equal odds without one) whatever it hears, and its best reaches ``threshold`` always or
    never (``heard`` gives the embedding's size; ``tracks_each``, ``accuracy`` and ``created`` what its sidecar
    says it learnt from)."""
    size = GenreModel(base_model).analyze_file(heard).embedding.shape[0]
    count = len(labels)
    head = PersonalHead(
        name,
        tuple(labels),
        np.zeros(size),
        np.ones(size),
        np.zeros((size, count)),
        np.zeros(count) if bias is None else bias,
        1.0,
        threshold,
        AnalysisKey.of(load_manifest(base_model), None).model_id,
    )
    sidecar = {
        "field": field,
        "labels": list(labels),
        "counts": dict.fromkeys(labels, tracks_each),
        "metrics": {"accuracy": accuracy, "macro_f1": 0.5},
        "base_model_id": head.base_model_id,
        "created": created,
    }
    store.save_model(head, sidecar)


def save_mood_model(base_model: Path, heard: Path) -> None:
    """A personal model "moods" of :data:`MOODS` over the model at ``base_model``: equal odds for both moods, below a
    threshold nothing reaches, so its verdict is always unknown."""
    save_head(base_model, heard, "moods", "mood", MOODS, threshold=1.01, tracks_each=10)
