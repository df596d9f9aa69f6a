"""One training run, end to end: collection → cached backbone maps → trained head → bundle.

A run writes into its own folder: ``config.json``, ``log.jsonl`` (one event per line),
``checkpoint.pt`` (best head so far, rewritten as training improves) and, at the end,
``model.pt`` — the bundle ``musictagger export`` turns into ONNX.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from musictagger import atomic_write
from musictagger.audio.params import FeatureParams
from musictagger.collection import Collection
from musictagger.model.manifest import sha256_of
from musictagger.training.backbone import load_backbone
from musictagger.training.cache import MapCache
from musictagger.training.config import ModelConfig, TrainConfig, config_to_dict
from musictagger.training.loop import RunLog, TrainingResult, train_head
from musictagger.training.model import LayerMaps


@dataclass(frozen=True)
class RunPaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def log(self) -> Path:
        return self.root / "log.jsonl"

    @property
    def checkpoint(self) -> Path:
        return self.root / "checkpoint.pt"

    @property
    def bundle(self) -> Path:
        return self.root / "model.pt"


def save_bundle(paths: RunPaths, bundle: dict) -> None:
    """Write the run's ``model.pt`` whole (:mod:`~musictagger.atomic_write`): a stop as the run ends leaves the
    bundle before it, or none, where it left one cut short, which ``export`` could not read."""
    with atomic_write.replacing_file(paths.bundle) as file:
        torch.save(bundle, file)


def start_run(
    run_dir: Path, settings: dict[str, object], echo: Callable[[str], None] | None = None
) -> tuple[RunPaths, RunLog]:
    """Create ``run_dir``, write the run's ``settings`` to its ``config.json`` and open its log with a
    ``start`` event holding them: how every training run (either objective) begins."""
    paths = RunPaths(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write.write_text(paths.config, json.dumps(settings, indent=2) + "\n")
    log = RunLog(paths.log, echo)
    log.write("start", **settings)
    return paths, log


def run_training(
    collection: Collection,
    *,
    run_dir: Path,
    cache_dir: Path,
    backbone_path: Path,
    params: FeatureParams,
    model_config: ModelConfig,
    train_config: TrainConfig,
    echo: Callable[[str], None] | None = None,
) -> TrainingResult:
    """Train on ``collection``'s train split, early-stop on valid, and write the run folder."""
    settings = {
        "data": str(collection.root),
        "split": collection.split_source,
        "labels": collection.labels,
        "front_end": params.to_dict(),
        "model_config": config_to_dict(model_config),
        "train_config": config_to_dict(train_config),
        "backbone": str(backbone_path),
    }
    paths, log = start_run(run_dir, settings, echo)

    started = time.monotonic()
    backbone, _, _ = load_backbone(backbone_path)
    backbone_digest = sha256_of(backbone_path)
    layer_maps = LayerMaps(backbone, grid_time=model_config.grid_time, grid_freq=model_config.grid_freq)
    cache = MapCache(cache_dir, params=params, layer_maps=layer_maps, backbone_digest=backbone_digest)
    train = cache.load(collection.tracks("train"), n_windows=train_config.train_windows, description="train features")
    valid = cache.load(collection.tracks("valid"), n_windows=train_config.eval_windows, description="valid features")
    for track, reason in train.failures + valid.failures:
        log.write("skipped_file", file=track.relative, reason=reason)
    log.write(
        "features_ready", seconds=round(time.monotonic() - started, 1), train=len(train.tracks), valid=len(valid.tracks)
    )

    # The head's small recurrent products gain little from a second thread and lose badly when
    # another process holds a core (measured: 2.5 s an epoch on one thread, 18 s on two).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = train_head(
            train,
            valid,
            n_classes=len(collection.labels),
            model_config=model_config,
            train_config=train_config,
            checkpoint_path=paths.checkpoint,
            log=log,
        )
    finally:
        torch.set_num_threads(threads)
    valid_metrics = {"split": "valid", "tracks": len(valid.tracks), "accuracy": result.valid.accuracy}
    bundle = {
        "head_state": result.head.state_dict(),
        "model_config": config_to_dict(model_config),
        "train_config": config_to_dict(train_config),
        "labels": list(collection.labels),
        "front_end": params.to_dict(),
        "backbone_sha256": backbone_digest,
        "valid_metrics": valid_metrics,
        "training": {
            "data": collection.root.name,
            "split": collection.split_source,
            "tracks": {name: len(collection.tracks(name)) for name in ("train", "valid", "test")},
            "skipped_files": len(train.failures) + len(valid.failures),
            "best_epoch": result.best_epoch,
            "epochs_run": result.epochs_run,
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    save_bundle(paths, bundle)
    log.write(
        "done",
        best_epoch=result.best_epoch,
        valid_accuracy=result.valid.accuracy,
        seconds=bundle["training"]["seconds"],
    )
    return result
