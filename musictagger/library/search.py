"""Nearest tracks by hash code: Hamming distance first, relaxed-code distance to break ties.

The library's codes are held in memory as one ``uint64`` per track (8 MB per million
tracks) plus the relaxed codes for tie-breaking.  A query is one XOR and popcount per
track, a histogram of the distances (0…K) to find the radius that holds ``k`` tracks, and
an exact ordering of only the tracks within that radius — no full sort, so a million
tracks answer in milliseconds (``bench/search_speed.py``).

The tie rule is that of :func:`musictagger.model.codes.rank_by_hamming` (squared Euclidean
distance between relaxed codes, then database order), so the library and the evaluation
rank alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from musictagger.errors import ParameterError
from musictagger.library.store import Library, TrackRecord
from musictagger.model import codes

DUPLICATE_TOLERANCE = 1e-3
"""Relaxed codes closer than this (Euclidean) at Hamming distance 0 come from the same sound."""


@dataclass(frozen=True)
class Neighbour:
    """One hit of :meth:`CodeIndex.nearest`: a row of the index and its distances to the query."""

    row: int
    distance: int
    relaxed_distance: float

    @property
    def duplicate(self) -> bool:
        return self.distance == 0 and self.relaxed_distance < DUPLICATE_TOLERANCE


@dataclass(frozen=True)
class Match:
    """A library track near the query; ``duplicate`` marks the same sound (e.g. a copy of the file)."""

    record: TrackRecord
    distance: int
    relaxed_distance: float
    duplicate: bool


class CodeIndex:
    """Packed codes of many tracks, searchable by Hamming distance.

    Parameters
    ----------
    ids
        An identifier per row (library track ids), ``(n,)``.
    packed
        Packed codes (see :func:`musictagger.model.codes.pack`), ``(n,)`` uint64.
    relaxed
        Relaxed codes, ``(n, K)`` float32, for the tie-break.
    """

    def __init__(self, ids: np.ndarray, packed: np.ndarray, relaxed: np.ndarray) -> None:
        if not len(ids) == len(packed) == len(relaxed):
            raise ParameterError(
                f"ids, codes and relaxed codes differ in length: {len(ids)}, {len(packed)}, {len(relaxed)}"
            )
        self.ids = np.asarray(ids)
        self.packed = np.asarray(packed, dtype=np.uint64)
        self.relaxed = np.asarray(relaxed, dtype=np.float32)

    @classmethod
    def from_library(cls, library: Library) -> CodeIndex:
        return cls(*library.codes())

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_bits(self) -> int:
        return self.relaxed.shape[1]

    def nearest(
        self, query_bits: np.ndarray, query_relaxed: np.ndarray, *, k: int, exclude_rows: Iterable[int] = ()
    ) -> list[Neighbour]:
        """The ``k`` rows nearest the query (fewer if the index is smaller), nearest first."""
        if k < 1:
            raise ParameterError(f"k must be at least 1, got {k}")
        if len(self) == 0:
            return []
        if len(query_bits) != self.n_bits:
            raise ParameterError(f"the query has {len(query_bits)} bits, the library's codes have {self.n_bits}")
        excluded = set(exclude_rows)
        distances = codes.hamming_distances(codes.pack(query_bits), self.packed)
        radius = _radius_holding(distances, k + len(excluded), self.n_bits)
        candidates = np.flatnonzero(distances <= radius)
        candidates = candidates[~np.isin(candidates, list(excluded))] if excluded else candidates
        squared = np.sum(np.square(self.relaxed[candidates] - np.asarray(query_relaxed, np.float32)), axis=1)
        order = np.lexsort((squared, distances[candidates]))[:k]
        return [Neighbour(int(candidates[i]), int(distances[candidates[i]]), float(np.sqrt(squared[i]))) for i in order]


def _radius_holding(distances: np.ndarray, count: int, n_bits: int) -> int:
    """The smallest Hamming radius within which at least ``count`` rows lie (or K if none is)."""
    cumulative = np.cumsum(np.bincount(distances, minlength=n_bits + 1))
    return int(min(np.searchsorted(cumulative, count), n_bits))


def find_similar(
    library: Library,
    bits: np.ndarray,
    relaxed_code: np.ndarray,
    *,
    k: int = 10,
    exclude_path: str | None = None,
    index: CodeIndex | None = None,
) -> list[Match]:
    """The ``k`` library tracks whose codes are nearest the query, skipping ``exclude_path`` itself.

    Pass ``index`` to reuse one :class:`CodeIndex` across queries (the GUI does); otherwise
    the codes are loaded from the library for this query.
    """
    index = index or CodeIndex.from_library(library)
    excluded_record = library.record(exclude_path) if exclude_path else None
    exclude_rows = np.flatnonzero(index.ids == excluded_record.id) if excluded_record else ()
    matches = []
    for neighbour in index.nearest(bits, relaxed_code, k=k, exclude_rows=exclude_rows):
        record = library.record_by_id(int(index.ids[neighbour.row]))
        if record is not None:  # pruned since the index was loaded
            matches.append(Match(record, neighbour.distance, neighbour.relaxed_distance, neighbour.duplicate))
    return matches
