"""A narrower FCN-5, distilled from the pre-trained one (issue 14: doing less work per window).

The backbone is most of the app's time: 8.64 G multiply-adds a 29-s window at MTT_vgg's 128
channels per block, 2.19 G at 64 (``bench/backbone_width.py``).  No pre-trained 64-channel
network exists, so one is made from the 128-channel teacher in two steps:

1. **Prune**: each block keeps the ``channels`` outputs that vary most over training audio
   (a channel that a ReLU holds constant carries nothing), with the teacher's weights between
   the kept channels and the tag head's weights on the kept pool5 channels.
2. **Distil**: the pruned network is trained to reproduce, on random crops of the training
   split's audio (clean and degraded by :func:`~musictagger.audio.augment.random_view`), every
   block's output (FitNets: a 1×1 convolution maps the student's channels onto the teacher's,
   each teacher channel standardised) and the teacher's MagnaTagATune tag probabilities.

Only the training split's audio is heard, without its labels; the validation split's clean
windows measure the same losses each epoch, and the epoch that reproduces them best is kept.
The result is a backbone file in the converted weights' layout (:func:`save_backbone`), so
``musictagger train --backbone FILE`` trains the heads on it like on the original.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the conventional name)
from torch import Tensor, nn

from musictagger.audio.augment import random_view
from musictagger.audio.decode import decode_mono
from musictagger.audio.frontend import features_from_file, features_from_signal
from musictagger.audio.params import FeatureParams
from musictagger.errors import MusictaggerError, SilentAudioError
from musictagger.training.backbone import FCN5Backbone, MTTTagHead, load_backbone, save_backbone
from musictagger.training.config import DistilConfig
from musictagger.training.evidence import patch_pairs

WINDOWS_PER_RENDER = 2  # two 29-s windows cover a 60-s clip


@dataclass(frozen=True)
class Renders:
    """Log-mel windows ``(n, window_frames, n_mels)`` float16 of the files that could be read, and
    the others with the front end's reason."""

    windows: np.ndarray
    failures: list[tuple[Path, str]]


def render_windows(
    paths: Sequence[Path], *, params: FeatureParams, views: int, seed: int, on_track: Callable[[], None] | None = None
) -> Renders:
    """Each file's windows, clean and ``views`` times degraded, through the app's one front end.

    A file the front end refuses is recorded and skipped (as ``train``'s feature cache does), so
    one damaged track does not end a 25-minute run.
    """
    rng = np.random.default_rng(seed)
    windows, failures = [], []
    for path in paths:
        try:
            windows.extend(_renders_of(path, params=params, views=views, rng=rng))
        except MusictaggerError as exc:
            failures.append((path, str(exc)))
        if on_track:
            on_track()
    if not windows:
        raise MusictaggerError(f"none of the {len(paths)} files could be read")
    return Renders(np.concatenate(windows).astype(np.float16), failures)


def _renders_of(path: Path, *, params: FeatureParams, views: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One file's clean windows and its degraded renders' (a render made silent is left out)."""
    renders = [features_from_file(path, params=params, n_windows=WINDOWS_PER_RENDER).windows]
    if views:
        sr = params.sample_rate
        mono = decode_mono(path, sr=sr)
        for _ in range(views):
            try:
                degraded = random_view(mono, sr, rng)
                renders.append(
                    features_from_signal(degraded, sr=sr, params=params, n_windows=WINDOWS_PER_RENDER).windows
                )
            except SilentAudioError:
                continue
    return renders


@torch.no_grad()
def prune(
    teacher: FCN5Backbone, head: MTTTagHead, teacher_pools: list[Tensor], channels: int
) -> tuple[FCN5Backbone, MTTTagHead, list[Tensor]]:
    """The teacher restricted to the ``channels`` outputs of each block that vary most in ``teacher_pools``
    (its block outputs on sample crops), and the teacher channels each block kept."""
    student, student_head = FCN5Backbone(channels), MTTTagHead(head.dense.out_features, channels=channels)
    student.input_bn.load_state_dict(teacher.input_bn.state_dict())
    kept_before, kept_channels = torch.arange(1), []
    for block, target, pool in zip(teacher.blocks, student.blocks, teacher_pools, strict=True):
        kept = pool.transpose(0, 1).flatten(1).std(dim=1).argsort(descending=True)[:channels].sort().values
        target.conv.weight.copy_(block.conv.weight[kept][:, kept_before])
        target.conv.bias.copy_(block.conv.bias[kept])
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(target.bn, name).copy_(getattr(block.bn, name)[kept])
        kept_before = kept
        kept_channels.append(kept)
    teacher_width = head.dense.in_features // 2
    columns = torch.cat([kept_before, kept_before + teacher_width])  # pool5's (time, channel) order
    student_head.dense.weight.copy_(head.dense.weight[:, columns])
    student_head.dense.bias.copy_(head.dense.bias)
    return student, student_head, kept_channels


@dataclass(frozen=True)
class Standardiser:
    """Per-channel mean and spread of the teacher's block outputs, so each channel weighs alike."""

    means: list[Tensor]
    spreads: list[Tensor]

    @staticmethod
    @torch.no_grad()
    def of(teacher_pools: list[Tensor]) -> Standardiser:
        means = [p.mean(dim=(0, 2, 3), keepdim=True) for p in teacher_pools]
        spreads = [p.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-3) for p in teacher_pools]
        return Standardiser(means, spreads)

    def __call__(self, pools: list[Tensor]) -> list[Tensor]:
        return [(p - m) / s for p, m, s in zip(pools, self.means, self.spreads, strict=True)]


class Adapters(nn.Module):
    """1×1 convolutions from the student's channels onto the teacher's standardised channels, one per block.

    They start where pruning left the student: each kept channel standardised onto its teacher channel,
    every other teacher channel predicted as its mean (zero once standardised).
    """

    def __init__(self, kept_channels: list[Tensor], standardise: Standardiser) -> None:
        super().__init__()
        self.maps = nn.ModuleList()
        for kept, mean, spread in zip(kept_channels, standardise.means, standardise.spreads, strict=True):
            adapter = nn.Conv2d(len(kept), mean.shape[1], 1)
            with torch.no_grad():
                adapter.weight.zero_()
                adapter.bias.zero_()
                scale = 1.0 / spread.flatten()[kept]
                adapter.weight[kept, torch.arange(len(kept)), 0, 0] = scale
                adapter.bias[kept] = -mean.flatten()[kept] * scale
            self.maps.append(adapter)

    def forward(self, pools: list[Tensor]) -> list[Tensor]:
        return [adapter(pool) for adapter, pool in zip(self.maps, pools, strict=True)]


@dataclass(frozen=True)
class Targets:
    """What the student learns to reproduce on a batch: the teacher's standardised block outputs and its
    tag probabilities (computed once per batch; the validation batch's once for the whole run)."""

    blocks: list[Tensor]
    tags: Tensor

    @staticmethod
    @torch.no_grad()
    def of(teacher_pools: list[Tensor], teacher_head: MTTTagHead, standardise: Standardiser) -> Targets:
        tags = torch.sigmoid(teacher_head.dense(patch_pairs(teacher_pools[-1])))
        return Targets(standardise(teacher_pools), tags)


def distillation_losses(
    student_pools: list[Tensor], student_head: MTTTagHead, adapters: Adapters, targets: Targets
) -> tuple[Tensor, Tensor]:
    """(mean of the blocks' standardised squared errors, tag cross-entropy against the teacher's probabilities)."""
    blocks = torch.stack(
        [F.mse_loss(a, t) for a, t in zip(adapters(student_pools), targets.blocks, strict=True)]
    ).mean()
    tags = F.binary_cross_entropy_with_logits(student_head.dense(patch_pairs(student_pools[-1])), targets.tags)
    return blocks, tags


def random_crops(windows: np.ndarray, count: int, frames: int, rng: np.random.Generator) -> Tensor:
    """``count`` random ``frames``-long crops of random windows, float32."""
    rows = rng.integers(0, len(windows), count)
    starts = rng.integers(0, windows.shape[1] - frames + 1, count)
    return torch.from_numpy(
        np.stack([windows[r, s : s + frames] for r, s in zip(rows, starts, strict=True)]).astype(np.float32)
    )


def distil(
    teacher_path: Path,
    train_windows: np.ndarray,
    valid_windows: np.ndarray,
    config: DistilConfig,
    out_path: Path,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Prune and distil the teacher into a ``config.channels``-wide backbone written to ``out_path``.

    Returns the kept epoch's validation losses, those of the pruned network before any training, and the time taken.
    """
    if train_windows.shape[1] < config.crop_frames:
        raise MusictaggerError(f"windows of {train_windows.shape[1]} frames are shorter than the crops")
    started = time.monotonic()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    teacher, teacher_head, labels = load_backbone(teacher_path)
    sample = random_crops(train_windows, 64, config.crop_frames, rng)
    with torch.no_grad():
        teacher_sample = teacher(sample)
    standardise = Standardiser.of(teacher_sample)
    student, student_head, kept_channels = prune(teacher, teacher_head, teacher_sample, config.channels)
    adapters = Adapters(kept_channels, standardise)
    parameters = [*student.parameters(), *student_head.parameters(), *adapters.parameters()]
    optimiser = torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=config.epochs * config.steps_per_epoch)
    valid = random_crops(valid_windows, 128, config.crop_frames, np.random.default_rng(config.seed + 1))
    with torch.no_grad():
        valid_targets = Targets.of(teacher(valid), teacher_head, standardise)

    def validation() -> tuple[float, float]:
        student.eval()
        with torch.no_grad():
            blocks, tags = distillation_losses(student(valid), student_head, adapters, valid_targets)
        return float(blocks), float(tags)

    best = {"epoch": 0.0, "valid_blocks": float("inf"), "valid_tags": float("inf")}
    pruned_blocks, pruned_tags = validation()
    log(f"pruned to {config.channels} channels: valid blocks {pruned_blocks:.4f} tags {pruned_tags:.4f}")
    for epoch in range(1, config.epochs + 1):
        student.train()
        totals = np.zeros(2)
        for _ in range(config.steps_per_epoch):
            crops = random_crops(train_windows, config.batch_size, config.crop_frames, rng)
            with torch.no_grad():
                targets = Targets.of(teacher(crops), teacher_head, standardise)
            blocks, tags = distillation_losses(student(crops), student_head, adapters, targets)
            optimiser.zero_grad()
            (blocks + config.tag_weight * tags).backward()
            optimiser.step()
            schedule.step()
            totals += (blocks.item(), tags.item())
        valid_blocks, valid_tags = validation()
        train_blocks, train_tags = totals / config.steps_per_epoch
        log(
            f"epoch {epoch}: train blocks {train_blocks:.4f} tags {train_tags:.4f}; valid blocks {valid_blocks:.4f} "
            f"tags {valid_tags:.4f} ({time.monotonic() - started:.0f} s)"
        )
        if (
            valid_blocks + config.tag_weight * valid_tags
            < best["valid_blocks"] + config.tag_weight * best["valid_tags"]
        ):
            best = {"epoch": float(epoch), "valid_blocks": valid_blocks, "valid_tags": valid_tags}
            save_backbone(out_path, student.eval(), student_head, labels)
    return {
        **best,
        "pruned_valid_blocks": pruned_blocks,
        "pruned_valid_tags": pruned_tags,
        "seconds": time.monotonic() - started,
    }
