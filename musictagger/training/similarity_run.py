"""The second and third models' training run: codes that keep music apart, and verdicts that can be trusted.

Steps, each logged to ``run_dir/log.jsonl``:

1. backbone outputs of every track's clean windows and of ``views`` degraded crops of each
   training track (:class:`~musictagger.training.views.ViewCache`, computed once), and with
   ``int8_views`` the int8 backbone's maps of each training track's clean windows
   (:mod:`musictagger.training.int8_views`);
2. the hash head trained with the similarity objective (:mod:`musictagger.training.similarity`);
3. the novelty detector: a Gaussian of the clean training windows' layer statistics (not of
   the degraded views: their noise would make noise itself look familiar), with ``int8_views``
   also of the int8 backbone's view of them (else int8 rounding itself looks novel);
4. a temperature fitted on the validation split;
5. the detector's thresholds chosen on the validation split, the dev set and one seed of
   generated non-music (:func:`musictagger.training.calibration.choose_policy`).

The run folder's ``model.pt`` bundle holds all of it; ``musictagger export`` writes the ONNX
model with its ``novelty`` and ``tags`` outputs and the sidecar's ``verdict`` section.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from musictagger.audio.frontend import features_from_signal
from musictagger.audio.params import FeatureParams
from musictagger.collection import Collection
from musictagger.evaluation.devset import load_dev_set, spelt_for
from musictagger.evaluation.nonmusic import CHOICE_RATE, CHOICE_SEED, non_music, seed_and_rate
from musictagger.model.manifest import sha256_of
from musictagger.training.backbone import load_backbone
from musictagger.training.calibration import GENRE_TAGS, EvidenceSet, choose_policy, fit_temperature, tag_vocabulary
from musictagger.training.config import ModelConfig, SimilarityTrainConfig, config_to_dict
from musictagger.training.evidence import Novelty, fit_whitening, statistics_of
from musictagger.training.int8_views import Int8LayerMaps
from musictagger.training.run import save_bundle, start_run
from musictagger.training.similarity import SimilarityResult, train_similarity_head, window_probabilities
from musictagger.training.views import ViewCache, Views


def _evidence(name: str, views: list[Views], result: SimilarityResult, novelty: Novelty, expected: list) -> EvidenceSet:
    with torch.no_grad():
        scores = [novelty(torch.from_numpy(v.statistics)).numpy() for v in views]
    return EvidenceSet.of_windows(
        name,
        [window_probabilities(result.head, v.maps, result.identity) for v in views],
        scores,
        [v.tags for v in views],
        expected,
    )


def run_similarity_training(
    collection: Collection,
    *,
    dev_dir: Path,
    run_dir: Path,
    cache_dir: Path,
    backbone_path: Path,
    params: FeatureParams,
    model_config: ModelConfig,
    config: SimilarityTrainConfig,
    echo: Callable[[str], None] | None = None,
) -> dict:
    """Train, calibrate and choose thresholds; write ``run_dir/model.pt``; return the bundle's summary."""
    settings = {
        "objective": "similarity",
        "data": str(collection.root),
        "split": collection.split_source,
        "dev_set": str(dev_dir),
        "labels": collection.labels,
        "front_end": params.to_dict(),
        "model_config": config_to_dict(model_config),
        "train_config": config_to_dict(config),
        "backbone": str(backbone_path),
    }
    paths, log = start_run(run_dir, settings, echo)
    started = time.monotonic()

    backbone, tag_head, tag_names = load_backbone(backbone_path)
    cache = ViewCache(
        cache_dir,
        params=params,
        backbone=backbone,
        tag_head=tag_head,
        grid=(model_config.grid_time, model_config.grid_freq),
        backbone_digest=sha256_of(backbone_path),
    )
    train_tracks, valid_tracks = collection.tracks("train"), collection.tracks("valid")
    # The app reads at most train_windows windows that do not overlap (a 60-s clip has two), so each
    # track's count of clean windows is its own: the novelty, the channel selection and the identity
    # hash must see those alone, never a degraded view in their place.
    train_clean = [cache.clean(t.path, n_windows=config.train_windows) for t in tqdm(train_tracks, desc="train")]
    clean_counts = [len(v) for v in train_clean]
    train_views = [
        Views.concatenate([clean, cache.augmented(t.path, n_views=config.views, seed=config.seed)])
        for clean, t in zip(train_clean, tqdm(train_tracks, desc="train views"), strict=True)
    ]
    train_int8: list[np.ndarray] = []
    if config.int8_views:
        int8 = Int8LayerMaps.for_training(
            cache.layer_maps,
            [t.path for t in train_tracks],
            params=params,
            n_windows=config.eval_windows,
            seed=config.seed,
        )
        train_int8 = [
            int8.of_file(t.path, n_windows=config.train_windows) for t in tqdm(train_tracks, desc="int8 views")
        ]
    valid_views = [cache.clean(t.path, n_windows=config.eval_windows) for t in tqdm(valid_tracks, desc="valid")]
    valid_rooms = (
        [
            cache.room_captures(t.path, n_views=config.valid_rooms, seed=config.seed).maps
            for t in tqdm(valid_tracks, desc="valid room captures")
        ]
        if config.valid_rooms
        else []
    )
    dev_clips = spelt_for(load_dev_set(dev_dir), collection.labels)
    dev_views = [cache.clean(c.path, n_windows=config.eval_windows) for c in tqdm(dev_clips, desc="dev set")]
    non_music_views = [
        cache.encode(features_from_signal(y, sr=CHOICE_RATE, params=params, n_windows=config.eval_windows).windows)
        for _, y in non_music(CHOICE_SEED, sr=CHOICE_RATE)
    ]
    log.write("features_ready", seconds=round(time.monotonic() - started, 1))

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the head's small recurrent products lose more to a busy second core than they gain
    try:
        result = train_similarity_head(
            [v.maps for v in train_views],
            clean_counts,
            np.array([t.label for t in train_tracks]),
            [v.maps for v in valid_views],
            np.array([t.label for t in valid_tracks]),
            n_classes=len(collection.labels),
            model_config=model_config,
            config=config,
            checkpoint_path=paths.checkpoint,
            log=log,
            int8_maps=train_int8 or None,
            valid_rooms=valid_rooms or None,
        )
    finally:
        torch.set_num_threads(threads)

    # Clean windows only (degraded views would make noise itself look familiar), as the float model
    # and, with int8 views, as its int8 twin will see them.
    statistics = [Views.concatenate(train_clean).statistics, *(statistics_of(maps) for maps in train_int8)]
    mean, whitening = fit_whitening(np.concatenate(statistics))
    novelty = Novelty(mean, whitening)
    labels = tuple(collection.labels)
    valid_evidence = _evidence("valid", valid_views, result, novelty, [labels[t.label] for t in valid_tracks])
    temperature = fit_temperature(valid_evidence.window_probabilities, np.array([t.label for t in valid_tracks]))
    foreign, native = GENRE_TAGS[tag_vocabulary(tuple(tag_names))]
    choice = choose_policy(
        temperature=temperature,
        valid=valid_evidence,
        dev=_evidence("dev", dev_views, result, novelty, [c.expected for c in dev_clips]),
        non_music=_evidence("non-music", non_music_views, result, novelty, [None] * len(non_music_views)),
        labels=labels,
        tag_names=tuple(tag_names),
        foreign=foreign,
        native=native,
        chosen_on=f"temperature on {collection.root.name} valid; thresholds on {collection.root.name} valid, "
        f"the dev set {dev_dir.name} and generated non-music ({seed_and_rate(CHOICE_SEED, CHOICE_RATE)})",
    )
    log.write(
        "verdict_policy",
        policy=choice.policy.to_dict(),
        outcomes={k: asdict(v) for k, v in choice.outcomes.items()},
        candidates=choice.candidates,
        feasible=choice.feasible,
    )
    summary = {
        "objective": "similarity",
        "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run,
        "valid_accuracy": result.valid_accuracy,
        "valid_window_retrieval": result.valid_retrieval,
        **({} if result.valid_room_first is None else {"valid_room_first": result.valid_room_first}),
        "seconds": round(time.monotonic() - started, 1),
    }
    bundle = {
        "head_state": result.head.state_dict(),
        **({"identity_state": result.identity.state_dict()} if result.identity is not None else {}),
        "novelty_mean": torch.from_numpy(mean),
        "novelty_whitening": torch.from_numpy(whitening),
        "verdict": choice.policy.to_dict(),
        "verdict_choice": {k: asdict(v) for k, v in choice.outcomes.items()},
        "model_config": config_to_dict(model_config),
        "train_config": config_to_dict(config),
        "labels": list(labels),
        "front_end": params.to_dict(),
        "backbone_sha256": sha256_of(backbone_path),
        "backbone_file": backbone_path.name,
        "valid_metrics": {"split": "valid", "tracks": len(valid_tracks), "accuracy": result.valid_accuracy},
        "training": {
            "data": collection.root.name,
            "split": collection.split_source,
            "tracks": {name: len(collection.tracks(name)) for name in ("train", "valid", "test")},
            **summary,
        },
    }
    save_bundle(paths, bundle)
    log.write("done", **summary)
    return summary
