"""Training of the hash head on cached backbone maps, with early stopping and a run log.

Every analysis window of a training track is one example; validation is track-level
(window probabilities averaged), read from the *quantised* bits exactly as the exported
model will, so the checkpoint kept is the one that is best the way it will be used.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from tqdm import tqdm

from musictagger.training.cache import CachedMaps
from musictagger.training.config import ModelConfig, TrainConfig
from musictagger.training.identity import IdentityHash
from musictagger.training.losses import hash_loss, quantised_logits
from musictagger.training.model import HashHead
from musictagger.training.selection import select_channels_by_fisher

HeadFactory = Callable[[ModelConfig, int, torch.Tensor], torch.nn.Module]
"""Builds a head from (model config, number of classes, channel index); the experiments' variants."""


def hash_head(model_config: ModelConfig, n_classes: int, channel_index: torch.Tensor) -> HashHead:
    """The paper's head (the default of :func:`train_head`)."""
    return HashHead(model_config, n_classes=n_classes, channel_index=channel_index)


@dataclass(frozen=True)
class WindowSet:
    """Selected maps of every window ``(N, 5, C, Tg, Fg)``, its label and its track index, and,
    for a head whose code ends with identity bits, those bits' relaxed values ``(N, identity_bits)``."""

    maps: torch.Tensor
    labels: torch.Tensor
    track_of_window: np.ndarray
    track_labels: np.ndarray
    identity: torch.Tensor | None = None

    def identity_of(self, rows: slice | torch.Tensor) -> torch.Tensor | None:
        return None if self.identity is None else self.identity[rows]


def selected(maps: np.ndarray, channel_index: np.ndarray) -> np.ndarray:
    """Keep the selected channels of maps ``(n, 5, 128, Tg, Fg)``, as float32."""
    layers = np.arange(channel_index.shape[0])[:, None]
    return maps[:, layers, channel_index].astype(np.float32)


@torch.no_grad()
def identity_codes(identity: IdentityHash | None, maps: np.ndarray) -> torch.Tensor | None:
    """The identity bits' relaxed values of full grid maps ``(n, 5, 128, Tg, Fg)``, or None without them."""
    return None if identity is None else identity(torch.from_numpy(maps.astype(np.float32)))


def windows_of(
    track_maps: list[np.ndarray],
    labels: np.ndarray,
    channel_index: np.ndarray,
    identity: IdentityHash | None = None,
) -> WindowSet:
    """Flatten per-track maps into windows and keep the selected channels (float32)."""
    maps = np.concatenate([selected(m, channel_index) for m in track_maps])
    counts = [len(m) for m in track_maps]
    track_of_window = np.repeat(np.arange(len(counts)), counts)
    codes = None if identity is None else torch.cat([identity_codes(identity, m) for m in track_maps])
    return WindowSet(torch.from_numpy(maps), torch.from_numpy(labels[track_of_window]), track_of_window, labels, codes)


def window_set(cached: CachedMaps, channel_index: np.ndarray) -> WindowSet:
    """:func:`windows_of` the tracks of a cache."""
    return windows_of(cached.maps, cached.labels, channel_index)


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    loss: float


@torch.no_grad()
def evaluate_tracks(head: HashHead, windows: WindowSet, *, batch_size: int = 64) -> Evaluation:
    """Track-level accuracy from the bits (window probabilities averaged) and the mean window loss."""
    head.eval()
    probabilities, losses = [], []
    for start in range(0, len(windows.maps), batch_size):
        rows = slice(start, start + batch_size)
        identity = windows.identity_of(rows)
        # a head without identity bits is called on the maps alone, as train_head's make_head promises
        # (the experiments' concatenated-maps head takes nothing else)
        logits, code = head(windows.maps[rows]) if identity is None else head(windows.maps[rows], identity)
        losses.append(F.cross_entropy(logits, windows.labels[start : start + batch_size], reduction="sum").item())
        probabilities.append(torch.softmax(quantised_logits(head.classifier, code), dim=-1).numpy())
    window_probs = np.concatenate(probabilities)
    n_tracks = len(windows.track_labels)
    track_probs = np.zeros((n_tracks, window_probs.shape[1]))
    np.add.at(track_probs, windows.track_of_window, window_probs)
    accuracy = float(np.mean(track_probs.argmax(axis=1) == windows.track_labels))
    return Evaluation(accuracy=accuracy, loss=sum(losses) / len(windows.maps))


@dataclass(frozen=True)
class TrainingResult:
    head: HashHead
    best_epoch: int
    valid: Evaluation
    epochs_run: int


class RunLog:
    """Appends one JSON object per event to ``run_dir/log.jsonl`` (and mirrors it to a callback)."""

    def __init__(self, path: Path, echo: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.echo = echo
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, event: str, **fields: object) -> None:
        record = {"event": event, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), **fields}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        if self.echo:
            self.echo(json.dumps(record))


def train_head(
    train: CachedMaps,
    valid: CachedMaps,
    *,
    n_classes: int,
    model_config: ModelConfig,
    train_config: TrainConfig,
    checkpoint_path: Path,
    log: RunLog,
    make_head: HeadFactory = hash_head,
) -> TrainingResult:
    """Select channels on the training split, then fit the head with early stopping on validation accuracy.

    ``make_head`` builds any module that maps selected maps to ``(logits, relaxed code)`` and has a
    ``classifier``; the default is the paper's :class:`HashHead`.
    """
    torch.manual_seed(train_config.seed)
    rng = np.random.default_rng(train_config.seed)
    channel_index = select_channels_by_fisher(
        np.concatenate(train.maps),
        np.repeat(train.labels, [len(m) for m in train.maps]),
        per_layer=model_config.channels_per_layer,
    )
    train_windows, valid_windows = window_set(train, channel_index), window_set(valid, channel_index)
    head = make_head(model_config, n_classes, torch.from_numpy(channel_index))
    optimiser = torch.optim.AdamW(
        head.parameters(), lr=train_config.learning_rate, weight_decay=train_config.weight_decay
    )
    log.write("selection", channel_index=channel_index.tolist())

    best: tuple[float, float] | None = None
    best_epoch, stale = 0, 0
    epoch = 0
    for epoch in tqdm(range(1, train_config.epochs + 1), desc="epochs"):
        head.train()
        order = rng.permutation(len(train_windows.maps))
        totals = np.zeros(4)
        for start in range(0, len(order), train_config.batch_size):
            batch = torch.from_numpy(order[start : start + train_config.batch_size])
            logits, code = head(train_windows.maps[batch])
            terms = hash_loss(
                logits,
                code,
                train_windows.labels[batch],
                quantization_weight=train_config.quantization_weight,
                balance_weight=train_config.balance_weight,
            )
            optimiser.zero_grad()
            terms.total.backward()
            optimiser.step()
            totals += [terms.total.item(), terms.classification.item(), terms.quantization.item(), terms.balance.item()]
        n_batches = -(-len(order) // train_config.batch_size)
        result = evaluate_tracks(head, valid_windows)
        log.write(
            "epoch",
            epoch=epoch,
            **dict(
                zip(
                    ("loss", "classification", "quantization", "balance"),
                    (totals / n_batches).round(5).tolist(),
                    strict=True,
                )
            ),
            valid_accuracy=result.accuracy,
            valid_loss=round(result.loss, 5),
        )
        score = (result.accuracy, -result.loss)
        if best is None or score > best:
            best, best_epoch, stale = score, epoch, 0
            torch.save(head.state_dict(), checkpoint_path)
        else:
            stale += 1
            if stale >= train_config.patience:
                log.write("early_stop", epoch=epoch, best_epoch=best_epoch)
                break
    head.load_state_dict(torch.load(checkpoint_path, weights_only=True))
    return TrainingResult(
        head=head, best_epoch=best_epoch, valid=evaluate_tracks(head, valid_windows), epochs_run=epoch
    )
