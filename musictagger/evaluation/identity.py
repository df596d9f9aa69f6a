"""Figures of codes that keep different sounds apart and find the same track again.

* :func:`distinct_codes` — among a collection's library codes, how many tracks have a code of
  their own, how many codes there are and how many tracks the largest group shares; and whether
  any generated non-music shares a code with a track or with a sound of another kind (two renders
  of one kind, two brown noises, may rightly share one: counted apart).
* :func:`same_track` — a query (a degraded or different part of a track) searches a database
  holding each track once (its code, and its windows' relaxed codes for the order), with the library's ranking
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
    codes_shared_by_kind,
    own_item_ranks,
    tally,
)
from musictagger.evaluation.nonmusic import kind_of
from musictagger.evaluation.outcomes import Outcome
from musictagger.model import codes


def _bits(outcomes: Sequence[Outcome]) -> np.ndarray:
    return np.stack([o.bits for o in outcomes])


def _relaxed(outcomes: Sequence[Outcome]) -> np.ndarray:
    return np.stack([o.relaxed for o in outcomes])


def searched_codes(outcomes: Sequence[Outcome]) -> np.ndarray:
    """Each outcome's own relaxed code then its windows', as the library's search holds a track's."""
    return codes.padded_codes([np.vstack([o.relaxed, o.window_codes]) for o in outcomes], len(outcomes[0].relaxed))


def distinct_codes(tracks: Sequence[Outcome], non_music: Sequence[tuple[str, Outcome]]) -> dict[str, Any]:
    """Code collisions among ``tracks``, and between the named ``non_music`` sounds and the tracks or sounds
    of other kinds.  ``sharing`` counts the sounds that collide so; ``sharing_own_kind`` those whose code only
    another render of their own kind has."""
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
        sound_bits = _bits([outcome for _, outcome in non_music])
        with_tracks = codes_found_in(sound_bits, _bits(tracks))
        own_kind, other_kinds = codes_shared_by_kind(sound_bits, [kind_of(name) for name, _ in non_music])
        colliding = with_tracks | other_kinds
        figures["non_music"] = {
            "sounds": len(non_music),
            "sharing_with_tracks": int(with_tracks.sum()),
            "sharing_with_other_kinds": int(other_kinds.sum()),
            "sharing": tally(colliding),
            "sharing_own_kind": tally(own_kind & ~colliding),
        }
    return figures


def same_track(
    queries: Sequence[Outcome],
    database: Sequence[Outcome],
    own_index: Sequence[int],
    *,
    within: int,
    n_resamples: int,
    match_bits: int | None = None,
) -> dict[str, Any]:
    """Share of ``queries`` whose own database item (``database[own_index[i]]``) ranks in the first ``within``.

    Each database item is ranked as the library's search ranks a track: by its own code's Hamming
    distance, with the nearest of its own and its windows' relaxed codes ordering the shortlist, over the
    codes' last ``match_bits`` bits (the model's :attr:`~musictagger.model.manifest.ModelManifest.match_bits`;
    None: all)."""
    ranks = own_item_ranks(
        _bits(queries),
        _bits(database),
        np.asarray(own_index, dtype=np.int64),
        query_relaxed=_relaxed(queries),
        database_relaxed=searched_codes(database),
        match_bits=match_bits,
    )
    hits = ranks < within
    return {
        "queries": len(queries),
        "database": len(database),
        "within": within,
        "found": bootstrap_ci(np.mean, hits, n_resamples=n_resamples),
        "median_rank": float(np.median(ranks)) + 1.0,  # 1 = first
    }
