"""Train one head variant with one seed, and keep what the report needs from it, cached on disk.

A variant's outputs (validation accuracy, test probabilities, the relaxed codes and bits of
the test queries and of the training database, training time) are stored as one ``.npz``
under a key made of the variant, the seed, the training settings and the tracks of each split,
so an interrupted or repeated run re-trains nothing it has already trained.  The file is
written under a temporary name and renamed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from musictagger.atomic_write import replacing_file
from musictagger.experiments.features import SplitMaps
from musictagger.experiments.heads import HeadSpec, make_head
from musictagger.training.cache import CachedMaps
from musictagger.training.config import TrainConfig
from musictagger.training.loop import RunLog, train_head, window_set
from musictagger.training.losses import quantised_logits


@dataclass(frozen=True)
class TrackOutputs:
    """Per-track outputs of a trained head: genre probabilities (from the bits), relaxed code and bits."""

    probabilities: np.ndarray
    relaxed: np.ndarray
    bits: np.ndarray


@dataclass(frozen=True)
class VariantRun:
    """What one trained variant gives the report."""

    spec: HeadSpec
    seed: int
    valid_accuracy: float
    test: TrackOutputs
    database: TrackOutputs
    seconds: float
    best_epoch: int


@torch.no_grad()
def track_outputs(head: torch.nn.Module, cached: CachedMaps, channel_index: np.ndarray) -> TrackOutputs:
    """Window outputs aggregated per track as the runtime does: mean probabilities, bits = mean relaxed ≥ ½."""
    head.eval()
    windows = window_set(cached, channel_index)
    probabilities, relaxed = [], []
    for start in range(0, len(windows.maps), 64):
        _, code = head(windows.maps[start : start + 64])
        probabilities.append(torch.softmax(quantised_logits(head.classifier, code), dim=-1).numpy())
        relaxed.append(code.numpy())
    counts = np.bincount(windows.track_of_window)[:, None]

    def per_track(values: np.ndarray) -> np.ndarray:
        total = np.zeros((len(counts), values.shape[1]))
        np.add.at(total, windows.track_of_window, values)
        return total / counts

    mean_relaxed = per_track(np.concatenate(relaxed))
    return TrackOutputs(per_track(np.concatenate(probabilities)), mean_relaxed, (mean_relaxed >= 0.5).astype(np.uint8))


def run_key(spec: HeadSpec, seed: int, train_config: TrainConfig, maps: SplitMaps) -> str:
    """Everything a run's outputs depend on (not the variant's display name, so experiments share runs)."""
    shape = {k: v for k, v in asdict(spec).items() if k != "name"}
    text = json.dumps({"spec": shape, "train": asdict(train_config), "tracks": maps.digest()}, sort_keys=True)
    return hashlib.sha256(f"{text}|seed={seed}".encode()).hexdigest()[:20]


def _save(path: Path, run: VariantRun) -> None:
    arrays = {
        f"{split}_{field}": getattr(getattr(run, split), field)
        for split in ("test", "database")
        for field in ("probabilities", "relaxed", "bits")
    }
    with replacing_file(path) as file:
        np.savez(file, valid_accuracy=run.valid_accuracy, seconds=run.seconds, best_epoch=run.best_epoch, **arrays)


def _load(path: Path, spec: HeadSpec, seed: int) -> VariantRun:
    with np.load(path) as data:
        outputs = {
            split: TrackOutputs(*(data[f"{split}_{field}"] for field in ("probabilities", "relaxed", "bits")))
            for split in ("test", "database")
        }
        return VariantRun(
            spec=spec,
            seed=seed,
            valid_accuracy=float(data["valid_accuracy"]),
            seconds=float(data["seconds"]),
            best_epoch=int(data["best_epoch"]),
            **outputs,
        )


def train_variant(
    spec: HeadSpec, seed: int, maps: SplitMaps, *, n_classes: int, train_config: TrainConfig, results_dir: Path
) -> VariantRun:
    """Train ``spec`` with ``seed`` on one thread (early stopping on valid), or load its cached outputs."""
    config = TrainConfig(**{**asdict(train_config), "seed": seed})
    run_dir = results_dir / run_key(spec, seed, config, maps)
    outputs = run_dir / "outputs.npz"
    if outputs.is_file():
        return _load(outputs, spec, seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    started = time.monotonic()
    try:
        result = train_head(
            maps.train,
            maps.valid,
            n_classes=n_classes,
            model_config=spec.model_config(),
            train_config=config,
            checkpoint_path=run_dir / "checkpoint.pt",
            log=RunLog(run_dir / "log.jsonl"),
            make_head=functools.partial(make_head, spec),
        )
        seconds = time.monotonic() - started
        channel_index = result.head.channel_index.numpy()
        run = VariantRun(
            spec=spec,
            seed=seed,
            valid_accuracy=result.valid.accuracy,
            test=track_outputs(result.head, maps.test, channel_index),
            database=track_outputs(result.head, maps.train, channel_index),
            seconds=seconds,
            best_epoch=result.best_epoch,
        )
    finally:
        torch.set_num_threads(threads)
    _save(outputs, run)
    return run
