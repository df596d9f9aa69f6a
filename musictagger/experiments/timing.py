"""Time per track of every method, measured in one run on the same test tracks, caches bypassed.

Each method's time is split into its *features* (decoding, front end and, where used, the
frozen backbone — shared by the methods built on it) and its own *head* (the recurrent hash
head, a hashing projection or a classifier).  Torch runs on one thread, as in training.
One warm-up track is run first and not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from musictagger.audio.frontend import features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.collection import Track
from musictagger.experiments.features import N_WINDOWS
from musictagger.training.model import LayerMaps


@dataclass(frozen=True)
class Timing:
    """Mean seconds per track of one method."""

    method: str
    features_s: float
    head_s: float
    tracks: int

    @property
    def total_s(self) -> float:
        return self.features_s + self.head_s


def _seconds(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


@torch.no_grad()
def time_backbone_methods(
    tracks: Sequence[Track], layer_maps: LayerMaps, heads: dict[str, Callable[[np.ndarray], object]]
) -> list[Timing]:
    """Front end + backbone once per track, then each head on the resulting ``(windows, 5, 128, Tg, Fg)`` maps."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        features_s, head_s = [], {name: [] for name in heads}
        for i, track in enumerate([tracks[0], *tracks]):
            started = time.perf_counter()
            windows = features_from_file(track.path, params=FeatureParams(), n_windows=N_WINDOWS).windows
            maps = layer_maps(torch.from_numpy(windows)).numpy()
            elapsed = time.perf_counter() - started
            measured = {name: _seconds(lambda head=head, maps=maps: head(maps)) for name, head in heads.items()}
            if i > 0:
                features_s.append(elapsed)
                for name, seconds in measured.items():
                    head_s[name].append(seconds)
    finally:
        torch.set_num_threads(threads)
    return [Timing(name, float(np.mean(features_s)), float(np.mean(head_s[name])), len(tracks)) for name in heads]


def time_vector_method(
    method: str, tracks: Sequence[Track], vector: Callable[[Track], np.ndarray], head: Callable[[np.ndarray], object]
) -> Timing:
    """A method built on its own per-track vector (e.g. MFCC statistics) and a classifier."""
    features_s, head_s = [], []
    for i, track in enumerate([tracks[0], *tracks]):
        started = time.perf_counter()
        values = vector(track)
        elapsed = time.perf_counter() - started
        seconds = _seconds(lambda values=values: head(values[None]))
        if i > 0:
            features_s.append(elapsed)
            head_s.append(seconds)
    return Timing(method, float(np.mean(features_s)), float(np.mean(head_s)), len(tracks))
