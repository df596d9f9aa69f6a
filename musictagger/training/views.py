"""Cached backbone outputs of clean windows and of degraded *views* of each track.

The backbone is frozen, so everything the second and third models train on can be computed once:
for each track, its clean analysis windows (as the app cuts them) and ``n_views`` random
views — a random 29-s crop passed through :func:`musictagger.audio.augment.random_view` —
each as grid maps (float16) and backbone tags.  Two windows of one track
are the positives of the contrastive term; the statistics fit the novelty detector; the
tags feed the "foreign genre" evidence.  Validation tracks may also get room captures (the
evaluation's recipe, :func:`musictagger.audio.augment.room_capture`, on random crops), whose
retrieval joins the choice of the training epoch.

Entries are keyed by everything they depend on (front end, backbone digest, grid, the
file's path, size and mtime, the kind of entry, its count and seed), written to a temporary
name and renamed, so nothing stale or half-written is ever read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from musictagger.atomic_write import replacing_file
from musictagger.audio.augment import random_view, room_capture
from musictagger.audio.decode import decode_mono
from musictagger.audio.frontend import features_from_file, features_from_signal
from musictagger.audio.params import FeatureParams
from musictagger.errors import SilentAudioError
from musictagger.training.backbone import FCN5Backbone, MTTTagHead
from musictagger.training.evidence import WindowTags, statistics_of
from musictagger.training.model import LayerMaps

VIEW_ATTEMPTS = 8
Degradation = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]  # (mono, sample rate, rng) → degraded


@dataclass(frozen=True)
class Views:
    """Backbone outputs of ``n`` windows of one track."""

    maps: np.ndarray  # (n, 5, 128, Tg, Fg) float16
    tags: np.ndarray  # (n, n_tags) float32

    def __len__(self) -> int:
        return len(self.maps)

    @property
    def statistics(self) -> np.ndarray:
        """Layer statistics ``(n, 1280)`` of the windows (see :func:`~musictagger.training.evidence.layer_statistics`)."""
        return statistics_of(self.maps)

    @staticmethod
    def concatenate(parts: list[Views]) -> Views:
        return Views(np.concatenate([p.maps for p in parts]), np.concatenate([p.tags for p in parts]))


class ViewCache:
    """Computes or loads :class:`Views` of files, clean or augmented."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        params: FeatureParams,
        backbone: FCN5Backbone,
        tag_head: MTTTagHead,
        grid: tuple[int, int],
        backbone_digest: str,
    ) -> None:
        self.cache_dir = cache_dir
        self.params = params
        self.layer_maps = LayerMaps(backbone, grid_time=grid[0], grid_freq=grid[1]).eval()
        self.window_tags = WindowTags(tag_head).eval()
        self.signature = json.dumps(
            {"front_end": params.to_dict(), "backbone": backbone_digest, "grid": list(grid)}, sort_keys=True
        )

    def _entry(self, path: Path, kind: str) -> Path:
        stat = path.stat()
        key = f"{self.signature}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{kind}"
        return self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npz"

    @torch.no_grad()
    def encode(self, windows: np.ndarray) -> Views:
        """Backbone outputs of log-mel windows ``(n, window_frames, n_mels)``."""
        activations = self.layer_maps.backbone(torch.from_numpy(windows))
        return Views(
            maps=self.layer_maps.resize(activations).numpy().astype(np.float16),
            tags=self.window_tags(activations[-1]).numpy(),
        )

    def _cached(self, entry: Path, compute: Callable[[], Views]) -> Views:
        if entry.is_file():
            with np.load(entry) as data:
                return Views(data["maps"], data["tags"])
        views = compute()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with replacing_file(entry) as file:
            np.savez(file, maps=views.maps, tags=views.tags)
        return views

    def clean(self, path: Path, *, n_windows: int) -> Views:
        """The windows the app analyses (``n_windows`` spread over the track)."""

        def compute() -> Views:
            return self.encode(features_from_file(path, params=self.params, n_windows=n_windows).windows)

        return self._cached(self._entry(path, f"clean-{n_windows}"), compute)

    def augmented(self, path: Path, *, n_views: int, seed: int) -> Views:
        """``n_views`` random crops of the track, each degraded by :func:`random_view`."""
        return self._cached(
            self._entry(path, f"views-{n_views}-{seed}"), lambda: self._views(path, n_views, seed, random_view)
        )

    def room_captures(self, path: Path, *, n_views: int, seed: int) -> Views:
        """``n_views`` random crops of the track, each played in a room as the evaluation plays its queries
        (:func:`room_capture`, other draws of the same recipe)."""
        return self._cached(
            self._entry(path, f"rooms-{n_views}-{seed}"), lambda: self._views(path, n_views, seed, room_capture)
        )

    def _views(self, path: Path, n_views: int, seed: int, degrade: Degradation) -> Views:
        sr = self.params.sample_rate
        mono = decode_mono(path, sr=sr)
        rng = np.random.default_rng([seed, int(hashlib.sha256(str(path).encode()).hexdigest()[:8], 16)])
        length = round(self.params.window_seconds * sr)
        return self.encode(np.stack([self._view_window(mono, length, rng, degrade) for _ in range(n_views)]))

    def _view_window(self, mono: np.ndarray, length: int, rng: np.random.Generator, degrade: Degradation) -> np.ndarray:
        """The front end's window of one random crop, degraded; a crop that the degradation (down to
        −20 dB of gain) made silent is drawn again, up to :data:`VIEW_ATTEMPTS` times."""
        sr = self.params.sample_rate
        for attempt in range(VIEW_ATTEMPTS):
            start = int(rng.integers(0, max(mono.size - length, 0) + 1))
            view = degrade(mono[start : start + length], sr, rng)
            try:
                return features_from_signal(view, sr=sr, params=self.params, n_windows=1).windows[0]
            except SilentAudioError:
                if attempt == VIEW_ATTEMPTS - 1:
                    raise
