"""How far do the frozen backbone features go on their own?  A linear probe on the cached maps.

    .venv/bin/python bench/linear_probe.py [DATA_DIR] [--cache-dir DIR]

Fits a logistic regression (standardised features, C chosen from a small grid on the
validation split) on each track's per-channel mean and spread of all five layers' maps,
the same cached maps the hash head trains on (computed if the cache lacks them), and prints
validation and test accuracy with the test confusion matrix.  If the probe and the trained
model make the same mistakes, the features, not the head, are what limits the model.
Needs the 'train' extra (torch, scikit-learn).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from platformdirs import user_cache_dir
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from musictagger.audio.params import FeatureParams
from musictagger.collection import load_collection
from musictagger.evaluation.metrics import accuracy, bootstrap_ci, confusion_matrix
from musictagger.model.manifest import sha256_of
from musictagger.training.backbone import DEFAULT_BACKBONE, load_backbone
from musictagger.training.cache import CachedMaps, MapCache
from musictagger.training.config import ModelConfig, TrainConfig
from musictagger.training.model import LayerMaps

EMOTIFY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "emotify"


def track_features(cached: CachedMaps) -> np.ndarray:
    """Per track: each channel's mean over windows and grid, and its spread over the grid."""
    rows = []
    for maps in cached.maps:
        maps = maps.astype(np.float32)
        rows.append(np.concatenate([maps.mean(axis=(0, 3, 4)).ravel(), maps.std(axis=(3, 4)).mean(axis=0).ravel()]))
    return np.stack(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", type=Path, default=EMOTIFY)
    parser.add_argument("--cache-dir", type=Path, default=Path(user_cache_dir("musictagger")) / "features")
    args = parser.parse_args()

    collection = load_collection(args.data_dir)
    model_config, n_windows = ModelConfig(), TrainConfig().eval_windows
    backbone, _, _ = load_backbone(DEFAULT_BACKBONE)
    layer_maps = LayerMaps(backbone, grid_time=model_config.grid_time, grid_freq=model_config.grid_freq)
    cache = MapCache(
        args.cache_dir, params=FeatureParams(), layer_maps=layer_maps, backbone_digest=sha256_of(DEFAULT_BACKBONE)
    )
    splits = {
        name: cache.load(collection.tracks(name), n_windows=n_windows, description=name)
        for name in ("train", "valid", "test")
    }
    features = {name: track_features(cached) for name, cached in splits.items()}
    scaler = StandardScaler().fit(features["train"])

    best = None
    for c in (0.01, 0.1, 1.0):
        probe = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(features["train"]), splits["train"].labels)
        valid = accuracy(splits["valid"].labels, probe.predict(scaler.transform(features["valid"])))
        print(f"C={c:<5} valid accuracy {valid:.3f}")
        if best is None or valid > best[0]:
            best = (valid, c, probe)
    valid, c, probe = best
    predicted = probe.predict(scaler.transform(features["test"]))
    truth = splits["test"].labels
    print(f"\nchosen C={c} (valid {valid:.3f}); test accuracy {bootstrap_ci(accuracy, truth, predicted)}")
    print("test confusion (rows true, columns predicted):", ", ".join(collection.labels))
    print(confusion_matrix(truth, predicted, len(collection.labels)))


if __name__ == "__main__":
    main()
