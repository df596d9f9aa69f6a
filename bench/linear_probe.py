"""How far do the frozen backbone features go on their own?  A linear probe on the cached maps.

    .venv/bin/python bench/linear_probe.py [DATA_DIR] [--cache-dir DIR]

Fits a logistic regression (standardised features, C chosen from a small grid on the
validation split) on each track's per-channel mean and spread of all five layers' maps,
the same cached maps the hash head trains on (computed if the cache lacks them), and prints
validation and test accuracy with the test confusion matrix.  If the probe and the trained
model make the same mistakes, the features, not the head, are what limits the model.
The probe is experiment 4c of ``musictagger experiments`` (``musictagger.experiments``), run alone.
Needs the 'train' extra (torch, scikit-learn).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from musictagger.collection import load_collection
from musictagger.evaluation.metrics import accuracy, bootstrap_ci, confusion_matrix
from musictagger.experiments.baselines import Vectors, fit_probe
from musictagger.experiments.features import layer_maps_for, load_split_maps, map_cache, pooled_features
from musictagger.training.config import ModelConfig
from musictagger.userdirs import cache_dir

EMOTIFY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "emotify"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", type=Path, default=EMOTIFY)
    parser.add_argument("--cache-dir", type=Path, default=cache_dir() / "features")
    args = parser.parse_args()

    collection = load_collection(args.data_dir)
    maps = load_split_maps(collection, map_cache(args.cache_dir, layer_maps_for(ModelConfig())))
    train, valid, test = (
        Vectors(list(maps.split(name).tracks), pooled_features(maps.split(name)), [])
        for name in ("train", "valid", "test")
    )
    probe = fit_probe(train, valid, test)
    truth = test.labels
    print(
        f"chosen C={probe.c} (valid {probe.valid_accuracy:.3f}); test accuracy {bootstrap_ci(accuracy, truth, probe.test_predicted)}"
    )
    print("test confusion (rows true, columns predicted):", ", ".join(collection.labels))
    print(confusion_matrix(truth, probe.test_predicted, len(collection.labels)))


if __name__ == "__main__":
    main()
