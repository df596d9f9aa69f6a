"""A personal head: the user's own labels predicted from a track's embedding, with numpy alone.

``musictagger learn`` fits it (scikit-learn, :mod:`musictagger.personal.learn`) and stores its
arrays; using it needs only this module: standardise the embedding, a linear layer, a softmax
at the calibration temperature, and the verdict — the best label, or "not one of my labels"
when its calibrated probability is below the threshold chosen by cross-validation.  A track
the base model calls "not music" stays "not music": the base model's detector knows what music
is, the head only knows the user's labels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from musictagger.errors import ModelError
from musictagger.model.verdict import NOT_MUSIC, Verdict, not_one_of, softmax


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
        """Calibrated label probabilities ``(n, n_labels)``."""
        return softmax(self.logits(embeddings) / self.temperature)

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
        evidence = {"confidence": confidence}
        if base is not None and base.reason == NOT_MUSIC:
            return Verdict("unknown", None, nearest, confidence, NOT_MUSIC, evidence)
        if confidence < self.threshold:
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
        }

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
            )
        except KeyError as exc:
            raise ModelError(f"personal model {name!r} lacks {exc.args[0]!r}: it is damaged; learn it again") from exc


def linear_logits(
    embeddings: np.ndarray, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """The head's linear layer on standardised embeddings: ``((x − mean) / scale) · W + b``."""
    return ((embeddings - mean) / scale) @ weights + bias
