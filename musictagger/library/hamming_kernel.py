"""The compiled pass of :func:`musictagger.library.hamming.within_radius` over a large array of codes.

Compiled by numba (the ``archive`` extra) on first use and cached on disk; imported only
for libraries large enough to need it, since importing numba takes a good fraction of a second.
The pass reads each code once, counting blocks of them in a vectorised loop, and holds only the
rows within the radius found so far, which tightens as it goes; it needs no memory beside the
codes and releases the GIL (the caller splits a large array between threads).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FIRST_HELD = 64
"""Rows held before the radius is first tightened (small: the radius falls fast); doubled only for ties."""

_BLOCK = 512
"""Codes counted at a time before any is held (about a third faster than holding as it goes)."""


@njit(nogil=True, cache=True, inline="always")
def _popcount(x: np.uint64) -> int:
    """Set bits of a ``uint64`` (LLVM turns this into the CPU's popcount, vectorised)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(nogil=True, cache=True)
def _tighten(rows: np.ndarray, distances: np.ndarray, held: int, count: int, radius: int) -> tuple[int, int]:
    """Shrink ``radius`` to the smallest holding ``count`` held rows; drop the rows beyond it.

    Returns the new radius and how many rows are still held (compacted to the front, in order).
    """
    histogram = np.zeros(radius + 1, np.int64)
    for i in range(held):
        histogram[distances[i]] += 1
    total = 0
    for distance in range(radius + 1):
        total += histogram[distance]
        if total >= count:
            radius = distance
            break
    kept = 0
    for i in range(held):
        if distances[i] <= radius:
            rows[kept] = rows[i]
            distances[kept] = distances[i]
            kept += 1
    return radius, kept


@njit(nogil=True, cache=True)
def _count_within(block: np.ndarray, query: np.uint64, mask: np.uint64, radius: int) -> int:
    """How many codes of ``block`` lie within ``radius`` (over the bits of ``mask``).

    Indexed from 0 over a view, so that LLVM knows every index is in range and vectorises the
    loop with contiguous loads (indexing ``packed[start:stop]`` from ``start`` instead made it
    gather each code, nine times slower: ``bench/search_speed.py``).
    """
    count = 0
    for i in range(block.size):
        count += _popcount((block[i] ^ query) & mask) <= radius
    return count


@njit(nogil=True, cache=True)
def _fill(
    packed: np.ndarray,
    start: int,
    query: np.uint64,
    mask: np.uint64,
    radius: int,
    rows: np.ndarray,
    distances: np.ndarray,
    held: int,
) -> tuple[int, int]:
    """Hold the rows from ``start`` on within ``radius`` until the buffers are full; returns (next row, held).

    Blocks of :data:`_BLOCK` codes are first counted by a vectorised loop, and only the rare
    block with a row within the radius is walked row by row to hold it; nothing is allocated
    here, or numba could not keep the loops tight.
    """
    block_start = start
    while block_start < packed.size:
        block = packed[block_start : min(block_start + _BLOCK, packed.size)]
        if _count_within(block, query, mask, radius):
            for i in range(block.size):
                distance = _popcount((block[i] ^ query) & mask)
                if distance <= radius:
                    if held == rows.size:
                        return block_start + i, held
                    rows[held] = block_start + i
                    distances[held] = distance
                    held += 1
        block_start += block.size
    return packed.size, held


@njit(nogil=True, cache=True)
def scan(
    packed: np.ndarray, query: np.uint64, mask: np.uint64, count: int, n_bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``packed`` within the smallest radius holding ``count`` of them, and their distances, over the
    bits of ``mask`` (``n_bits`` of them: the largest distance).

    The rows come in ascending order; the distances as ``uint8``.
    """
    rows = np.empty(_FIRST_HELD, np.int64)
    distances = np.empty(_FIRST_HELD, np.uint8)
    radius = n_bits
    position, held = _fill(packed, 0, query, mask, radius, rows, distances, 0)
    while position < packed.size:  # the buffers are full: tighten the radius, or make room for its ties
        radius, held = _tighten(rows, distances, held, count, radius)
        if held == rows.size:
            rows = np.concatenate((rows, np.empty_like(rows)))
            distances = np.concatenate((distances, np.empty_like(distances)))
        position, held = _fill(packed, position, query, mask, radius, rows, distances, held)
    radius, held = _tighten(rows, distances, held, count, radius)
    return rows[:held].copy(), distances[:held].copy()
