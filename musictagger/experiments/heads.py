"""Head variants of the experiments, built by :func:`make_head` for :func:`~musictagger.training.loop.train_head`.

* ``sequence`` — the paper's head (:class:`~musictagger.training.model.HashHead`) over the
  sequence of all five maps, with any cell and depth (experiment 1) and code length (experiment 3).
* ``layer1`` … ``layer5`` — the same head reading one map only: the per-map reader summarises
  it and the sequence reader sees a sequence of length one (experiment 2b).
* ``concat`` — no sequence at all: each selected channel of the five maps is average-pooled,
  the five pooled vectors are concatenated, and a one-hidden-layer network maps them to the same
  hash layer and classifier (experiment 2a).

Every variant is trained with the same loss, optimiser, budget and early stopping.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from musictagger.training.config import ModelConfig
from musictagger.training.model import N_LAYERS, HashHead

INPUTS = ("sequence", "concat", *(f"layer{i}" for i in range(1, N_LAYERS + 1)))


@dataclass(frozen=True)
class HeadSpec:
    """One variant: its name in the report, what it reads, and its recurrent cell, depth and bits."""

    name: str
    input: str = "sequence"
    cell: str = "lstm"
    layers: int = 1
    bits: int = 64

    def __post_init__(self) -> None:
        if self.input not in INPUTS:
            raise ValueError(f"input must be one of {INPUTS}, got {self.input!r}")

    def model_config(self) -> ModelConfig:
        return ModelConfig(cell=self.cell, layers=self.layers, bits=self.bits)  # type: ignore[arg-type]


class SingleLayerHead(HashHead):
    """The paper's head restricted to one conv layer's map."""

    def __init__(self, config: ModelConfig, *, n_classes: int, channel_index: Tensor, layer: int) -> None:
        super().__init__(config, n_classes=n_classes, channel_index=channel_index)
        self.layer = layer

    def summarise_maps(self, maps: Tensor) -> Tensor:
        return super().summarise_maps(maps[:, self.layer : self.layer + 1])


class ConcatHead(nn.Module):
    """Pooled maps of all five layers as one vector → hidden layer → hash layer → classifier.

    It keeps the channel index of the selection it was trained on, as :class:`HashHead` does.
    """

    def __init__(self, config: ModelConfig, *, n_classes: int, channel_index: Tensor) -> None:
        super().__init__()
        self.register_buffer("channel_index", channel_index.to(torch.long))
        size = N_LAYERS * config.channels_per_layer
        self.hidden = nn.Sequential(
            nn.LayerNorm(size), nn.Linear(size, config.sequence_hidden), nn.ReLU(), nn.Dropout(config.dropout)
        )
        self.hash_layer = nn.Linear(config.sequence_hidden, config.bits)
        self.classifier = nn.Linear(config.bits, n_classes)

    def forward(self, maps: Tensor) -> tuple[Tensor, Tensor]:
        """Selected maps ``(B, 5, C, Tg, Fg)`` → (logits on the relaxed code, relaxed code)."""
        code = torch.sigmoid(self.hash_layer(self.hidden(maps.mean(dim=(3, 4)).flatten(1))))
        return self.classifier(code), code


def make_head(spec: HeadSpec, config: ModelConfig, n_classes: int, channel_index: Tensor) -> nn.Module:
    """The module of ``spec`` (see the module docstring)."""
    if spec.input == "concat":
        return ConcatHead(config, n_classes=n_classes, channel_index=channel_index)
    if spec.input == "sequence":
        return HashHead(config, n_classes=n_classes, channel_index=channel_index)
    return SingleLayerHead(config, n_classes=n_classes, channel_index=channel_index, layer=int(spec.input[-1]) - 1)
