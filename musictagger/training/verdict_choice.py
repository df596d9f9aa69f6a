"""Choosing an exported model's verdict thresholds again, from what the app computes.

Training chooses the unknown detector's thresholds (:func:`~musictagger.training.calibration.choose_policy`)
on the cached backbone outputs of the validation split, the dev set and generated non-music.  This
module makes the same choice for a model already exported, from the ONNX model's own outputs on the
windows the app analyses (window probabilities, novelty and backbone tags, through
:meth:`~musictagger.model.runtime.GenreModel.run`), keeping the temperature fitted at training.  It
is how a shipped model's floor of validation tracks that must keep a genre
(``min_valid_kept``) is changed without training it again.

:func:`write_policy` puts the chosen policy into the model's sidecar and into its int8 twin's (which
shares its float32 model's policy), leaving everything else as it was.  Both models' ``model_id``
then changes, so the library analyses its tracks again; the metrics the sidecars record are those of
the previous policy until ``musictagger evaluate --record`` measures them again.

Needs no torch: the model runs in onnxruntime.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from musictagger.audio.frontend import features_from_file, features_from_signal
from musictagger.collection import Collection
from musictagger.errors import ModelError
from musictagger.evaluation.devset import DevClip, spelt_for
from musictagger.evaluation.nonmusic import CHOICE_RATE, CHOICE_SEED, non_music
from musictagger.model.manifest import load_manifest, save_sidecars, sidecar_path
from musictagger.model.precision import Deferral, int8_twin
from musictagger.model.runtime import GenreModel
from musictagger.model.verdict import VerdictPolicy
from musictagger.training.calibration import (
    GENRE_TAGS,
    EvidenceSet,
    Outcome,
    PolicyChoice,
    choose_policy,
    outcome,
    tag_vocabulary,
)


def evidence_of(model: GenreModel, name: str, windows: Sequence[np.ndarray], expected: list[str | None]) -> EvidenceSet:
    """The model's outputs on each item's log-mel ``windows`` (raw window probabilities, mean novelty and tags)."""
    outputs = [model.run(w) for w in windows]
    if any(o.novelty is None or o.tags is None for o in outputs):
        raise ModelError(f"{model.path}: no unknown detector (no novelty or tags output) to choose thresholds for")
    return EvidenceSet.of_windows(
        name, [o.probabilities for o in outputs], [o.novelty for o in outputs], [o.tags for o in outputs], expected
    )


def choice_sounds() -> list[tuple[str, np.ndarray]]:
    """The generated non-music a policy is chosen on, as in training: seed :data:`CHOICE_SEED`, rendered at the model's
    :data:`CHOICE_RATE`, not at the rate the evaluation renders its own at."""
    return non_music(CHOICE_SEED, sr=CHOICE_RATE)


def model_evidence(
    model: GenreModel,
    collection: Collection,
    dev_clips: Sequence[DevClip],
    sounds: Sequence[tuple[str, np.ndarray]],
    *,
    on_item: Callable[[], None] = lambda: None,
) -> tuple[EvidenceSet, EvidenceSet, EvidenceSet]:
    """Evidence on the validation split, the dev set and the generated non-music ``sounds``
    (:func:`choice_sounds`), each item analysed through the model's front end with the sidecar's
    windows per track."""
    params, n_windows = model.manifest.front_end, model.manifest.windows_per_track

    def of_file(path: Path) -> np.ndarray:
        on_item()
        return features_from_file(path, params=params, n_windows=n_windows).windows

    def of_signal(y: np.ndarray) -> np.ndarray:
        on_item()
        return features_from_signal(y, sr=CHOICE_RATE, params=params, n_windows=n_windows).windows

    to_model = collection.model_label_indices(model.labels)  # before any item is analysed
    valid_tracks = collection.tracks("valid")
    valid = evidence_of(
        model, "valid", [of_file(t.path) for t in valid_tracks], [model.labels[to_model[t.label]] for t in valid_tracks]
    )
    dev_clips = spelt_for(dev_clips, model.labels)
    dev = evidence_of(model, "dev", [of_file(c.path) for c in dev_clips], [c.expected for c in dev_clips])
    noise = evidence_of(model, "non-music", [of_signal(y) for _, y in sounds], [None] * len(sounds))
    return valid, dev, noise


def choose_again(
    model: GenreModel,
    evidence: tuple[EvidenceSet, EvidenceSet, EvidenceSet],
    *,
    min_valid_kept: float,
    chosen_on: str,
) -> PolicyChoice:
    """The policy :func:`choose_policy` picks on ``evidence`` (valid, dev, non-music) with the model's temperature."""
    valid, dev, noise = evidence
    tag_names = model.manifest.tag_names
    foreign, native = GENRE_TAGS[tag_vocabulary(tag_names)]
    return choose_policy(
        temperature=model.policy.temperature,
        valid=valid,
        dev=dev,
        non_music=noise,
        labels=model.labels,
        tag_names=tag_names,
        foreign=foreign,
        native=native,
        chosen_on=chosen_on,
        min_valid_kept=min_valid_kept,
    )


def dev_folds(dev_clips: Sequence[DevClip]) -> np.ndarray:
    """Two folds of the dev set, 0 or 1 per clip: alternate clips of each genre, so both hold every genre."""
    seen: dict[str, int] = {}
    folds = []
    for clip in dev_clips:
        folds.append(seen.get(clip.genre, 0) % 2)
        seen[clip.genre] = seen.get(clip.genre, 0) + 1
    return np.array(folds)


def _rows(evidence: EvidenceSet, rows: np.ndarray) -> EvidenceSet:
    return replace(
        evidence,
        window_probabilities=[evidence.window_probabilities[i] for i in rows],
        novelty=evidence.novelty[rows],
        tags=evidence.tags[rows],
        expected=[evidence.expected[i] for i in rows],
    )


def held_out_dev(
    model: GenreModel,
    evidence: tuple[EvidenceSet, EvidenceSet, EvidenceSet],
    folds: np.ndarray,
    *,
    min_valid_kept: float,
) -> Outcome:
    """The dev set as thresholds chosen without it would treat it: for each fold, the policy chosen with the
    other fold as the dev set (and the same validation split and non-music), counted on this fold; the two
    folds' counts added.  The thresholds are otherwise chosen on the dev set, so its own figures are not
    held out; these are."""
    valid, dev, noise = evidence
    parts = []
    for fold in (0, 1):
        chosen_on, counted = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        choice = choose_again(model, (valid, _rows(dev, chosen_on), noise), min_valid_kept=min_valid_kept, chosen_on="")
        part = _rows(dev, counted)
        parts.append(outcome(part, part.verdicts(choice.policy, model.labels, model.manifest.tag_names)))
    counts = {f.name: sum(getattr(p, f.name) for p in parts) for f in fields(Outcome) if f.name != "name"}
    return Outcome(name="dev, held out", **counts)


def write_policy(model_path: Path, policy: VerdictPolicy) -> list[Path]:
    """Put ``policy`` into the sidecar of ``model_path`` and of its int8 twin, if there is one; returns the
    sidecars rewritten.  Both new sidecars are checked first (a twin must still have a deferral tolerance
    for every threshold of the policy, or it would no longer load), and written together
    (:func:`~musictagger.model.manifest.save_sidecars`), so either both are written or neither: one after the other,
    a failed or stopped second write left the float32 model with the new policy and its twin with the old."""
    twin = int8_twin(model_path)
    updated = {
        sidecar_path(path): replace(load_manifest(path), verdict=policy.to_dict())
        for path in (model_path, *([twin] if twin is not None else []))
    }
    for manifest in updated.values():
        Deferral.of(manifest)  # raises ModelError if the twin's tolerances do not cover the new thresholds
    save_sidecars(updated)
    return list(updated)
