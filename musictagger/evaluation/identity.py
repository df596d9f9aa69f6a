"""Figures of codes that keep different sounds apart and find the same track again.

* :func:`distinct_codes` — among a collection's library codes, how many tracks have a code of
  their own, how many codes there are and how many tracks the largest group shares; and whether
  any generated non-music shares a code with a track or with another non-music sound.
* :func:`same_track` — a query (a degraded or different part of a track) searches a database
  holding each track once, with the library's ranking
  (:func:`~musictagger.evaluation.metrics.own_item_ranks`); the figure is the share of queries
  whose own track is among the first ``within`` results, with a bootstrap interval over queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from musictagger.evaluation.metrics import (
    bootstrap_ci,
    code_groups,
    codes_found_in,
    codes_shared_within,
    own_item_ranks,
    tally,
)
from musictagger.evaluation.outcomes import Outcome


def _bits(outcomes: Sequence[Outcome]) -> np.ndarray:
    return np.stack([o.bits for o in outcomes])


def _relaxed(outcomes: Sequence[Outcome]) -> np.ndarray:
    return np.stack([o.relaxed for o in outcomes])


def distinct_codes(tracks: Sequence[Outcome], non_music: Sequence[Outcome]) -> dict[str, Any]:
    """Code collisions among ``tracks`` and between ``non_music`` sounds and anything else."""
    groups = code_groups(_bits(tracks))
    figures: dict[str, Any] = {
        "tracks": groups.n_items,
        "distinct_codes": groups.n_distinct,
        "unique_tracks": groups.n_unique_items,
        "unique_share": groups.unique_share,
        "largest_group": groups.largest_group,
        "non_music": None,
    }
    if non_music:
        with_tracks = codes_found_in(_bits(non_music), _bits(tracks))
        with_each_other = codes_shared_within(_bits(non_music))
        figures["non_music"] = {
            "sounds": len(non_music),
            "sharing_with_tracks": int(with_tracks.sum()),
            "sharing_with_each_other": int(with_each_other.sum()),
            "sharing": tally(with_tracks | with_each_other),
        }
    return figures


def same_track(
    queries: Sequence[Outcome],
    database: Sequence[Outcome],
    own_index: Sequence[int],
    *,
    within: int,
    n_resamples: int,
) -> dict[str, Any]:
    """Share of ``queries`` whose own database item (``database[own_index[i]]``) ranks in the first ``within``."""
    ranks = own_item_ranks(
        _bits(queries),
        _bits(database),
        np.asarray(own_index, dtype=np.int64),
        query_relaxed=_relaxed(queries),
        database_relaxed=_relaxed(database),
    )
    hits = ranks < within
    return {
        "queries": len(queries),
        "database": len(database),
        "within": within,
        "found": bootstrap_ci(np.mean, hits, n_resamples=n_resamples),
        "median_rank": float(np.median(ranks)) + 1.0,  # 1 = first
    }
