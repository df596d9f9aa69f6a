"""Choosing and measuring when live listening names a library track as the music it hears.

The library's search always returns a nearest track; :class:`~musictagger.model.recognition.RecognitionPolicy`
names it as playing only when its relaxed distance lies under ``within``.  Here that distance is chosen and its
effect counted, on an evaluation's outcomes (:mod:`.outcomes`), the database being every track of the collection
as the library holds them:

* *present*: a query track's room capture (and its later window) searches the whole database: is the first match
  named, and is it the query's own track?
* *absent*: the same queries search the database without their own track (a song the library does not hold), and
  so do the dev set's clips (music of other genres) and generated non-music: a first match named is a false claim.

``within`` is the distance under which at most ``false_claims`` of the absent queries of the split it is chosen on
(validation) fall (:func:`choose_within`): songs the library does not hold are the nearest a sound comes without
being a library track; the test split, the dev set and the non-music are then held out.
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
from musictagger.model.recognition import RecognitionPolicy

QUERY_KINDS = ("room_capture", "later_window")
FALSE_CLAIMS = 0.05
"""The share of sounds the library does not hold that may be named as playing, on the data the choice is made on:
at 0.05 the third model names 44 of the validation split's 80 room captures, each its own track (its sidecar's
``recognition.figures``); a smaller share names fewer."""


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

    def first_match(self, query: Outcome, *, leave_out: int | None = None) -> tuple[int, float]:
        """The track the library's search would list first for ``query`` (database index) and its relaxed distance,
        ``leave_out`` left out of the database (the query's own track, for a song the library does not hold)."""
        distances = np.count_nonzero(self.bits != query.bits[-self.match_bits :], axis=1)
        squared, _ = codes.squared_to_nearest(query.relaxed[-self.match_bits :], self.relaxed)
        rows = np.arange(len(distances))
        if leave_out is not None:
            rows = rows[rows != leave_out]
        first = rows[codes.shortlist_order(distances[rows], squared[rows], codes.SHORTLIST)[0]]
        return int(first), float(np.sqrt(squared[first]))


@dataclass(frozen=True)
class Queries:
    """First-match distances of one split's queries and of the sounds no library holds, with whether the first
    match of a present query is its own track."""

    present: dict[str, np.ndarray]
    """Per query kind (``room_capture``, ``later_window``): the first match's relaxed distance, own track held."""
    present_own_first: dict[str, np.ndarray]
    absent: dict[str, np.ndarray]
    """Per kind: the same queries without their own track; ``dev_set`` and ``non_music`` against every track."""

    def songs_absent(self) -> np.ndarray:
        """The first-match distances of the split's own queries searched for without their track."""
        return np.concatenate([self.absent[kind] for kind in QUERY_KINDS])


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
    present: dict[str, list[float]] = {kind: [] for kind in QUERY_KINDS}
    own_first: dict[str, list[bool]] = {kind: [] for kind in QUERY_KINDS}
    absent: dict[str, list[float]] = {kind: [] for kind in QUERY_KINDS}
    for row, track in enumerate(tracks):
        if track.track.relative not in asking:
            continue
        for kind in QUERY_KINDS:
            query = getattr(track, kind)
            if query is None:
                continue
            first, distance = database.first_match(query)
            present[kind].append(distance)
            own_first[kind].append(first == row)
            absent[kind].append(database.first_match(query, leave_out=row)[1])
    others = {"dev_set": dev_set, "non_music": non_music}
    return Queries(
        present={kind: np.array(values) for kind, values in present.items()},
        present_own_first={kind: np.array(values, bool) for kind, values in own_first.items()},
        absent={
            **{kind: np.array(values) for kind, values in absent.items()},
            **{name: np.array([database.first_match(q)[1] for q in sounds]) for name, sounds in others.items()},
        },
    )


def choose_within(absent: np.ndarray, false_claims: float = FALSE_CLAIMS) -> float:
    """The distance under which at most ``false_claims`` of the ``absent`` first-match distances lie; none of them
    (no track of the split it is chosen on analysed) is refused, saying so."""
    if len(absent) == 0:
        raise MusictaggerError("no recognition distance to choose: no track of the validation split was analysed")
    ordered = np.sort(np.asarray(absent, np.float64))
    return float(ordered[min(int(false_claims * len(ordered)), len(ordered) - 1)])


def figures(queries: Queries, within: float) -> dict[str, Any]:
    """What ``within`` names: per present kind, the queries whose first match is named (``named``) and those named
    and their own track (``named_right``); per absent kind, those named (false claims)."""
    present = {
        kind: {
            "named": tally(distances < within),
            "named_right": tally((distances < within) & queries.present_own_first[kind]),
        }
        for kind, distances in queries.present.items()
    }
    return {"present": present, "absent": {kind: tally(d < within) for kind, d in queries.absent.items()}}


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
