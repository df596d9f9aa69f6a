"""The rows nearest a query code by Hamming distance, over packed codes of any number of tracks.

:func:`within_radius` finds every row of a packed-code array (``uint64``, see
:func:`musictagger.model.codes.pack`) whose Hamming distance to the query is at most the
smallest radius holding ``count`` rows — all the ties at that radius included, so that the
caller can order them exactly.  It needs no memory beyond the codes themselves:

* up to :data:`COMPILED_FROM` codes, numpy: one XOR and popcount per code, a histogram of the
  distances for the radius (no compile, no numba import: a small library answers at once);
* from there on, where numba is installed (the ``archive`` extra), one compiled pass
  (:mod:`.hamming_kernel`) that keeps only the rows within the radius found so far, split between
  the cores in contiguous shares (``bench/search_speed.py``: ten million codes in ~13 ms on two
  shared cores, four times what numpy takes merely to sum them); without numba, numpy as above.
"""

from __future__ import annotations

import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from itertools import pairwise

import numpy as np

from musictagger.model import codes

COMPILED_FROM = 200_000
"""Codes from which the compiled pass beats numpy's temporary arrays by enough to pay its import."""

ROWS_PER_THREAD = 2_000_000
"""Below this many codes per core a second thread costs more than it saves."""


def within_radius(packed: np.ndarray, query: np.uint64, count: int, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows within the smallest Hamming radius that holds ``count`` rows, and their distances.

    Parameters
    ----------
    packed
        Packed codes ``(n,)`` uint64.
    query
        One packed code of the same length.
    count
        How many rows the radius must hold (all rows when there are fewer).
    n_bits
        The code length ``K``: the largest possible distance.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        Row numbers ``(m,)`` int64 in ascending order, ``m >= min(count, n)``, and their
        distances ``(m,)`` uint8.
    """
    query = np.uint64(query)
    if len(packed) < COMPILED_FROM or not compiled_pass_installed():
        distances = codes.hamming_distances(query, packed)
        rows = np.flatnonzero(distances <= _radius_holding(distances, count, n_bits))
        return rows, distances[rows]
    from musictagger.library.hamming_kernel import scan

    parts = _parts(len(packed))
    results = list(_threads().map(lambda part: scan(packed[part], query, count, n_bits), parts))
    rows = np.concatenate([found + part.start for (found, _), part in zip(results, parts, strict=True)])
    distances = np.concatenate([distance for _, distance in results])
    keep = distances <= _radius_holding(distances, count, n_bits)
    return rows[keep], distances[keep]


@cache
def compiled_pass_installed() -> bool:
    """Whether numba, which compiles the pass for large libraries, is installed (the ``archive`` extra)."""
    return importlib.util.find_spec("numba") is not None


def _radius_holding(distances: np.ndarray, count: int, n_bits: int) -> int:
    """The smallest radius within which at least ``count`` of ``distances`` lie (``n_bits`` if none is)."""
    cumulative = np.cumsum(np.bincount(distances, minlength=n_bits + 1))
    return int(min(np.searchsorted(cumulative, count), n_bits))


def _parts(n: int) -> list[slice]:
    """Equal contiguous shares of ``n`` rows, one per core, none under :data:`ROWS_PER_THREAD`."""
    n_parts = max(1, min(os.cpu_count() or 1, n // ROWS_PER_THREAD))
    bounds = np.linspace(0, n, n_parts + 1).astype(int)
    return [slice(int(start), int(stop)) for start, stop in pairwise(bounds)]


@cache
def _threads() -> ThreadPoolExecutor:
    """The threads that scan the shares of a large array (the compiled pass releases the GIL)."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="hamming")
