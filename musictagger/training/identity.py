"""The identity part of the third model's code: bits that tell *which music this is*.

The second model asked the recurrent head to learn, contrastively, codes that find a track
again from a degraded or different window; trained on 240 tracks it did not generalise (a room
capture found its own track first 3 % of the time).  The frozen backbone already says which
music a window is, if one looks in the right directions: the channel means of its five layers
(640 values) move little between two windows of one track or under a room, and a lot between
tracks — once the directions that rooms and windows move are discounted.  So the identity bits
are fitted in closed form on the training split, as a similarity-preserving hash:

1. **Channel means** of the five grid maps (640 values with MTT_vgg, 320 with the fast model's
   backbone) and, with ``identity_maxima`` (tried for a fifth model), each channel's **maximum** over
   the grid beside them (twice as many values),
   standardised on the clean training windows; the features that never vary there (dead after the
   ReLU) are left out.
2. **Linear discriminant directions between tracks** (each track a class): the within-track
   scatter comes from every training window's distance to its track's clean mean — its other
   clean windows and its degraded random crops (:func:`musictagger.audio.augment.random_view`) and,
   for a model with an int8 twin, how far the int8 backbone moves its clean windows
   (:mod:`musictagger.training.int8_views`) — shrunk towards its average variance; the
   between-track scatter from the tracks' clean means.
   The ``dims`` leading directions keep what separates tracks and discount what rooms change.
3. **ITQ** (Gong & Lazebnik, 2011): the rotation of those directions whose signs lose least,
   one bit per column; the relaxed code is ``sigmoid(sharpness · projection / spread)``.

:class:`IdentityHash` is a fixed linear layer on those features, exported inside the ONNX
graph; nothing here is trained by gradient descent.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

SHRINKAGE = 0.1
# A channel whose clean training windows vary less than this fraction of the median channel's
# spread is dead (musicnn has ~140 of 640 that a ReLU keeps constant): it gets no weight.
# Standardising it would divide by ~0 whatever rounding moves it by (the float16 maps it was
# fitted on against float32 in the app, or an int8 twin), and bits would follow the rounding.
DEAD_CHANNEL = 1e-3
ITQ_ITERATIONS = 50
SHARPNESS = 2.0


def channel_features(maps: np.ndarray, *, maxima: bool) -> np.ndarray:
    """What :meth:`IdentityHash.forward` reads of the grid maps ``(n, 5, C, Tg, Fg)``: each channel's mean
    over the grid, all five layers, then with ``maxima`` each channel's maximum → ``(n, 5·C)`` or
    ``(n, 10·C)`` float64 (C = 128 for MTT_vgg, 64 for the fast model's backbone)."""
    maps = maps.astype(np.float32)
    statistics = [maps.mean(axis=(3, 4)), *([maps.max(axis=(3, 4))] if maxima else [])]
    return np.hstack([s.reshape(len(maps), -1) for s in statistics]).astype(np.float64)


class IdentityHash(nn.Module):
    """``sigmoid(sharpness · (((x − μ) / σ) @ projection − offset))`` on the grid maps ``(B, 5, 128, Tg, Fg)``,
    ``x`` the channel means, and with ``maxima`` the channel maxima after them."""

    def __init__(
        self,
        mean: np.ndarray,
        scale: np.ndarray,
        projection: np.ndarray,
        offset: np.ndarray,
        sharpness: float,
        *,
        maxima: bool = False,
    ) -> None:
        super().__init__()
        self.maxima = maxima
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.register_buffer("projection", torch.as_tensor(projection, dtype=torch.float32))
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float32))
        self.register_buffer("sharpness", torch.tensor(float(sharpness)))

    @property
    def bits(self) -> int:
        return int(self.projection.shape[1])

    @classmethod
    def empty(cls, *, features: int, bits: int, maxima: bool) -> IdentityHash:
        """A hash of the right shape whose buffers a saved state will fill."""
        zeros, ones = np.zeros(features), np.ones(features)
        return cls(zeros, ones, np.zeros((features, bits)), np.zeros(bits), SHARPNESS, maxima=maxima)

    def forward(self, grid_maps: Tensor) -> Tensor:
        statistics = [grid_maps.mean(dim=(3, 4)), *([grid_maps.amax(dim=(3, 4))] if self.maxima else [])]
        features = torch.cat([s.flatten(1) for s in statistics], dim=1)
        return torch.sigmoid(self.sharpness * (((features - self.mean) / self.scale) @ self.projection - self.offset))


def _inverse_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return vectors / np.sqrt(np.maximum(values, values.max() * 1e-9))


def discriminant_directions(pools: list[np.ndarray], clean_counts: list[int], *, dims: int) -> np.ndarray:
    """The ``dims`` directions of standardised features that best separate tracks from each other
    relative to how much one track's windows and views vary; ``pools[i]`` is ``(n_i, d)``, its
    first ``clean_counts[i]`` rows clean windows."""
    centres = np.stack([pool[:count].mean(axis=0) for pool, count in zip(pools, clean_counts, strict=True)])
    within = np.concatenate([pool - centre for pool, centre in zip(pools, centres, strict=True)])
    within_scatter = within.T @ within / len(within)
    average = np.trace(within_scatter) / len(within_scatter)
    within_scatter = (1.0 - SHRINKAGE) * within_scatter + SHRINKAGE * average * np.eye(len(within_scatter))
    between = centres - centres.mean(axis=0)
    whiten = _inverse_sqrt(within_scatter)
    _, vectors = np.linalg.eigh(whiten.T @ (between.T @ between / len(between)) @ whiten)
    return whiten @ vectors[:, ::-1][:, :dims]


def itq_rotation(projected: np.ndarray, *, bits: int, seed: int) -> np.ndarray:
    """ITQ: the orthogonal ``(dims, bits)`` map minimising the quantisation loss of centred ``projected``."""
    rng = np.random.default_rng(seed)
    rotation = np.linalg.qr(rng.standard_normal((projected.shape[1], projected.shape[1])))[0][:, :bits]
    for _ in range(ITQ_ITERATIONS):
        signs = np.sign(projected @ rotation)
        left, _, right = np.linalg.svd(projected.T @ signs, full_matrices=False)
        rotation = left @ right
    return rotation


def fit_linear_hash(
    features: list[np.ndarray], clean_counts: list[int], *, bits: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The similarity-preserving linear hash of steps 2 and 3 on any per-window ``features[i]`` ``(n_i, d)``
    of training track ``i`` (its first ``clean_counts[i]`` rows clean windows): ``(mean, scale, projection,
    offset)`` such that ``((x − mean) / scale) @ projection − offset`` has one unit-spread column per bit
    (features that never vary over the clean windows get no weight)."""
    clean = np.concatenate([f[:count] for f, count in zip(features, clean_counts, strict=True)])
    mean, spread_of_feature = clean.mean(axis=0), clean.std(axis=0)
    live = spread_of_feature > DEAD_CHANNEL * np.median(spread_of_feature)
    scale = np.where(live, spread_of_feature, 1.0)
    standardised = [((f - mean) / scale)[:, live] for f in features]
    dims = min(max(bits, 64), len(features) - 1)  # the between-track scatter has no more directions than that
    directions = discriminant_directions(standardised, clean_counts, dims=dims)
    projected = np.concatenate(standardised) @ directions
    centre = projected.mean(axis=0)
    rotation = itq_rotation(projected - centre, bits=bits, seed=seed)
    offset = centre @ rotation
    spread = (projected @ rotation - offset).std(axis=0) + 1e-9
    projection = np.zeros((len(live), bits))
    projection[live] = directions @ rotation
    return mean, scale, projection / spread, offset / spread


def fit_identity_hash(
    pools: list[np.ndarray],
    clean_counts: list[int],
    *,
    bits: int,
    seed: int,
    maxima: bool = False,
    int8_maps: list[np.ndarray] | None = None,
) -> IdentityHash:
    """Fit :class:`IdentityHash` on training tracks' grid maps (``pools[i]``: ``(n_i, 5, 128, Tg, Fg)``,
    its first ``clean_counts[i]`` windows clean, the rest degraded views).

    ``maxima``: read the channel maxima beside the means (:func:`channel_features`).
    ``int8_maps[i]``, if given, are the int8 backbone's maps of the same clean windows: how far
    int8 moves each window's features is added, from the track's clean centre, as more
    within-track variation (the quantisation's alone: the int8 windows themselves would count
    the clean windows' own spread twice)."""
    features = [channel_features(pool, maxima=maxima) for pool in pools]
    if int8_maps is not None:
        features = [
            np.concatenate([f, f[:count].mean(axis=0) + channel_features(int8, maxima=maxima) - f[:count]])
            for f, count, int8 in zip(features, clean_counts, int8_maps, strict=True)
        ]
    mean, scale, projection, offset = fit_linear_hash(features, clean_counts, bits=bits, seed=seed)
    return IdentityHash(mean, scale, projection, offset, SHARPNESS, maxima=maxima)
