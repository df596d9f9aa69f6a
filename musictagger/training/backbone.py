"""The pre-trained FCN-5 backbone: musicnn's ``MTT_vgg`` network in PyTorch.

musicnn 0.1.0 (Pons & Serra, ISC licence) trained a five-block VGG-style CNN on
MagnaTagATune's 50 tags.  Its weights, converted from TensorFlow by
:mod:`musictagger.training.convert_musicnn`, live in ``models/backbone/musicnn_mtt_vgg.npz``;
``tests/training/test_backbone.py`` checks this port against the original TF graph.

Layout: the input ``(B, T, 96)`` log-mel becomes ``(B, 1, T, 96)`` (NCHW with H = time,
W = frequency).  After a batch norm of the input, each block is conv 3×3 ('same') → ReLU →
batch norm → max pool, exactly in TF's order (batch norm *after* the ReLU) and with TF's
batch-norm epsilon 1e-3.  The convolutions never see the input length, so the backbone runs
on any ``T ≥ 187`` (the app feeds 1820-frame windows); only the tag head needs the
187-frame patches the network was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from musictagger.atomic_write import replacing_file
from musictagger.errors import ModelError, ParameterError

N_MELS = 96
PATCH_FRAMES = 187
CHANNELS = 128
TF_BATCH_NORM_EPS = 1e-3
DEFAULT_BACKBONE = Path(__file__).resolve().parents[2] / "models" / "backbone" / "musicnn_mtt_vgg.npz"

# (kernel, stride) of each block's max pool, (time, frequency).  TF's 'valid' pooling
# drops incomplete windows, as nn.MaxPool2d does by default (ceil_mode=False).
POOLS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (
    ((4, 1), (2, 2)),
    ((2, 2), (2, 2)),
    ((2, 2), (2, 2)),
    ((2, 2), (2, 2)),
    ((4, 4), (4, 4)),
)


class ConvBlock(nn.Module):
    """Conv 3×3 'same' → ReLU → batch norm → max pool (musicnn's order)."""

    def __init__(
        self,
        in_channels: int,
        *,
        pool_kernel: tuple[int, int],
        pool_stride: tuple[int, int],
        channels: int = CHANNELS,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(channels, eps=TF_BATCH_NORM_EPS)
        self.pool = nn.MaxPool2d(pool_kernel, stride=pool_stride)

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(self.bn(torch.relu(self.conv(x))))


class FCN5Backbone(nn.Module):
    """The five conv blocks of ``MTT_vgg``; returns every block's pooled output.

    For a ``(B, T, 96)`` input the outputs are ``(B, 128, T_i, F_i)`` with F = 48, 24, 12, 6, 1
    and, for T = 1820, T_i = 909, 454, 227, 113, 28.  ``channels`` narrower than MTT_vgg's 128 gives
    the same network with fewer channels per block (``bench/backbone_width.py`` times it), which the
    pre-trained weights do not fit.
    """

    def __init__(self, channels: int = CHANNELS) -> None:
        super().__init__()
        self.input_bn = nn.BatchNorm2d(1, eps=TF_BATCH_NORM_EPS)
        self.blocks = nn.ModuleList(
            ConvBlock(1 if i == 0 else channels, pool_kernel=kernel, pool_stride=stride, channels=channels)
            for i, (kernel, stride) in enumerate(POOLS)
        )

    def forward(self, log_mel: Tensor) -> list[Tensor]:
        """Pool1..pool5 of a log-mel batch ``(B, T, 96)``, T ≥ 187."""
        if log_mel.ndim != 3 or log_mel.shape[-1] != N_MELS:
            raise ParameterError(f"the backbone needs log-mel shaped (batch, frames, {N_MELS}), got {log_mel.shape}")
        x = self.input_bn(log_mel.unsqueeze(1))
        pools = []
        for block in self.blocks:
            x = block(x)
            pools.append(x)
        return pools


class MTTTagHead(nn.Module):
    """musicnn's output layer: pool5 of a 187-frame patch → 50 MagnaTagATune tag logits.

    pool5 is flattened in TF's NHWC order (time, frequency, channel) so the converted dense
    weights apply unchanged.
    """

    def __init__(self, n_tags: int, *, channels: int = CHANNELS) -> None:
        super().__init__()
        self.channels = channels
        self.dense = nn.Linear(channels * 2, n_tags)

    def forward(self, pool5: Tensor) -> Tensor:
        """Logits ``(B, n_tags)`` from pool5 ``(B, channels, 2, 1)``."""
        if tuple(pool5.shape[1:]) != (self.channels, 2, 1):
            raise ParameterError(f"the tag head needs pool5 of a {PATCH_FRAMES}-frame patch, got {tuple(pool5.shape)}")
        return self.dense(pool5.permute(0, 2, 3, 1).flatten(1))


def tag_probabilities(backbone: FCN5Backbone, head: MTTTagHead, patches: Tensor) -> Tensor:
    """Tag probabilities ``(B, n_tags)`` of log-mel patches ``(B, 187, 96)`` (musicnn's sigmoid output)."""
    return torch.sigmoid(head(backbone(patches)[-1]))


def load_weights(module: nn.Module, arrays: dict[str, np.ndarray], prefix: str, source: Path) -> None:
    """Copy the arrays named ``prefix + <state-dict key>`` into ``module``.

    Every parameter and statistic must be present and nothing else: a silently missing
    array would leave PyTorch's random initialisation in place.  The batch counters that
    ``nn.BatchNorm2d`` keeps are not weights and are not stored.
    """
    expected = {key for key in module.state_dict() if not key.endswith("num_batches_tracked")}
    given = {key.removeprefix(prefix) for key in arrays if key.startswith(prefix)}
    if expected != given:
        missing, extra = sorted(expected - given), sorted(given - expected)
        raise ModelError(f"{source}: arrays do not match the network (missing {missing}, unexpected {extra})")
    module.load_state_dict({key: torch.from_numpy(arrays[prefix + key]) for key in given}, strict=False)


def load_backbone(path: str | Path) -> tuple[FCN5Backbone, MTTTagHead, list[str]]:
    """Load the converted (or distilled, narrower) backbone, its tag head and the tag names, in eval mode.

    Raises
    ------
    ModelError
        The file is missing or its arrays do not fit the network.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: backbone weights not found (see musictagger.training.convert_musicnn)")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    if "labels" not in arrays:
        raise ModelError(f"{path}: no tag names (array 'labels') in the backbone file")
    labels = [str(label) for label in arrays.pop("labels")]
    first_conv = arrays.get("backbone.blocks.0.conv.weight")
    channels = CHANNELS if first_conv is None else int(first_conv.shape[0])
    backbone, head = FCN5Backbone(channels), MTTTagHead(len(labels), channels=channels)
    load_weights(backbone, arrays, "backbone.", path)
    load_weights(head, arrays, "head.", path)
    return backbone.eval(), head.eval(), labels


def save_backbone(path: str | Path, backbone: FCN5Backbone, head: MTTTagHead, labels: Sequence[str]) -> None:
    """Write a backbone in the layout :func:`load_backbone` reads (temporary name, then renamed)."""
    path = Path(path)
    arrays = {
        f"{prefix}{key}": value.detach().numpy()
        for prefix, module in (("backbone.", backbone), ("head.", head))
        for key, value in module.state_dict().items()
        if not key.endswith("num_batches_tracked")
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing_file(path) as file:
        np.savez(file, labels=np.array(labels), **arrays)
