"""Choosing and measuring when live listening names a library track as the music it hears.

The library's search always returns a nearest track; :class:`~musictagger.model.recognition.RecognitionPolicy`
names it as playing only when its relaxed distance lies under ``within`` and under ``margin`` times the distance to
the nearest other music among the listed matches.  Here both are chosen and their effect counted, on an
evaluation's outcomes (:mod:`.outcomes`), the database being every track of the collection as the library holds
them:

* *present*: a query track's room capture (and its later window) searches the whole database: is the first match
  named, and is it the query's own track?
* *absent*: the same queries search the database without their own track (a song the library does not hold), and
  so do the dev set's clips (music of other genres) and generated non-music: a first match named is a false claim.

The policy names at most ``false_claims`` of the absent queries of the split it is chosen on (validation)
(:func:`choose_policy`): songs the library does not hold are the nearest a sound comes without being a library
track; the test split, the dev set and the non-music are then held out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from musictagger.errors import ModelError, MusictaggerError
from musictagger.evaluation.identity import searched_codes
from musictagger.evaluation.metrics import tally
from musictagger.evaluation.outcomes import Outcome, TrackOutcomes
from musictagger.model import codes
from musictagger.model.manifest import load_manifest, sidecar_path
from musictagger.model.recognition import MATCHES_LISTED, RecognitionPolicy, other_music

QUERY_KINDS = ("room_capture", "later_window")
FALSE_CLAIMS = 0.05
"""The share of sounds the library does not hold that may be named as playing, on the data the choice is made on:
at 0.05 the third model names 54 of the validation split's 80 room captures, each its own track (its sidecar's
``recognition.figures``); a smaller share names fewer."""
REFERENCE_QUANTILE = 0.75
"""Where among the validation split's songs searched for without their own file :func:`choose_policy` places the
distance the margin is taken against when the nearest other music lies farther (``within`` is the margin times it):
a small library's next match can lie far from anything heard, and the margin alone named whatever its first match
was.  Chosen on the validation split's captures searched among 2, 5, 20 and 100 tracks, with the third model: at
0.75 at most 1 of its 159 songs not in the library is named, where 0.9 named 8 among 100 tracks."""


@dataclass(frozen=True)
class FirstMatch:
    """What the library's search lists first for a query: the track (database index), its relaxed distance, and
    the relaxed distance of the nearest other music among the listed matches (NaN: none)."""

    track: int
    distance: float
    other_music: float


@dataclass(frozen=True)
class Database:
    """The collection's tracks as the library's search holds them: codes over the compared bits, and each track's
    own and its windows' relaxed codes."""

    bits: np.ndarray
    relaxed: np.ndarray
    match_bits: int

    @classmethod
    def of(cls, tracks: Sequence[TrackOutcomes], match_bits: int) -> Database:
        """``tracks`` as analysed for the library (:attr:`TrackOutcomes.library`), over their last ``match_bits``."""
        library = [t.library for t in tracks]
        return cls(
            np.stack([o.bits for o in library])[:, -match_bits:],
            searched_codes(library)[..., -match_bits:],
            match_bits,
        )

    def first_matches(self, query: Outcome, *, leave_out: int | None = None) -> tuple[FirstMatch, FirstMatch | None]:
        """:class:`FirstMatch` of ``query`` among every track, and (``leave_out`` given) among every track but that
        one (the query's own, for a song the library does not hold); the distances are computed once for both."""
        distances = np.count_nonzero(self.bits != query.bits[-self.match_bits :], axis=1)
        squared, _ = codes.squared_to_nearest(query.relaxed[-self.match_bits :], self.relaxed)
        rows = np.arange(len(distances))
        relaxed = np.sqrt(squared)
        with_all = self._first(rows, distances, squared, relaxed)
        if leave_out is None:
            return with_all, None
        return with_all, self._first(rows[rows != leave_out], distances, squared, relaxed)

    def _first(self, rows: np.ndarray, distances: np.ndarray, squared: np.ndarray, relaxed: np.ndarray) -> FirstMatch:
        """The first of ``rows`` in the search's order (Hamming ``distances``, ``squared`` relaxed distances), with
        the nearest other music among the listed ones; ``relaxed`` is the square root of ``squared``."""
        listed = rows[codes.shortlist_order(distances[rows], squared[rows], codes.SHORTLIST)[:MATCHES_LISTED]]
        own = self.relaxed[:, 0]  # each track's own code comes before its windows' (searched_codes)
        first = int(listed[0])
        rival = other_music(own[first], ((own[row], float(relaxed[row])) for row in listed[1:]))
        return FirstMatch(first, float(relaxed[first]), np.nan if rival is None else rival)


@dataclass(frozen=True)
class Searches:
    """First-match distances of a set of queries: to the first match, and to the nearest other music (NaN: none
    listed)."""

    distance: np.ndarray
    other_music: np.ndarray

    @classmethod
    def of(cls, found: Sequence[FirstMatch]) -> Searches:
        """The distances of ``found``."""
        return cls(np.array([f.distance for f in found]), np.array([f.other_music for f in found]))

    def named(self, policy: RecognitionPolicy) -> np.ndarray:
        """Which first matches ``policy`` names as playing: :meth:`RecognitionPolicy.recognises` itself, the rule
        ``listen`` and the Live panel apply, not a second copy of it for arrays (a few hundred queries)."""
        others = (None if np.isnan(other) else float(other) for other in self.other_music)
        return np.array(
            [policy.recognises(float(d), other) for d, other in zip(self.distance, others, strict=True)], bool
        )


@dataclass(frozen=True)
class Queries:
    """First-match distances of one split's queries and of the sounds no library holds, with whether the first
    match of a present query is its own track."""

    present: dict[str, Searches]
    """Per query kind (``room_capture``, ``later_window``): the first match, own track held."""
    present_own_first: dict[str, np.ndarray]
    absent: dict[str, Searches]
    """Per kind: the same queries without their own track; ``dev_set`` and ``non_music`` against every track."""

    def songs_absent(self) -> Searches:
        """The first matches of the split's own queries searched for without their track."""
        kinds = [self.absent[kind] for kind in QUERY_KINDS]
        return Searches(np.concatenate([s.distance for s in kinds]), np.concatenate([s.other_music for s in kinds]))


def split_queries(
    tracks: Sequence[TrackOutcomes],
    asking: set[str],
    dev_set: Sequence[Outcome],
    non_music: Sequence[Outcome],
    *,
    match_bits: int,
) -> Queries:
    """The queries of the tracks in ``asking`` (relative paths) against all ``tracks``; see the module docstring."""
    database = Database.of(tracks, match_bits)
    present: dict[str, list[FirstMatch]] = {kind: [] for kind in QUERY_KINDS}
    own_first: dict[str, list[bool]] = {kind: [] for kind in QUERY_KINDS}
    absent: dict[str, list[FirstMatch]] = {kind: [] for kind in QUERY_KINDS}
    for row, track in enumerate(tracks):
        if track.track.relative not in asking:
            continue
        for kind in QUERY_KINDS:
            query = getattr(track, kind)
            if query is None:
                continue
            held, without = database.first_matches(query, leave_out=row)
            present[kind].append(held)
            own_first[kind].append(held.track == row)
            absent[kind].append(without)
    others = {"dev_set": dev_set, "non_music": non_music}
    return Queries(
        present={kind: Searches.of(found) for kind, found in present.items()},
        present_own_first={kind: np.array(values, bool) for kind, values in own_first.items()},
        absent={
            **{kind: Searches.of(found) for kind, found in absent.items()},
            **{name: Searches.of([database.first_matches(q)[0] for q in sounds]) for name, sounds in others.items()},
        },
    )


def choose_policy(absent: Searches, false_claims: float = FALSE_CLAIMS) -> RecognitionPolicy:
    """The policy (``within`` and ``margin``) under which at most ``false_claims`` of the ``absent`` first matches
    are named.

    The margin is taken against the nearest other music, or against the :data:`REFERENCE_QUANTILE` point of the
    absent distances where that lies nearer (``within`` is the margin times that point): naming a first match
    ``d`` away with the nearest other music ``o`` away whenever ``d / min(o, reference) < margin`` is the
    policy's ``d < within and d < margin * o``.  That product is rounded: the ratio at the share's point, times
    its ``o``, came out an ulp above its ``d`` in about 1 of 13 random draws, naming one song more than the share
    (0.7 / 1.2 * 1.2 > 0.7), so the margin is lowered by ulps until the policy itself names no more.

    Refused, saying so: none of them (no track of the split it is chosen on analysed); and more than the share
    lying 0 from their first match (a copy of the file held twice, found again), which any distance names, or so
    many that the reference point is 0: the margin came out NaN or 0, and the sidecar it was written into no longer
    loaded."""
    if len(absent.distance) == 0:
        raise MusictaggerError("no recognition distance to choose: no track of the validation split was analysed")
    reference = float(np.quantile(absent.distance, REFERENCE_QUANTILE))
    allowed = min(int(false_claims * len(absent.distance)), len(absent.distance) - 1)
    copies = int(np.count_nonzero(absent.distance == 0))
    if copies > allowed or reference == 0:
        raise MusictaggerError(
            f"no recognition distance to choose: {copies} of the validation split's {len(absent.distance)} searches "
            "for a song the library does not hold found it 0 away (a copy of its file, held twice), which any "
            f"distance names, and at most {allowed} may be named (--false-claims {false_claims:g}): keep one file "
            "of each copy"
        )
    ratios = np.sort(absent.distance / np.fmin(absent.other_music, reference))
    policy = RecognitionPolicy(float(ratios[allowed]) * reference, float(ratios[allowed]))
    while np.count_nonzero(absent.named(policy)) > allowed:
        margin = float(np.nextafter(policy.margin, 0.0))
        policy = RecognitionPolicy(margin * reference, margin)
    return policy


def figures(queries: Queries, policy: RecognitionPolicy) -> dict[str, Any]:
    """What ``policy`` names: per present kind, the queries whose first match is named (``named``) and those named
    and their own track (``named_right``); per absent kind, those named (false claims)."""
    named = {kind: searches.named(policy) for kind, searches in queries.present.items()}
    present = {
        kind: {"named": tally(names), "named_right": tally(names & queries.present_own_first[kind])}
        for kind, names in named.items()
    }
    return {"present": present, "absent": {kind: tally(s.named(policy)) for kind, s in queries.absent.items()}}


def write_policy(model_path: Path, policy: RecognitionPolicy, *, measured_sha256: str) -> Path:
    """Put ``policy`` into the sidecar of ``model_path`` as it is now; returns the sidecar.

    The sidecar is read again here, not taken from before the choice's run (18-36 min on two cores): what another
    command wrote into it meanwhile (``verdict --write``, ``quantize --remeasure``) stays, where the copy read at the
    start, written back, undid it.  ``measured_sha256`` is the digest of the ONNX file the distance was chosen on; a
    model file changed since (``streamline``, an export) is refused, its codes not the ones measured, and its sidecar
    is left as it is (the old copy named the old digest, so the model no longer loaded).
    """
    current = load_manifest(model_path)
    if current.onnx_sha256 != measured_sha256:
        raise ModelError(
            f"{model_path}: the model file changed while its recognition distance was chosen, so none is written: "
            "run `musictagger recognition` on it again",
            paths=[model_path],
        )
    sidecar = sidecar_path(model_path)
    replace(current, recognition=policy.to_dict()).save(sidecar)
    return sidecar
