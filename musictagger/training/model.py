"""The hash-CNN-LSTM in PyTorch.

Pipeline, for one analysis window of log-mel ``(T, 96)``:

1. :class:`LayerMaps` — the frozen FCN-5 backbone; the pooled output of each of its five
   conv blocks is bilinearly resized (with antialiasing, so downsizing a 909×48 map does
   not alias) to one ``grid_time × grid_freq`` grid: a *sequence of five feature maps*.
2. channel selection — each layer keeps the ``channels_per_layer`` channels chosen by
   :mod:`musictagger.training.selection` (a fixed index buffer, exported with the model).
3. :class:`HashHead` — a first recurrent layer reads each map as a sequence over time
   (paper Eq. 1) and summarises it by its last state; a second reads the sequence of the
   five summaries (Eq. 2); its last state feeds the hash layer ``q = sigmoid(W·h + v)``
   and a linear softmax classifier on the code.  In the third model the last
   ``identity_bits`` of the code come from :class:`~musictagger.training.identity.IdentityHash`
   on all channels' grid maps instead, and the classifier reads both parts.

Training runs :class:`HashHead` on cached backbone maps (channels selected once); :class:`HashCNNLSTM` joins the
parts for export, where the classifier reads the *quantised* bits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812 (the conventional name)
from torch import Tensor, nn

from musictagger.training.backbone import POOLS, FCN5Backbone
from musictagger.training.config import ModelConfig
from musictagger.training.evidence import Evidence
from musictagger.training.identity import IdentityHash

N_LAYERS = len(POOLS)


class LayerMaps(nn.Module):
    """Backbone activations of all five conv blocks on one grid: ``(B, 5, 128, Tg, Fg)``."""

    def __init__(self, backbone: FCN5Backbone, *, grid_time: int, grid_freq: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.grid = (grid_time, grid_freq)

    def resize(self, activations: list[Tensor]) -> Tensor:
        """Resize each layer's ``(B, C, T_i, F_i)`` map to the grid and stack them."""
        resized = [
            F.interpolate(a, size=self.grid, mode="bilinear", align_corners=False, antialias=True) for a in activations
        ]
        return torch.stack(resized, dim=1)

    def forward(self, log_mel: Tensor) -> Tensor:
        return self.resize(self.backbone(log_mel))


def make_recurrent(cell: str, *, input_size: int, hidden_size: int, layers: int, dropout: float) -> nn.RNNBase:
    """A batch-first recurrent layer of the configured cell type (LSTM, GRU or SimpleRNN)."""
    kinds: dict[str, type[nn.RNNBase]] = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
    return kinds[cell](
        input_size, hidden_size, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0.0
    )


def select_channels(maps: Tensor, channel_index: Tensor) -> Tensor:
    """Keep the chosen channels of each layer: ``(B, 5, channels, …)`` → ``(B, 5, C, …)``.

    ``channel_index`` is ``(5, C)``; the gather is done on a flattened layer×channel axis
    so it exports as a single ONNX ``Gather``.
    """
    n_layers, per_layer = channel_index.shape
    flat_index = (channel_index + maps.shape[2] * torch.arange(n_layers).unsqueeze(1)).reshape(-1)
    flat = maps.flatten(1, 2).index_select(1, flat_index)
    return flat.unflatten(1, (n_layers, per_layer))


class HashHead(nn.Module):
    """Map reader, sequence reader, hash layer and classifier (everything after the backbone)."""

    def __init__(self, config: ModelConfig, *, n_classes: int, channel_index: Tensor) -> None:
        super().__init__()
        if tuple(channel_index.shape) != (N_LAYERS, config.channels_per_layer):
            raise ValueError(
                f"channel_index must be (5, {config.channels_per_layer}), got {tuple(channel_index.shape)}"
            )
        self.config = config
        self.register_buffer("channel_index", channel_index.to(torch.long))
        step_size = config.channels_per_layer * config.grid_freq
        self.input_norm = nn.LayerNorm(step_size)
        self.map_reader = make_recurrent(
            config.cell,
            input_size=step_size,
            hidden_size=config.map_hidden,
            layers=config.layers,
            dropout=config.dropout,
        )
        self.sequence_reader = make_recurrent(
            config.cell,
            input_size=config.map_hidden,
            hidden_size=config.sequence_hidden,
            layers=config.layers,
            dropout=config.dropout,
        )
        self.dropout = nn.Dropout(config.dropout)
        self.hash_layer = nn.Linear(config.sequence_hidden, config.bits - config.identity_bits)
        self.classifier = nn.Linear(config.bits, n_classes)

    def summarise_maps(self, maps: Tensor) -> Tensor:
        """Eq. 1: read each selected map ``(C, Tg, Fg)`` over time; ``(B, 5, map_hidden)``."""
        batch, n_layers, channels, steps, freqs = maps.shape
        sequence = maps.permute(0, 1, 3, 2, 4).reshape(batch * n_layers, steps, channels * freqs)
        outputs, _ = self.map_reader(self.input_norm(sequence))
        return outputs[:, -1].reshape(batch, n_layers, -1)

    def relaxed_code(self, maps: Tensor, identity: Tensor | None = None) -> Tensor:
        """Eq. 2 and the hash layer: ``q = sigmoid(W·h_end + v)``, shape ``(B, bits)``; with
        ``identity_bits``, the identity part ``identity`` ``(B, identity_bits)`` is appended."""
        outputs, _ = self.sequence_reader(self.dropout(self.summarise_maps(maps)))
        code = torch.sigmoid(self.hash_layer(self.dropout(outputs[:, -1])))
        if self.config.identity_bits == 0:
            return code
        if identity is None or identity.shape[1] != self.config.identity_bits:
            raise ValueError(f"this head's code ends with {self.config.identity_bits} identity bits: pass them")
        return torch.cat([code, identity], dim=1)

    def forward(self, maps: Tensor, identity: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Training forward on selected maps ``(B, 5, C, Tg, Fg)``: (logits on the relaxed code, code)."""
        code = self.relaxed_code(maps, identity)
        return self.classifier(code), code


class HashCNNLSTM(nn.Module):
    """The whole model as exported: log-mel windows in, genre, code and layer maps out.

    Outputs
    -------
    probabilities
        ``(B, n_classes)`` softmax of the classifier applied to the *quantised* bits.
    code
        ``(B, bits)`` relaxed code in (0, 1); the bits are ``code >= 0.5``.
    layer1 … layer5
        Each conv block's pooled activations at its own resolution, selected channels only
        (``(B, C, T_i, F_i)``): what each layer sees, for display.
    novelty, tags
        Only with ``evidence`` (the second model): each window's novelty ``(B,)`` and the
        backbone's tag probabilities ``(B, n_tags)``, the unknown detector's evidence.
    """

    def __init__(
        self,
        layer_maps: LayerMaps,
        head: HashHead,
        evidence: Evidence | None = None,
        identity: IdentityHash | None = None,
    ) -> None:
        super().__init__()
        self.layer_maps = layer_maps
        self.head = head
        self.evidence = evidence
        self.identity = identity

    def forward(self, log_mel: Tensor) -> tuple[Tensor, ...]:
        activations = self.layer_maps.backbone(log_mel)
        grid_maps = self.layer_maps.resize(activations)
        identity = self.identity(grid_maps) if self.identity is not None else None
        code = self.head.relaxed_code(select_channels(grid_maps, self.head.channel_index), identity)
        bits = (code >= 0.5).to(code.dtype)
        probabilities = torch.softmax(self.head.classifier(bits), dim=-1)
        per_layer = [a.index_select(1, idx) for a, idx in zip(activations, self.head.channel_index, strict=True)]
        evidence = self.evidence(grid_maps, activations[-1]) if self.evidence is not None else ()
        return (probabilities, code, *per_layer, *evidence)
