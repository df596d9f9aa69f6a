"""Cache of the frozen backbone's feature maps, so re-running training is cheap.

The backbone is frozen (as in the paper), so its resized activation maps of a track never
change for a given front end, backbone and grid.  They are computed once per track and
stored as float16 ``.npy`` under a key made of everything they depend on: the front-end
parameters, the backbone weights' digest, the grid, the number of windows, and the file's
path, size and modification time.  A changed file or setting misses the cache; nothing
stale is ever read.  Files are written to a temporary name and renamed, so an interrupted
run leaves no half-written entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from musictagger.atomic_write import replacing_file
from musictagger.audio.frontend import Features, features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.collection import Track
from musictagger.errors import MusictaggerError
from musictagger.training.model import LayerMaps


@dataclass(frozen=True)
class CachedMaps:
    """Backbone maps of the tracks that could be analysed, and the failures of the others."""

    maps: list[np.ndarray]
    tracks: list[Track]
    failures: list[tuple[Track, str]]

    @property
    def labels(self) -> np.ndarray:
        return np.array([t.label for t in self.tracks], dtype=np.int64)


class MapCache:
    """Computes or loads the ``(n_windows, 5, 128, Tg, Fg)`` maps of each track."""

    def __init__(self, cache_dir: Path, *, params: FeatureParams, layer_maps: LayerMaps, backbone_digest: str) -> None:
        self.cache_dir = cache_dir
        self.params = params
        self.layer_maps = layer_maps.eval()
        self.signature = json.dumps(
            {"front_end": params.to_dict(), "backbone": backbone_digest, "grid": list(layer_maps.grid)}, sort_keys=True
        )

    def _entry(self, track: Track, n_windows: int) -> Path:
        stat = track.path.stat()
        key = f"{self.signature}|{track.relative}|{stat.st_size}|{stat.st_mtime_ns}|{n_windows}"
        return self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npy"

    @torch.no_grad()
    def _compute(self, features: Features) -> np.ndarray:
        maps = self.layer_maps(torch.from_numpy(features.windows))
        return maps.numpy().astype(np.float16)

    def _store(self, entry: Path, maps: np.ndarray) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with replacing_file(entry) as file:
            np.save(file, maps)

    def _front_end_ahead(self, tracks: Sequence[Track], n_windows: int) -> Iterator[tuple[Track, Future]]:
        """Decode the next track on a worker thread while the backbone runs on this one."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending: Future | None = None
            for i, track in enumerate(tracks):
                current = pending or pool.submit(
                    features_from_file, track.path, params=self.params, n_windows=n_windows
                )
                nxt = tracks[i + 1] if i + 1 < len(tracks) else None
                pending = (
                    pool.submit(features_from_file, nxt.path, params=self.params, n_windows=n_windows) if nxt else None
                )
                yield track, current

    def load(self, tracks: Sequence[Track], *, n_windows: int, description: str = "features") -> CachedMaps:
        """Maps of every track, computing what the cache lacks; failing files are reported, not fatal."""
        result = CachedMaps(maps=[], tracks=[], failures=[])
        missing = []
        for track in tracks:
            entry = self._entry(track, n_windows)
            if entry.is_file():
                result.maps.append(np.load(entry))
                result.tracks.append(track)
            else:
                missing.append(track)
        for track, future in tqdm(self._front_end_ahead(missing, n_windows), total=len(missing), desc=description):
            try:
                maps = self._compute(future.result())
            except MusictaggerError as exc:
                result.failures.append((track, str(exc)))
                continue
            self._store(self._entry(track, n_windows), maps)
            result.maps.append(maps)
            result.tracks.append(track)
        return result
