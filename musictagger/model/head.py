"""A personal head: the user's own labels predicted from a track's embedding, with numpy alone.

``musictagger learn`` fits it (scikit-learn, :mod:`musictagger.personal.learn`) and stores its
arrays; using it needs only this module: standardise the embedding, a linear layer, a softmax
at the calibration temperature, and the verdict — the best label, or "not one of my labels"
when its calibrated probability is below the threshold chosen by cross-validation.  A track
the base model calls "not music" stays "not music": the base model's detector knows what music
is, the head only knows the user's labels.

A linear head extrapolates: music unlike every label it learnt lands far from all of them and still
gets one label at 1.00.  So the head also keeps where its training tracks lie (their standardised
embeddings projected on their main directions, or prototypes of them) and a radius chosen by
cross-validation: the distance from a tagged track of an artist it did not learn from to its nearest
training track, not exceeded by 95 % of them.  A track farther than that is unfamiliar: its
probabilities are scaled by its familiarity ``(radius / distance)²`` and so sum to less than one (the
rest is "none of my labels"), and its verdict is "not one of my labels" whatever its best label.
Probabilities alone carry this, so a verdict can be decided from them (:meth:`PersonalHead.decide`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from musictagger.errors import ModelError
from musictagger.model.verdict import NOT_MUSIC, Verdict, not_one_of, softmax

UNFAMILIAR_BELOW = 1.0 - 1e-6
"""Probabilities summing to less than this are a track beyond the training tracks (rounding aside)."""


@dataclass(frozen=True, eq=False)
class PersonalHead:
    """A trained head: ``labels`` in the user's spelling, the standardisation, the linear layer
    ``(d, n_labels)``, the temperature and the unknown threshold, and the base model it reads.

    ``field`` is the tag field its labels are values of (``genre``, ``mood`` …); it lives in the
    model's sidecar, not its arrays (:func:`musictagger.personal.store.active_head` sets it)."""

    name: str
    labels: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    temperature: float
    threshold: float
    base_model_id: str
    field: str = "genre"
    novelty_basis: np.ndarray | None = None
    """``(d, k)``: standardised embedding → the space where familiarity is measured; None: no novelty check
    (a model learnt before it had one)."""
    novelty_references: np.ndarray | None = None
    """``(m, k)``: the training tracks (or prototypes of them) in that space."""
    novelty_radius: float = 0.0
    """Beyond this distance from every reference a track is unfamiliar."""

    @cached_property
    def identity(self) -> str:
        """Which head this is, weights and all: a model learnt again under the same name is another head
        (the library keeps its verdicts under this, :meth:`musictagger.library.Library.judge`)."""
        digest = hashlib.sha256()
        for name, array in sorted(self.to_arrays().items()):
            digest.update(name.encode() + np.ascontiguousarray(array).tobytes())
        return f"{self.model_id}@{digest.hexdigest()[:16]}"

    @property
    def model_id(self) -> str:
        """How analyses by the base model read through this head are labelled."""
        return f"{self.base_model_id}+personal-{self.name}"

    @property
    def dimension(self) -> int:
        """The length of the embedding the head reads (its base model's)."""
        return int(self.mean.shape[0])

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        """Uncalibrated scores ``(n, n_labels)`` of embeddings ``(n, d)``."""
        embeddings = np.asarray(embeddings, dtype=np.float64)
        if embeddings.shape[-1] != self.dimension:
            raise ModelError(
                f"personal model {self.name!r} reads {self.dimension}-value embeddings, got {embeddings.shape[-1]}: "
                "it was trained on another base model's index"
            )
        return linear_logits(embeddings, self.mean, self.scale, self.weights, self.bias)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated label probabilities ``(n, n_labels)``, scaled by each track's :meth:`familiarity`."""
        embeddings = np.asarray(embeddings, dtype=np.float64)
        probabilities = softmax(self.logits(embeddings) / self.temperature)
        return probabilities * self.familiarity(embeddings)[:, None]

    def distances(self, embeddings: np.ndarray) -> np.ndarray:
        """Each embedding's distance ``(n,)`` to the nearest training reference (zeros without a novelty check)."""
        embeddings = np.asarray(embeddings, dtype=np.float64)
        if self.novelty_basis is None or self.novelty_references is None:
            return np.zeros(len(embeddings))
        points = ((embeddings - self.mean) / self.scale) @ self.novelty_basis
        return nearest_distances(points, self.novelty_references)

    def familiarity(self, embeddings: np.ndarray) -> np.ndarray:
        """1 within :attr:`novelty_radius` of a training reference, ``(radius / distance)²`` beyond it."""
        return familiarity_of(self.distances(embeddings), self.novelty_radius)

    def judge(self, embedding: np.ndarray, *, base: Verdict | None = None) -> tuple[np.ndarray, Verdict]:
        """One track's calibrated probabilities and verdict from its embedding ``(d,)``: what an analysis
        (:meth:`musictagger.model.runtime.Analysis.through`) or a stored one (``TrackAnalysis.through``)
        becomes through this head."""
        (probabilities,) = self.probabilities(np.asarray(embedding)[None])
        return probabilities, self.decide(probabilities, base=base)

    def decide(self, probabilities: np.ndarray, *, base: Verdict | None = None) -> Verdict:
        """The verdict on one track's calibrated ``probabilities`` (the base model's ``not music`` is kept)."""
        best = int(np.argmax(probabilities))
        nearest, confidence = self.labels[best], float(probabilities[best])
        familiarity = float(np.sum(probabilities))
        evidence = {"confidence": confidence, "familiarity": min(familiarity, 1.0)}
        if base is not None and base.reason == NOT_MUSIC:
            return Verdict("unknown", None, nearest, confidence, NOT_MUSIC, evidence)
        if confidence < self.threshold or familiarity < UNFAMILIAR_BELOW:
            return Verdict("unknown", None, nearest, confidence, not_one_of(self.labels), evidence)
        return Verdict("genre", nearest, nearest, confidence, "", evidence)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The head as named arrays (saved with ``numpy.savez``)."""
        return {
            "labels": np.array(self.labels),
            "mean": self.mean,
            "scale": self.scale,
            "weights": self.weights,
            "bias": self.bias,
            "temperature": np.array(self.temperature),
            "threshold": np.array(self.threshold),
            "base_model_id": np.array(self.base_model_id),
        } | (
            {}
            if self.novelty_basis is None or self.novelty_references is None
            else {
                "novelty_basis": self.novelty_basis,
                "novelty_references": self.novelty_references,
                "novelty_radius": np.array(self.novelty_radius),
            }
        )

    @classmethod
    def from_arrays(cls, name: str, arrays: dict[str, np.ndarray]) -> PersonalHead:
        try:
            return cls(
                name=name,
                labels=tuple(str(label) for label in arrays["labels"]),
                mean=np.asarray(arrays["mean"], dtype=np.float64),
                scale=np.asarray(arrays["scale"], dtype=np.float64),
                weights=np.asarray(arrays["weights"], dtype=np.float64),
                bias=np.asarray(arrays["bias"], dtype=np.float64),
                temperature=float(arrays["temperature"]),
                threshold=float(arrays["threshold"]),
                base_model_id=str(arrays["base_model_id"]),
                novelty_basis=_optional(arrays, "novelty_basis"),
                novelty_references=_optional(arrays, "novelty_references"),
                novelty_radius=float(arrays.get("novelty_radius", 0.0)),
            )
        except KeyError as exc:
            raise ModelError(f"personal model {name!r} lacks {exc.args[0]!r}: it is damaged; learn it again") from exc


def _optional(arrays: dict[str, np.ndarray], key: str) -> np.ndarray | None:
    return np.asarray(arrays[key], dtype=np.float64) if key in arrays else None


def nearest_distances(points: np.ndarray, references: np.ndarray, *, chunk: int = 4096) -> np.ndarray:
    """Euclidean distance ``(n,)`` from each of ``points`` ``(n, k)`` to the nearest of ``references`` ``(m, k)``."""
    squared = (references**2).sum(axis=1)
    found = np.empty(len(points))
    for start in range(0, len(points), chunk):
        block = points[start : start + chunk]
        d2 = (block**2).sum(axis=1)[:, None] + squared[None] - 2.0 * block @ references.T
        found[start : start + chunk] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return found


def familiarity_of(distances: np.ndarray, radius: float) -> np.ndarray:
    """1 for a distance within ``radius`` (every one when ``radius`` is 0: no novelty check), else ``(radius / distance)²``."""
    distances = np.asarray(distances, dtype=np.float64)
    if radius <= 0.0:
        return np.ones_like(distances)
    return np.minimum(1.0, (radius / np.maximum(distances, 1e-12)) ** 2)


def linear_logits(
    embeddings: np.ndarray, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """The head's linear layer on standardised embeddings: ``((x − mean) / scale) · W + b``."""
    return ((embeddings - mean) / scale) @ weights + bias
