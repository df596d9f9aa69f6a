"""The data every experiment shares: the Emotify split's cached backbone maps and their pooled vectors.

The maps come from the training pipeline's :class:`~musictagger.training.cache.MapCache`, with the
shipped front end and backbone, so every method here sees exactly what the hash head sees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musictagger.audio.params import FeatureParams
from musictagger.collection import SPLITS, Collection, Track
from musictagger.model.embedding import layer_statistics
from musictagger.model.manifest import sha256_of
from musictagger.training.backbone import DEFAULT_BACKBONE, load_backbone
from musictagger.training.cache import CachedMaps, MapCache
from musictagger.training.config import ModelConfig
from musictagger.training.model import LayerMaps

N_WINDOWS = 3
"""Analysis windows per track, for training and evaluation alike (the shipped model's setting)."""


@dataclass(frozen=True)
class SplitMaps:
    """Cached backbone maps of the train, valid and test tracks that could be analysed."""

    train: CachedMaps
    valid: CachedMaps
    test: CachedMaps

    def split(self, name: str) -> CachedMaps:
        return {"train": self.train, "valid": self.valid, "test": self.test}[name]

    def digest(self) -> str:
        """Identifies the tracks of each split, so cached results of another subset are never reused."""
        names = "|".join(f"{name}:{','.join(t.relative for t in self.split(name).tracks)}" for name in SPLITS)
        return hashlib.sha256(names.encode()).hexdigest()[:16]


def layer_maps_for(model_config: ModelConfig) -> LayerMaps:
    """The frozen backbone, resized to the model's grid (as training uses it)."""
    backbone, _, _ = load_backbone(DEFAULT_BACKBONE)
    return LayerMaps(backbone, grid_time=model_config.grid_time, grid_freq=model_config.grid_freq).eval()


def map_cache(cache_dir: Path, layer_maps: LayerMaps) -> MapCache:
    """The training pipeline's cache of backbone maps (shipped front end and backbone)."""
    return MapCache(
        cache_dir, params=FeatureParams(), layer_maps=layer_maps, backbone_digest=sha256_of(DEFAULT_BACKBONE)
    )


def load_split_maps(
    collection: Collection, cache: MapCache, subset: dict[str, Sequence[Track]] | None = None
) -> SplitMaps:
    """Maps of each split (or of ``subset``'s tracks) in the split's own order, computing what the cache lacks.

    :meth:`MapCache.load` returns the cached tracks before the ones it had to compute; the
    split's order is restored here, because training (its minibatches) and the cached results'
    key depend on it, and they must not depend on what happened to be in the cache.
    """
    tracks = subset or {name: collection.tracks(name) for name in SPLITS}
    loaded = {
        name: in_order(cache.load(tracks[name], n_windows=N_WINDOWS, description=f"{name} maps"), tracks[name])
        for name in SPLITS
    }
    return SplitMaps(**loaded)


def in_order(cached: CachedMaps, tracks: Sequence[Track]) -> CachedMaps:
    """``cached`` with its tracks (and maps) in the order of ``tracks``."""
    position = {track.relative: i for i, track in enumerate(tracks)}
    order = sorted(range(len(cached.tracks)), key=lambda i: position[cached.tracks[i].relative])
    return CachedMaps(
        maps=[cached.maps[i] for i in order], tracks=[cached.tracks[i] for i in order], failures=cached.failures
    )


def pooled_features(cached: CachedMaps) -> np.ndarray:
    """Per track: each channel's mean over windows and grid, and its spread over the grid, all five layers.

    ``(n_tracks, 2 × 5 × 128)``; the plain "backbone features" of the probe and the hashing baselines.
    """
    return np.stack([pooled_vector(maps) for maps in cached.maps])


def pooled_vector(maps: np.ndarray) -> np.ndarray:
    """:func:`pooled_features` of one track's ``(n_windows, 5, 128, Tg, Fg)`` maps: the app's
    :func:`~musictagger.model.embedding.layer_statistics`, the one implementation of this pooling."""
    return layer_statistics([maps[:, layer] for layer in range(maps.shape[1])])
