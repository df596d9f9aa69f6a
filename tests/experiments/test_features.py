"""The experiments see each split in its own order, whatever the feature cache held."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the experiments need the 'train' extra (torch)")

from musictagger.collection import Track
from musictagger.experiments.features import in_order, pooled_features
from musictagger.training.cache import CachedMaps


def test_in_order_restores_the_split_order_of_tracks_and_maps() -> None:
    tracks = [Track(Path(f"{i}.mp3"), f"{i}.mp3", i % 2) for i in range(4)]
    # As MapCache returns them when tracks 1 and 3 were cached and 0 and 2 computed.
    loaded_order = [1, 3, 0, 2]
    cached = CachedMaps(
        maps=[np.full((1, 5, 2, 2, 2), i, np.float16) for i in loaded_order],
        tracks=[tracks[i] for i in loaded_order],
        failures=[],
    )
    ordered = in_order(cached, tracks)
    assert [t.relative for t in ordered.tracks] == [t.relative for t in tracks]
    assert [int(m[0, 0, 0, 0, 0]) for m in ordered.maps] == [0, 1, 2, 3]
    assert ordered.labels.tolist() == [0, 1, 0, 1]


def test_pooled_features_are_channel_means_and_spreads_of_all_layers() -> None:
    maps = np.random.default_rng(0).normal(size=(3, 5, 128, 4, 2)).astype(np.float16)
    cached = CachedMaps(maps=[maps], tracks=[Track(Path("a.mp3"), "a.mp3", 0)], failures=[])
    features = pooled_features(cached)
    assert features.shape == (1, 1280)
    assert features[0, 0] == pytest.approx(maps[:, 0, 0].astype(np.float32).mean(), abs=1e-5)
    assert features[0, 640] == pytest.approx(maps[:, 0, 0].astype(np.float32).std(axis=(1, 2)).mean(), abs=1e-5)
