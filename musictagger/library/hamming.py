"""The rows nearest a query code by Hamming distance, over packed codes of any number of tracks.

:func:`within_radius` finds every row of a packed-code array (``uint64``, see
:func:`musictagger.model.codes.pack`) whose Hamming distance to the query is at most the
smallest radius holding ``count`` rows — all the ties at that radius included, so that the
caller can order them exactly.  Both ways of scanning find the same rows:

* up to :data:`COMPILED_FROM` codes, or for a one-off query, numpy: one XOR and popcount per
  code, in cache-sized steps, and a histogram of the distances for the radius (no numba import:
  a small library or a single ``musictagger similar`` answers at once); 1 byte per code beside
  the codes;
* from there on, where numba is installed (the ``archive`` extra), one compiled pass
  (:mod:`.hamming_kernel`) that keeps only the rows within the radius found so far, split between
  the cores in contiguous shares, the first in the calling thread; it needs nothing beside the
  codes.  Without numba, numpy as above (``bench/search_speed.py`` measures both).
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

NUMPY_STEP = 1 << 18
"""Codes numpy compares at a time (2 MB of temporaries)."""

ROWS_PER_THREAD = 2_000_000
"""Below this many codes per core a second thread costs more than it saves."""


def within_radius(
    packed: np.ndarray,
    query: np.uint64,
    count: int,
    n_bits: int,
    *,
    compiled: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
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
        How many of the codes' last bits are compared (the code length ``K``: all of them; fewer: a model's
        identity bits): the largest possible distance.
    compiled
        Whether a large array may be scanned by the compiled pass; ``False`` for a one-off query,
        which numpy answers sooner than numba is imported and its pass loaded (1–2 s).

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        Row numbers ``(m,)`` int64 in ascending order, ``m >= min(count, n)``, and their
        distances ``(m,)`` uint8.
    """
    query = np.uint64(query)
    mask = codes.trailing_mask(n_bits)
    if not compiled or len(packed) < COMPILED_FROM or not compiled_pass_installed():
        distances, histogram = _distances(packed, query, mask, n_bits)
        rows = np.flatnonzero(distances <= _radius_holding(histogram, count, n_bits))
        return rows, distances[rows]
    from musictagger.library.hamming_kernel import scan

    def scan_part(part: slice) -> tuple[np.ndarray, np.ndarray]:
        return scan(packed[part], query, mask, count, n_bits)

    parts = _parts(len(packed))
    others = [_threads().submit(scan_part, part) for part in parts[1:]]
    results = [scan_part(parts[0])] + [other.result() for other in others]  # the first share in this thread
    rows = np.concatenate([found + part.start for (found, _), part in zip(results, parts, strict=True)])
    distances = np.concatenate([distance for _, distance in results])
    keep = distances <= _radius_holding(np.bincount(distances, minlength=n_bits + 1), count, n_bits)
    return rows[keep], distances[keep]


def _distances(packed: np.ndarray, query: np.uint64, mask: np.uint64, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """numpy's Hamming distances over the bits of ``mask`` (``n_bits`` of them) ``(n,)`` uint8 and their histogram
    ``(n_bits + 1,)``.

    Computed in steps of :data:`NUMPY_STEP` codes, so that the temporaries stay in the cache and
    nothing beside the codes needs more than 1 byte per code (a histogram of all the distances
    at once would cast them to 8 bytes each).
    """
    distances = np.empty(len(packed), np.uint8)
    histogram = np.zeros(n_bits + 1, np.int64)
    for start in range(0, len(packed), NUMPY_STEP):
        step = codes.hamming_distances(query, packed[start : start + NUMPY_STEP], mask=mask)
        distances[start : start + NUMPY_STEP] = step
        histogram += np.bincount(step, minlength=n_bits + 1)
    return distances, histogram


@cache
def compiled_pass_installed() -> bool:
    """Whether numba, which compiles the pass for large libraries, is installed (the ``archive`` extra)."""
    return importlib.util.find_spec("numba") is not None


def _radius_holding(histogram: np.ndarray, count: int, n_bits: int) -> int:
    """The smallest radius within which at least ``count`` codes lie, by the ``histogram`` of their
    distances (``n_bits`` if none is)."""
    return int(min(np.searchsorted(np.cumsum(histogram), count), n_bits))


def _parts(n: int) -> list[slice]:
    """Equal contiguous shares of ``n`` rows, one per core, none under :data:`ROWS_PER_THREAD`."""
    n_parts = max(1, min(os.cpu_count() or 1, n // ROWS_PER_THREAD))
    bounds = np.linspace(0, n, n_parts + 1).astype(int)
    return [slice(int(start), int(stop)) for start, stop in pairwise(bounds)]


@cache
def _threads() -> ThreadPoolExecutor:
    """The threads that scan the shares of a large array but the first, which the caller scans (the
    compiled pass releases the GIL; handing a lone share to a thread would cost more than it scans)."""
    return ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 1) - 1), thread_name_prefix="hamming")
