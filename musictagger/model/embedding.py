"""A track's embedding: what a personal head (``musictagger learn``) is trained on, kept in the index.

The embedding is built from outputs the runtime computes anyway, so it costs no extra model
run: the *layer statistics* of the backbone maps (each selected channel's mean over windows and
grid, and its spread over the grid averaged over windows — the pooling the experiments' probe
used, which reached 0.79 on Emotify), the backbone's tag probabilities where the model has them,
and the relaxed hash code.  Which parts are used was chosen by measuring (``bench/learn_quality.py``,
reports/learn.md).  The experiments package pools its cached torch maps through
:func:`layer_statistics` too, so there is one implementation of the idea.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

STORED_DTYPE = np.dtype("<f2")
"""Embeddings are stored as little-endian float16: plenty for a linear head, half the bytes."""


def layer_statistics(layers: Sequence[np.ndarray]) -> np.ndarray:
    """Per channel of every layer map ``(n_windows, channels, T, F)``: the mean over windows and grid,
    then the spread (standard deviation over the grid, averaged over windows).

    Returns ``(2 × Σ channels,)`` float32: all layers' means first, then all layers' spreads.
    """
    maps = [np.asarray(layer, dtype=np.float32) for layer in layers]
    means = [layer.mean(axis=(0, 2, 3)) for layer in maps]
    spreads = [layer.std(axis=(2, 3)).mean(axis=0) for layer in maps]
    return np.concatenate(means + spreads).astype(np.float32)


def track_embedding(layers: Sequence[np.ndarray], tags: np.ndarray | None, relaxed_code: np.ndarray) -> np.ndarray:
    """The embedding of one track from its windows' layer maps, its mean tag probabilities (if the
    model outputs tags) and its relaxed code: ``(d,)`` float32."""
    parts = [layer_statistics(layers)]
    if tags is not None:
        parts.append(np.asarray(tags, dtype=np.float32))
    parts.append(np.asarray(relaxed_code, dtype=np.float32))
    return np.concatenate(parts)


def to_blob(embedding: np.ndarray) -> bytes:
    """The stored form of an embedding (float16)."""
    return np.asarray(embedding, dtype=STORED_DTYPE).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """An embedding read back from its stored form, as float32."""
    return np.frombuffer(blob, dtype=STORED_DTYPE).astype(np.float32)
