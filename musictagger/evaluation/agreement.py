"""How far an int8 model's answers are from its float32 original's, track by track.

Both models analyse the very same front-end windows of each track, so every difference
is the quantisation's: the verdict (genre or unknown, and which genre), the unknown/genre
decision alone, what ``tag`` would write at its default threshold (the genre, or nothing: the
confidences differ, and a track near the threshold can be written by one model and not by the
other), and the Hamming distance between the two 64-bit codes.  For a twin that defers
near ties to its float32 model, the share of tracks it deferred is counted too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from musictagger.audio.frontend import features_from_file
from musictagger.errors import MusictaggerError
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.tagging.plan import DEFAULT_MIN_CONFIDENCE


@dataclass(frozen=True)
class Agreement:
    """Per-set agreement of two models; ``hamming`` counts tracks per distance in bits; ``deferred`` is the
    share of tracks the second model handed to its float32 model."""

    tracks: int
    same_verdict: float
    same_decision: float
    same_tag_decision: float
    median_hamming: float
    hamming: dict[int, int]
    failed: int
    deferred: float

    def to_dict(self) -> dict:
        return asdict(self)


def written_by_tag(analysis: Analysis) -> str | None:
    """The genre ``musictagger tag`` would write for ``analysis`` at its default threshold, or None."""
    if analysis.genre is None or analysis.confidence < DEFAULT_MIN_CONFIDENCE:
        return None
    return analysis.genre


def agreement(
    reference: GenreModel, other: GenreModel, tracks: list[Path], *, on_track: Callable[[int], None] | None = None
) -> Agreement:
    """Compare ``other`` with ``reference`` on ``tracks`` (a track the front end refuses is counted as failed)."""
    same_verdict = same_decision = same_tag_decision = failed = deferred = 0
    distances = []
    for done, track in enumerate(tracks, 1):
        try:
            features = features_from_file(
                track, params=reference.manifest.front_end, n_windows=reference.manifest.windows_per_track
            )
        except MusictaggerError:
            failed += 1
            continue
        a = reference.analyze_features(features, source=str(track))
        b = other.analyze_features(features, source=str(track))
        same_verdict += (a.verdict.kind, a.verdict.genre) == (b.verdict.kind, b.verdict.genre)
        same_decision += a.unknown == b.unknown
        same_tag_decision += written_by_tag(a) == written_by_tag(b)
        deferred += b.deferred
        distances.append(int(np.count_nonzero(a.bits != b.bits)))
        if on_track:
            on_track(done)
    n = len(distances)
    return Agreement(
        tracks=n,
        same_verdict=same_verdict / n if n else 0.0,
        same_decision=same_decision / n if n else 0.0,
        same_tag_decision=same_tag_decision / n if n else 0.0,
        median_hamming=float(np.median(distances)) if n else 0.0,
        hamming={int(d): int(c) for d, c in zip(*np.unique(distances, return_counts=True), strict=True)},
        failed=failed,
        deferred=deferred / n if n else 0.0,
    )
