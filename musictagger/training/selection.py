"""The paper's "similarity selection" of feature-map channels, made concrete.

Each conv layer has 128 channels; feeding all 640 maps to the recurrent reader would give
it far more inputs than 240 training tracks can fit.  We keep, per layer, the channels
whose responses are most *similar within a genre* and most *different between genres*:
Fisher's criterion on each channel's mean activation over the grid,

    F(c) = Σ_g n_g (μ_g(c) − μ(c))²  /  Σ_g n_g σ_g(c)²,

computed on the training split only (never on validation or test data).  The chosen
indices become a fixed buffer of the model, exported with it and listed in its sidecar.
"""

from __future__ import annotations

import numpy as np


def fisher_scores(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Fisher's criterion of each feature column; ``features`` is ``(n_examples, n_features)``."""
    features = features.astype(np.float64)
    overall = features.mean(axis=0)
    between = np.zeros(features.shape[1])
    within = np.zeros(features.shape[1])
    for label in np.unique(labels):
        group = features[labels == label]
        between += len(group) * (group.mean(axis=0) - overall) ** 2
        within += len(group) * group.var(axis=0)
    return between / np.maximum(within, 1e-12)


def select_channels_by_fisher(maps: np.ndarray, labels: np.ndarray, *, per_layer: int) -> np.ndarray:
    """Indices ``(n_layers, per_layer)`` of the best channels of each layer, sorted ascending.

    ``maps`` is ``(n_examples, n_layers, n_channels, T, F)``; a channel's feature is its
    mean activation over the grid.
    """
    channel_means = maps.astype(np.float32).mean(axis=(3, 4))
    chosen = []
    for layer in range(channel_means.shape[1]):
        scores = fisher_scores(channel_means[:, layer], labels)
        chosen.append(np.sort(np.argsort(-scores, kind="stable")[:per_layer]))
    return np.stack(chosen).astype(np.int64)
