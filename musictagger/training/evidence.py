"""What the frozen backbone says beyond its feature maps: its own tags, and how novel a window is.

Both come from the same forward pass as the maps, so the detector of "not one of my genres"
costs the app nothing beyond a few small matrix products:

* :class:`WindowTags` — musicnn's tag head was trained on 187-frame patches, whose pool5 is two
  time steps; over a 1820-frame window it is applied to every pair of consecutive pool5 steps
  (overlapping patches of ~3 s, hop ~2 s) and the sigmoid outputs are averaged.
* :func:`layer_statistics` — each conv block's channel means and their spread over time, from
  the grid maps: a summary of the window in the backbone's terms, the space in which novelty
  is measured.
* :class:`Novelty` — squared Mahalanobis distance of those statistics to the training windows,
  with a shrunk covariance (1280 dimensions from a few hundred windows would be singular),
  divided by the dimension so that a typical training window scores about 1.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from musictagger.training.backbone import MTTTagHead


class WindowTags(nn.Module):
    """Tag probabilities ``(B, n_tags)`` of a whole window from its pool5 ``(B, 128, T5, 1)``."""

    def __init__(self, head: MTTTagHead) -> None:
        super().__init__()
        self.head = head

    def forward(self, pool5: Tensor) -> Tensor:
        return torch.sigmoid(self.head.dense(patch_pairs(pool5))).mean(dim=1)


def patch_pairs(pool5: Tensor) -> Tensor:
    """Each 187-frame patch's pool5 — every pair of consecutive steps of ``(B, C, T5, 1)`` — flattened in TF's
    (time, channel) order for the tag head's dense layer: ``(B, T5 − 1, 2·C)``."""
    pairs = pool5.squeeze(-1).unfold(2, 2, 1)  # (B, C, T5 - 1, 2)
    return pairs.permute(0, 2, 3, 1).flatten(2)


def layer_statistics(maps: Tensor) -> Tensor:
    """Each channel's mean and its spread over time, from the grid maps ``(B, 5, 128, Tg, Fg)``: ``(B, 2·5·128)``.

    The spread (standard deviation over time of the frequency-averaged channel) tells music,
    which moves, from noise, tones and hum, which do not, even where their means look alike.
    """
    means = maps.mean(dim=(3, 4)).flatten(1)
    spreads = maps.mean(dim=4).std(dim=3).flatten(1)
    return torch.cat([means, spreads], dim=1)


def statistics_of(maps: np.ndarray) -> np.ndarray:
    """:func:`layer_statistics` of numpy grid maps (float16 as cached), as float32 ``(n, 1280)``."""
    return layer_statistics(torch.from_numpy(maps.astype(np.float32))).numpy()


def fit_whitening(statistics: np.ndarray, *, shrinkage: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and whitening matrix ``W`` (``‖W(x − μ)‖² `` = Mahalanobis²) of training statistics.

    The covariance is shrunk towards its diagonal: ``(1 − s)·Σ + s·diag(Σ)``.
    """
    mean = statistics.mean(axis=0)
    centred = statistics - mean
    covariance = centred.T @ centred / max(len(statistics) - 1, 1)
    shrunk = (1.0 - shrinkage) * covariance + shrinkage * np.diag(np.diag(covariance))
    values, vectors = np.linalg.eigh(shrunk)
    values = np.maximum(values, values.max() * 1e-6)
    whitening = (vectors / np.sqrt(values)).T
    return mean.astype(np.float32), whitening.astype(np.float32)


class Novelty(nn.Module):
    """``‖W(x − μ)‖² / d`` for layer statistics ``x``: about 1 for a training window, more when novel."""

    def __init__(self, mean: np.ndarray, whitening: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.from_numpy(mean))
        self.register_buffer("whitening", torch.from_numpy(whitening))

    def forward(self, statistics: Tensor) -> Tensor:
        whitened = (statistics - self.mean) @ self.whitening.T
        return whitened.pow(2).mean(dim=-1)


class Evidence(nn.Module):
    """The unknown detector's evidence from one pass of the backbone: ``(novelty (B,), tags (B, n_tags))``."""

    def __init__(self, window_tags: WindowTags, novelty: Novelty) -> None:
        super().__init__()
        self.window_tags = window_tags
        self.novelty = novelty

    def forward(self, maps: Tensor, pool5: Tensor) -> tuple[Tensor, Tensor]:
        """Novelty of the grid maps ``(B, 5, 128, Tg, Fg)`` and the tags of pool5 ``(B, 128, T5, 1)``."""
        return self.novelty(layer_statistics(maps)), self.window_tags(pool5)
