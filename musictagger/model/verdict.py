"""From the model's raw outputs to a verdict a user can trust: a calibrated genre, or "unknown".

A classifier over four genres always picks one of them; this module is where the app stops
pretending.  The sidecar's ``verdict`` section (a :class:`VerdictPolicy`) says how:

1. **Calibration.** Window probabilities are temperature-scaled, ``softmax(log p / T)``, with
   ``T`` fitted on the validation split (never on test), then averaged over the track's
   windows.  This equals scaling the logits, since ``log softmax(z)`` differs from ``z`` by a
   constant, so it needs no change to the exported graph.
2. **Not music.** The model's ``novelty`` output (distance of the track's backbone features
   to the training music, see the training package) above ``not_music_novelty`` means the
   input is unlike any music the model knows: speech, noise, tones, hum.
3. **Not one of my genres.** Music that is too novel (``unknown_novelty``), whose backbone tags
   say it belongs to a genre the model does not know (``foreign_tags``), or whose calibrated
   best probability is below ``min_confidence`` gets no genre.

A model without a ``verdict`` section (the first, paper-configuration model) gets the
identity policy: uncalibrated, and never "unknown".
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from musictagger.errors import ModelError

VerdictKind = Literal["genre", "unknown"]
NOT_MUSIC = "not music"
UNKNOWN = "unknown"


@functools.lru_cache(maxsize=8)
def _positions(names: tuple[str, ...]) -> dict[str, int]:
    """Each name's position in ``names``: made once per tag vocabulary, where a policy search scores a track's
    tags for each of thousands of policies."""
    return {name: i for i, name in enumerate(names)}


@dataclass(frozen=True)
class ForeignTags:
    """Backbone tags that are evidence for a genre the model does not know.

    The score is the highest mean probability among ``foreign`` tags minus the highest among
    ``native`` ones (tags of the model's own genres); above ``threshold`` the track is unknown.
    """

    foreign: tuple[str, ...]
    native: tuple[str, ...]
    threshold: float

    def score(self, tags: np.ndarray, tag_names: tuple[str, ...]) -> float:
        index = _positions(tag_names)
        missing = [t for t in (*self.foreign, *self.native) if t not in index]
        if missing:
            raise ModelError(f"the verdict policy names tags the model does not output: {missing}")
        foreign = max(float(tags[index[t]]) for t in self.foreign)
        native = max((float(tags[index[t]]) for t in self.native), default=0.0)
        return foreign - native


@dataclass(frozen=True)
class VerdictPolicy:
    """The sidecar's ``verdict`` section: calibration and the "unknown" detector's thresholds.

    ``None`` disables a check.  ``chosen_on`` records the data each threshold was chosen on,
    for the user who asks why.
    """

    temperature: float = 1.0
    min_confidence: float = 0.0
    not_music_novelty: float | None = None
    unknown_novelty: float | None = None
    foreign_tags: ForeignTags | None = None
    chosen_on: str = ""

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ModelError(f"verdict temperature must be positive, got {self.temperature}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> VerdictPolicy:
        if not data:
            return cls()
        body = dict(data)
        tags = body.get("foreign_tags")
        if tags is not None:
            body["foreign_tags"] = ForeignTags(
                foreign=tuple(tags["foreign"]), native=tuple(tags["native"]), threshold=float(tags["threshold"])
            )
        optional = ("not_music_novelty", "unknown_novelty")  # None: that check is off
        for name in ("temperature", "min_confidence", *optional):  # a hand edit's "0.5" was a TypeError at analysis
            if name not in body or (name in optional and body[name] is None):
                continue
            if isinstance(body[name], bool) or not isinstance(body[name], int | float):
                raise ModelError(f"malformed verdict policy: {name} must be a number, got {body[name]!r}")
        try:
            return cls(**body)
        except TypeError as exc:
            raise ModelError(f"malformed verdict policy: {exc}") from exc

    def boundaries(self) -> dict[str, tuple[float, ...]]:
        """Where the verdict changes: per value of :attr:`Verdict.evidence` (``novelty``, ``foreign_tags``,
        ``confidence``), the thresholds :func:`decide` compares it with."""
        novelty = tuple(t for t in (self.not_music_novelty, self.unknown_novelty) if t is not None)
        found: dict[str, tuple[float, ...]] = {"novelty": novelty} if novelty else {}
        if self.foreign_tags is not None:
            found["foreign_tags"] = (self.foreign_tags.threshold,)
        if self.min_confidence > 0:
            found["confidence"] = (self.min_confidence,)
        return found

    @property
    def detects_unknown(self) -> bool:
        return bool(self.boundaries())


@dataclass(frozen=True)
class Verdict:
    """What the model says about a track, in the words the user sees.

    ``genre`` is ``None`` for an unknown verdict; ``nearest`` is always the most probable of
    the model's genres (shown greyed beside "not one of my genres"); ``reason`` says why a
    track is unknown: ``"not music"`` or ``"not one of: classical, electronic, pop, rock"``.
    """

    kind: VerdictKind
    genre: str | None
    nearest: str
    confidence: float
    reason: str = ""
    evidence: dict[str, float] = field(default_factory=dict)

    @property
    def unknown(self) -> bool:
        """Whether the verdict is "not one of my genres" or "not music" (``kind`` is ``"unknown"``)."""
        return self.kind == "unknown"

    @property
    def label(self) -> str:
        """The verdict in a table cell: the genre, ``unknown`` or ``not music``."""
        return verdict_label(self.genre, self.reason)

    def words(self, field: str = "genre") -> str:
        """The verdict as the window says it: the genre, ``not music`` or ``not one of my genres`` (in the words
        of a model of ``field``: :func:`not_one_of_mine`)."""
        return verdict_words(self.genre, self.reason, field)


def verdict_label(genre: str | None, reason: str) -> str:
    """The genre, or for a track without one ``not music`` / ``unknown`` (by its ``reason``).

    Shared by :attr:`Verdict.label` and the library's counts, which group rows in SQL.
    """
    if genre is not None:
        return genre
    return NOT_MUSIC if reason == NOT_MUSIC else UNKNOWN


def verdict_words(genre: str | None, reason: str, field: str = "genre") -> str:
    """The genre, ``not music`` or ``not one of my genres`` (a model of ``field``'s words): the verdict as the
    window and the library's table say it."""
    label = verdict_label(genre, reason)
    return not_one_of_mine(field) if label == UNKNOWN else label


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def calibrate(window_probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature-scaled probabilities ``(n_windows, n_classes)``: ``softmax(log p / T)``."""
    return softmax(np.log(np.clip(window_probabilities.astype(np.float64), 1e-12, 1.0)) / temperature)


FIELD_WORDS = {"genre": "genres", "mood": "moods"}
"""How the unknown verdict names a field's values; any other field's are "labels"."""


def not_one_of_mine(field: str = "genre") -> str:
    """The unknown verdict in words, for a model whose labels are values of ``field``: ``not one of my genres``,
    ``not one of my moods``, ``not one of my labels``.  Every place that shows the verdict says it this way."""
    return f"not one of my {FIELD_WORDS.get(field, 'labels')}"


NOT_ONE_OF_PREFIX = "not one of: "


def not_one_of(labels: tuple[str, ...]) -> str:
    """The reason given for music outside the model's vocabulary."""
    return NOT_ONE_OF_PREFIX + ", ".join(labels)


def reason_sentence(reason: str) -> str:
    """Why there is no genre, in a sentence that does not repeat the verdict it explains (the window's line
    under the verdict, ``analyze``'s ``reason:``); the reason itself stays the JSON's."""
    if reason == NOT_MUSIC:
        return "It does not sound like music to the model (speech, noise, tones and hum come out so)."
    if reason.startswith(NOT_ONE_OF_PREFIX):
        return f"The model knows only {reason.removeprefix(NOT_ONE_OF_PREFIX)}; this sounds like none of them."
    return reason


def decide(
    probabilities: np.ndarray,
    *,
    labels: tuple[str, ...],
    policy: VerdictPolicy,
    novelty: float | None = None,
    tags: np.ndarray | None = None,
    tag_names: tuple[str, ...] = (),
) -> Verdict:
    """The verdict for one track from its calibrated probabilities and the detector's evidence.

    ``novelty`` and ``tags`` are the track's (window-averaged) ``novelty`` and ``tags``
    outputs; a policy that needs one the model does not provide is a :class:`ModelError`.
    """
    best = int(np.argmax(probabilities))
    nearest, confidence = labels[best], float(probabilities[best])
    evidence: dict[str, float] = {"confidence": confidence}
    if policy.not_music_novelty is not None or policy.unknown_novelty is not None:
        if novelty is None:
            raise ModelError("the verdict policy needs the model's 'novelty' output, which this model lacks")
        evidence["novelty"] = float(novelty)
    if policy.foreign_tags is not None:
        if tags is None:
            raise ModelError("the verdict policy needs the model's 'tags' output, which this model lacks")
        evidence["foreign_tags"] = policy.foreign_tags.score(tags, tag_names)

    def unknown(reason: str) -> Verdict:
        return Verdict("unknown", None, nearest, confidence, reason, evidence)

    if policy.not_music_novelty is not None and evidence["novelty"] > policy.not_music_novelty:
        return unknown(NOT_MUSIC)
    if policy.unknown_novelty is not None and evidence["novelty"] > policy.unknown_novelty:
        return unknown(not_one_of(labels))
    if policy.foreign_tags is not None and evidence["foreign_tags"] > policy.foreign_tags.threshold:
        return unknown(not_one_of(labels))
    if confidence < policy.min_confidence:
        return unknown(not_one_of(labels))
    return Verdict("genre", nearest, nearest, confidence, "", evidence)
