"""Calibration and the choice of the unknown detector's thresholds.

* :func:`fit_temperature` — the temperature minimising the negative log-likelihood of the
  validation tracks' labels, with probabilities aggregated over windows exactly as the app
  aggregates them (:func:`musictagger.model.verdict.calibrate`, then the mean).
* :func:`choose_policy` — a grid search over the detector's thresholds (for "not music": high
  quantiles of real music's novelty, so a few unusual recordings may be refused too), each policy judged by
  running the app's own :func:`musictagger.model.verdict.decide` on every track: in-vocabulary
  music (validation split, the dev set's rock/metal/pop) should keep a genre, the dev set's
  other genres and generated non-music should not.  Generated non-music must all be refused
  and 90% of the validation split must keep its genre; among the policies that do (or, if
  none does, among all: ``feasible`` in the result says which), the one that calls the fewest
  music tracks "not music", then the one with the best balanced accuracy on the dev set, wins.  The thresholds are thus *chosen on*
  the dev set, and the report says so.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from musictagger.evaluation.calibration import negative_log_likelihood
from musictagger.model.verdict import NOT_MUSIC, ForeignTags, Verdict, VerdictPolicy, calibrate, decide

MIN_VALID_KEPT = 0.9

# Backbone tags that name a genre outside the model's four (foreign) or inside them (native),
# per tag vocabulary.  Chosen by what the tags mean, before looking at any score.
GENRE_TAGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "msd": (
        ("jazz", "blues", "Hip-Hop", "country", "soul", "rnb", "funk", "folk"),
        (
            "rock",
            "pop",
            "electronic",
            "metal",
            "classic rock",
            "hard rock",
            "heavy metal",
            "indie rock",
            "alternative rock",
            "punk",
            "electronica",
            "electro",
            "House",
            "indie pop",
            "dance",
            "ambient",
        ),
    ),
    "mtt": (("country", "indian", "sitar"), ("classical", "techno", "electronic", "rock", "pop", "metal", "dance")),
}


def tag_vocabulary(tag_names: tuple[str, ...]) -> str:
    """``msd`` or ``mtt``: which musicnn tag set a backbone's tag head outputs."""
    return "msd" if "Hip-Hop" in tag_names else "mtt"


TEMPERATURES = np.exp(np.linspace(np.log(0.1), np.log(20.0), 400))


@dataclass(frozen=True)
class EvidenceSet:
    """Per-track model outputs of one set of tracks, and what each should be called.

    ``expected[i]`` is the genre track ``i`` should get, ``None`` if it should get none.
    """

    name: str
    window_probabilities: list[np.ndarray]
    novelty: np.ndarray
    tags: np.ndarray
    expected: list[str | None]
    _calibrated: dict[float, list[np.ndarray]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of_windows(
        cls,
        name: str,
        window_probabilities: list[np.ndarray],
        window_novelty: list[np.ndarray],
        window_tags: list[np.ndarray],
        expected: list[str | None],
    ) -> EvidenceSet:
        """From each track's per-window outputs, its evidence as the app makes it: the mean novelty and
        the mean tags over its windows (the probabilities stay per window: they are calibrated first)."""
        return cls(
            name=name,
            window_probabilities=window_probabilities,
            novelty=np.array([float(n.mean()) for n in window_novelty]),
            tags=np.stack([t.mean(axis=0) for t in window_tags]),
            expected=expected,
        )

    def track_probabilities(self, temperature: float) -> list[np.ndarray]:
        """Each track's window probabilities calibrated with ``temperature`` and averaged, as the app does;
        computed once per temperature, since a policy search decides thousands of policies with one."""
        if temperature not in self._calibrated:
            self._calibrated[temperature] = [calibrate(p, temperature).mean(axis=0) for p in self.window_probabilities]
        return self._calibrated[temperature]

    def verdicts(self, policy: VerdictPolicy, labels: tuple[str, ...], tag_names: tuple[str, ...]) -> list[Verdict]:
        return [
            decide(p, labels=labels, policy=policy, novelty=float(n), tags=t, tag_names=tag_names)
            for p, n, t in zip(self.track_probabilities(policy.temperature), self.novelty, self.tags, strict=True)
        ]


@dataclass(frozen=True)
class Outcome:
    """How a policy treats one :class:`EvidenceSet`."""

    name: str
    tracks: int
    kept: int  # got a genre
    correct: int  # got the expected genre
    refused: int  # got no genre
    refused_correctly: int  # got none and should get none
    not_music: int  # called "not music"
    should_refuse: int

    @property
    def kept_share(self) -> float:
        return self.kept / max(self.tracks - self.should_refuse, 1) if self.should_refuse < self.tracks else 0.0


def outcome(evidence: EvidenceSet, verdicts: list[Verdict]) -> Outcome:
    should_refuse = sum(e is None for e in evidence.expected)
    return Outcome(
        name=evidence.name,
        tracks=len(verdicts),
        kept=sum(not v.unknown and e is not None for v, e in zip(verdicts, evidence.expected, strict=True)),
        correct=sum(v.genre == e and e is not None for v, e in zip(verdicts, evidence.expected, strict=True)),
        refused=sum(v.unknown for v in verdicts),
        refused_correctly=sum(v.unknown and e is None for v, e in zip(verdicts, evidence.expected, strict=True)),
        not_music=sum(v.reason == NOT_MUSIC for v in verdicts),
        should_refuse=should_refuse,
    )


def fit_temperature(window_probabilities: list[np.ndarray], labels: np.ndarray) -> float:
    """Temperature minimising the validation NLL of window-averaged calibrated probabilities."""

    def nll(temperature: float) -> float:
        track = np.stack([calibrate(p, temperature).mean(axis=0) for p in window_probabilities])
        return negative_log_likelihood(track, labels)

    losses = [nll(t) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def not_music_candidates(music: list[EvidenceSet], non_music: EvidenceSet) -> list[float]:
    """Novelty thresholds for "not music": high quantiles of real music's novelty, and, when every
    non-music sound is more novel than every music track, the geometric midpoint between them."""
    music_novelty = np.concatenate([e.novelty for e in music])
    candidates = np.quantile(music_novelty, [0.9, 0.95, 0.98, 0.99]).tolist()
    loudest_music, quietest_noise = float(music_novelty.max()), float(non_music.novelty.min())
    if quietest_noise > loudest_music:
        candidates.append(float(np.sqrt(loudest_music * quietest_noise)))
    return candidates


@dataclass(frozen=True)
class PolicyChoice:
    policy: VerdictPolicy
    outcomes: dict[str, Outcome]
    candidates: int
    feasible: int


def choose_policy(
    *,
    temperature: float,
    valid: EvidenceSet,
    dev: EvidenceSet,
    non_music: EvidenceSet,
    labels: tuple[str, ...],
    tag_names: tuple[str, ...],
    foreign: tuple[str, ...],
    native: tuple[str, ...],
    chosen_on: str,
    min_valid_kept: float = MIN_VALID_KEPT,
) -> PolicyChoice:
    """The detector's thresholds, by grid search (see the module docstring); a policy is feasible when it
    refuses every generated non-music sound and leaves a genre to ``min_valid_kept`` of the validation split."""
    music = [valid, dev]
    novelty_values = np.concatenate([e.novelty for e in music])
    novelty_candidates = [None, *np.quantile(novelty_values, np.linspace(0.5, 1.0, 11)).tolist()]
    foreign_candidates: list[float | None] = [None]
    if foreign:
        probe = ForeignTags(foreign, native, 0.0)
        scores = np.array([probe.score(t, tag_names) for e in music for t in e.tags])
        foreign_candidates += np.quantile(scores, np.linspace(0.3, 1.0, 21)).tolist()
    confidence_candidates = [0.0, 0.4, 0.5, 0.55, 0.6, 0.7]

    best: tuple[tuple[float, ...], VerdictPolicy, dict[str, Outcome]] | None = None
    candidates = feasible = 0
    for not_music, unknown_novelty, foreign_threshold, min_confidence in itertools.product(
        not_music_candidates(music, non_music), novelty_candidates, foreign_candidates, confidence_candidates
    ):
        candidates += 1
        policy = VerdictPolicy(
            temperature=temperature,
            min_confidence=min_confidence,
            not_music_novelty=not_music,
            unknown_novelty=unknown_novelty,
            foreign_tags=None if foreign_threshold is None else ForeignTags(foreign, native, foreign_threshold),
            chosen_on=chosen_on,
        )
        outcomes = {e.name: outcome(e, e.verdicts(policy, labels, tag_names)) for e in (valid, dev, non_music)}
        noise = outcomes[non_music.name]
        meets_constraints = noise.refused == noise.tracks and outcomes[valid.name].kept_share >= min_valid_kept
        feasible += meets_constraints
        dev_outcome = outcomes[dev.name]
        balanced = dev_outcome.refused_correctly / max(dev_outcome.should_refuse, 1) + dev_outcome.kept_share
        rules = sum(x is not None and x != 0.0 for x in (unknown_novelty, foreign_threshold, min_confidence))
        music_called_noise = outcomes[valid.name].not_music + dev_outcome.not_music
        score = (meets_constraints, -music_called_noise, balanced, outcomes[valid.name].kept_share, -rules)
        if best is None or score > best[0]:
            best = (score, policy, outcomes)
    assert best is not None  # the grid is never empty
    return PolicyChoice(policy=best[1], outcomes=best[2], candidates=candidates, feasible=feasible)
