"""One command regenerates the whole report: ``musictagger experiments [--quick]``.

The full plan trains every head variant with three seeds on the cached backbone maps (about
70 s a run on one thread), runs the hashing methods and the baselines, times every method on
the same test tracks, and writes ``OUT/experiments.md``, ``OUT/experiments/*.csv`` and
``OUT/experiments/*.png``.  Trained runs, MFCC vectors and musicnn embeddings are cached under
the user cache folder, so a repeated or interrupted run redoes only what is missing.

``--quick`` is a smoke check of every code path in a few minutes:
16/4/4 tracks per genre, one seed, two epochs, 200 bootstrap resamples; its numbers mean nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from musictagger.collection import SPLITS, Collection, Track
from musictagger.experiments.baselines import mfcc_vector
from musictagger.experiments.document import Results, write_report
from musictagger.experiments.features import (
    layer_maps_for,
    load_split_maps,
    map_cache,
    pooled_features,
    pooled_vector,
)
from musictagger.experiments.hashing import METHODS
from musictagger.experiments.heads import HeadSpec, make_head
from musictagger.experiments.peer import MODELS, seconds_per_track
from musictagger.experiments.studies import (
    Context,
    Probe,
    baseline_probes,
    baseline_rows,
    feature_map_experiment,
    hashing_experiment,
    recurrent_experiment,
)
from musictagger.experiments.timing import Timing, time_backbone_methods, time_vector_method
from musictagger.training.config import ModelConfig, TrainConfig
from musictagger.training.model import N_LAYERS, select_channels


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    name: str
    seeds: tuple[int, ...]
    train_config: TrainConfig
    per_genre: dict[str, int] | None
    timing_tracks: int
    n_resamples: int


FULL = Plan("full", (0, 1, 2), TrainConfig(), None, 10, 2000)
QUICK = Plan("quick", (0,), replace(TrainConfig(), epochs=2, patience=2), {"train": 16, "valid": 4, "test": 4}, 2, 200)


def subset(collection: Collection, per_genre: dict[str, int]) -> dict[str, list[Track]]:
    """The first ``per_genre[split]`` tracks of each genre in each split."""
    chosen: dict[str, list[Track]] = {}
    for split in SPLITS:
        tracks = collection.tracks(split)
        chosen[split] = [
            t
            for label in range(len(collection.labels))
            for t in [t for t in tracks if t.label == label][: per_genre[split]]
        ]
    return chosen


def measure_times(
    ctx: Context, chosen: HeadSpec, probes: list[Probe], tracks: list[Track], musicnn_python: Path | None, layer_maps
) -> list[Timing]:
    """Seconds per track of every method on the same ``tracks``, in this run, caches bypassed."""
    config = chosen.model_config()
    channel_index = torch.arange(config.channels_per_layer).repeat(N_LAYERS, 1)
    head = make_head(chosen, config, len(ctx.genres), channel_index).eval()
    scaler = StandardScaler().fit(pooled_features(ctx.maps.train))
    train_x = scaler.transform(pooled_features(ctx.maps.train))
    hashers = {name: method(64, seed=0).fit(train_x, ctx.maps.train.labels) for name, method in METHODS.items()}
    by_name = {probe.method: probe for probe in probes}

    def hash_head(maps: np.ndarray) -> object:
        return head(select_channels(torch.from_numpy(maps.astype(np.float32)), channel_index))

    heads: dict[str, Callable[[np.ndarray], object]] = {f"hash-CNN-{chosen.name} (64 bits)": hash_head}
    heads |= {
        f"{name} (64 bits) on backbone pooled": (
            lambda maps, h=hasher: h.encode(scaler.transform(pooled_vector(maps)[None]))
        )
        for name, hasher in hashers.items()
    }
    probe = by_name["backbone pooled + LR"].result
    heads["backbone pooled + LR"] = lambda maps: probe.model.predict(pooled_vector(maps)[None])
    ctx.progress(f"timing: backbone methods on {len(tracks)} tracks")
    timings = time_backbone_methods(tracks, layer_maps, heads)
    svm = by_name["MFCC stats + SVM"].result
    ctx.progress("timing: MFCC + SVM")
    timings.append(time_vector_method("MFCC stats + SVM", tracks, lambda t: mfcc_vector(t.path), svm.model.predict))
    for model in MODELS:
        probe_result = by_name[f"{model} + LR"].result
        if musicnn_python is None or probe_result is None:
            continue
        ctx.progress(f"timing: {model}")
        seconds = seconds_per_track(musicnn_python, model, tracks)
        vector = np.zeros((1, probe_result.model.n_features_in_))
        started = time.perf_counter()
        probe_result.model.predict(vector)
        timings.append(Timing(f"{model} + LR", float(np.mean(seconds)), time.perf_counter() - started, len(seconds)))
    return timings


def run_experiments(
    collection: Collection,
    *,
    out: Path,
    plan: Plan,
    cache_dir: Path,
    features_dir: Path,
    musicnn_python: Path | None,
    command: str,
    progress: Callable[[str], None] = print,
) -> Path:
    """Run ``plan`` on ``collection``; write the report under ``out`` and return its path."""
    started = time.monotonic()
    layer_maps = layer_maps_for(ModelConfig())
    tracks = subset(collection, plan.per_genre) if plan.per_genre else None
    maps = load_split_maps(collection, map_cache(features_dir, layer_maps), tracks)
    ctx = Context(
        maps=maps,
        genres=collection.labels,
        seeds=plan.seeds,
        train_config=plan.train_config,
        n_resamples=plan.n_resamples,
        cache_root=cache_dir,
        progress=progress,
    )
    recurrent = recurrent_experiment(ctx)
    feature_maps = feature_map_experiment(ctx, recurrent)
    hashing = hashing_experiment(ctx, recurrent)
    probes = baseline_probes(ctx, musicnn_python)
    baselines = baseline_rows(ctx, probes, recurrent)
    timings = measure_times(
        ctx, recurrent.chosen, probes, list(maps.test.tracks[: plan.timing_tracks]), musicnn_python, layer_maps
    )
    results = Results(
        plan=plan.name,
        command=command,
        minutes=(time.monotonic() - started) / 60,
        tracks={split: len(maps.split(split).tracks) for split in SPLITS},
        failures=[f"{t.relative}: {reason}" for split in SPLITS for t, reason in maps.split(split).failures],
        seeds=plan.seeds,
        train_config=plan.train_config,
        n_resamples=plan.n_resamples,
        recurrent=recurrent,
        feature_maps=feature_maps,
        hashing=hashing,
        baselines=baselines,
        timings=timings,
    )
    return write_report(results, out)
