"""Configuration of the hash-CNN-LSTM and of its training run.

One frozen dataclass, written into the run log and the model sidecar, so a shipped model
says exactly how it was made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, TypeVar

from musictagger.errors import ParameterError

CellType = Literal["lstm", "gru", "rnn"]
ALLOWED_BITS = (16, 32, 48, 64)
Config = TypeVar("Config", "ModelConfig", "TrainConfig", "SimilarityTrainConfig")


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the network after the frozen FCN-5 backbone.

    Attributes
    ----------
    grid_time, grid_freq
        Common grid every conv layer's activation map is bilinearly resized to.
    channels_per_layer
        Channels kept from each layer by the similarity (Fisher-score) selection.
    cell, layers
        Recurrent cell (``lstm``, ``gru`` or ``rnn`` = SimpleRNN) and its depth, used for
        both the map reader (Eq. 1) and the sequence reader (Eq. 2).
    map_hidden, sequence_hidden
        Hidden sizes of the first (per-map) and second (over maps) recurrent layers.
    bits
        Length K of the hash code.
    identity_bits
        How many of the K bits are the closed-form identity part
        (:mod:`musictagger.training.identity`, the third model); 0 for the paper's code, whose
        every bit comes from the recurrent readers.
    identity_maxima
        Whether the identity part reads each channel's maximum over the grid beside its mean: a
        candidate for a fifth model, better at finding a room capture's track in
        ``bench/identity_features.py`` but not once a head was trained on it (``reports/quality.md``, "What
        limits the room-capture figure").
    dropout
        Dropout on the recurrent outputs during training.
    """

    grid_time: int = 32
    grid_freq: int = 8
    channels_per_layer: int = 32
    cell: CellType = "lstm"
    layers: int = 1
    map_hidden: int = 128
    sequence_hidden: int = 128
    bits: int = 64
    dropout: float = 0.5
    identity_bits: int = 0
    identity_maxima: bool = False

    def __post_init__(self) -> None:
        if self.bits not in ALLOWED_BITS:
            raise ParameterError(f"bits must be one of {ALLOWED_BITS}, got {self.bits}")
        if not 0 <= self.identity_bits < self.bits:
            raise ParameterError(f"identity_bits must be in 0..{self.bits - 1}, got {self.identity_bits}")
        if self.identity_maxima and not self.identity_bits:
            raise ParameterError("identity_maxima needs identity_bits: there is no identity part to read them")
        if self.cell not in ("lstm", "gru", "rnn"):
            raise ParameterError(f"cell must be lstm, gru or rnn, got {self.cell!r}")
        if self.layers not in (1, 2):
            raise ParameterError(f"layers must be 1 or 2, got {self.layers}")
        if not 1 <= self.channels_per_layer <= 128:
            raise ParameterError(f"channels_per_layer must be in 1..128, got {self.channels_per_layer}")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings of a training run.

    ``quantization_weight`` scales the term pulling the relaxed code to {0, 1},
    ``balance_weight`` the term asking each bit to be on for half the batch.
    ``train_windows`` analysis windows are cut from each training track (each one a
    training example); ``eval_windows`` from each validation/test track (aggregated).
    """

    epochs: int = 40
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    patience: int = 15
    quantization_weight: float = 0.1
    balance_weight: float = 0.01
    train_windows: int = 3
    eval_windows: int = 3
    seed: int = 0


@dataclass(frozen=True)
class SimilarityTrainConfig:
    """Optimisation settings of the second model's objective (codes that keep music apart).

    Each step takes ``batch_tracks`` training tracks and two different windows of each, drawn
    from its ``train_windows`` clean windows and ``views`` degraded random crops (see
    :mod:`musictagger.training.views`).  The loss is cross-entropy on both windows, plus
    ``contrastive_weight`` × NT-Xent between them (at ``contrastive_temperature``), plus the
    quantisation, bit-balance and ``decorrelation_weight`` × bit-decorrelation terms, and
    ``centre_weight`` × the distance of the learnt bits to their genre's centre (the third model).  Training
    runs ``epochs`` epochs and keeps the epoch best on validation accuracy plus same-track
    retrieval across windows, plus, with ``valid_rooms``, the share of that many room captures of
    each validation track whose own track the search finds first.  With ``int8_views`` each
    training track also gets the int8 backbone's maps of its clean windows as views
    (:mod:`musictagger.training.int8_views`), so that the model's int8 twin agrees with it.
    """

    epochs: int = 60
    batch_tracks: int = 48
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    contrastive_weight: float = 1.0
    contrastive_temperature: float = 0.2
    quantization_weight: float = 0.1
    balance_weight: float = 0.01
    decorrelation_weight: float = 0.1
    centre_weight: float = 0.0
    train_windows: int = 3
    views: int = 4
    int8_views: bool = False
    valid_rooms: int = 0
    eval_windows: int = 3
    seed: int = 0


@dataclass(frozen=True)
class DistilConfig:
    """How the narrower backbone is made (the defaults made the shipped `models/backbone/fcn5-64-distilled.npz`).

    Attributes
    ----------
    channels
        Output channels of every block of the student.
    views
        Degraded renders of each training track, beside the clean one.
    crop_frames
        Length of the crops trained on (374 frames ≈ 6 s: two of the tag head's 187-frame patches).
    steps_per_epoch, batch_size, epochs, learning_rate
        Optimisation (AdamW, cosine decay over all steps).
    tag_weight
        Weight of the tag term beside the mean of the five blocks' terms.
    seed
        Seeds the degraded renders and the crops.
    """

    channels: int = 64
    views: int = 1
    crop_frames: int = 374
    steps_per_epoch: int = 120
    batch_size: int = 12
    epochs: int = 5
    learning_rate: float = 1e-3
    tag_weight: float = 1.0
    seed: int = 0


def config_to_dict(config: ModelConfig | TrainConfig | SimilarityTrainConfig | DistilConfig) -> dict[str, Any]:
    """Plain dictionary for JSON."""
    return asdict(config)


def config_from_dict(cls: type[Config], data: dict[str, Any]) -> Config:
    """Rebuild a config from :func:`config_to_dict` output; unknown keys are an error."""
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise ParameterError(f"unknown {cls.__name__} fields: {', '.join(sorted(unknown))}")
    return cls(**data)
