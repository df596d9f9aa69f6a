"""The head variants of experiment 2 read what they claim to read, and train through the shared loop."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the experiments need the 'train' extra (torch)")

from musictagger.collection import Track  # noqa: E402
from musictagger.experiments.heads import ConcatHead, HeadSpec, SingleLayerHead, make_head  # noqa: E402
from musictagger.training.cache import CachedMaps  # noqa: E402
from musictagger.training.config import TrainConfig  # noqa: E402
from musictagger.training.loop import RunLog, train_head  # noqa: E402
from musictagger.training.model import HashHead  # noqa: E402

CONFIG = HeadSpec("small", cell="gru", bits=16).model_config()
INDEX = torch.arange(CONFIG.channels_per_layer).repeat(5, 1)


def maps(seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(3, 5, 32, 32, 8)).astype(np.float32))


@pytest.mark.parametrize("layer", [0, 4])
def test_single_layer_head_ignores_every_other_layer(layer: int) -> None:
    head = SingleLayerHead(CONFIG, n_classes=4, channel_index=INDEX, layer=layer).eval()
    x, y = maps(0), maps(1)
    y[:, layer] = x[:, layer]  # same map in the chosen layer, different everywhere else
    assert torch.allclose(head(x)[1], head(y)[1])
    y[:, layer] = maps(2)[:, layer]
    assert not torch.allclose(head(x)[1], head(y)[1])


def test_concat_head_gives_a_code_and_logits_from_pooled_maps() -> None:
    head = ConcatHead(CONFIG, n_classes=4, channel_index=INDEX).eval()
    logits, code = head(maps())
    assert logits.shape == (3, 4)
    assert code.shape == (3, 16)
    assert torch.all((code > 0) & (code < 1))
    # Only the pooled (mean) values matter: moving values around within a map changes nothing.
    assert torch.allclose(head(maps().flip(3))[1], code, atol=1e-6)


def test_make_head_builds_the_variant_the_spec_names() -> None:
    kinds = {
        spec_input: type(make_head(HeadSpec("x", input=spec_input), CONFIG, 4, INDEX))
        for spec_input in ("sequence", "concat", "layer3")
    }
    assert kinds == {"sequence": HashHead, "concat": ConcatHead, "layer3": SingleLayerHead}
    assert make_head(HeadSpec("x", input="layer3"), CONFIG, 4, INDEX).layer == 2


def test_head_spec_refuses_an_unknown_input() -> None:
    with pytest.raises(ValueError, match="input must be one of"):
        HeadSpec("x", input="layer6")


@pytest.mark.parametrize("spec_input", ["concat", "layer3", "sequence"])
def test_each_variant_of_experiment_2_trains_through_the_shared_loop(spec_input: str, tmp_path: Path) -> None:
    # The loop's validation passed the identity codes (None here) as a second argument, which the
    # concatenated-maps head does not take: `musictagger experiments` ended in a TypeError at experiment 2
    rng = np.random.default_rng(0)

    def split(n_tracks: int) -> CachedMaps:
        tracks = [Track(tmp_path / f"{i}.wav", f"{i}.wav", i % 2) for i in range(n_tracks)]
        maps = [rng.normal(loc=t.label, size=(2, 5, 128, 32, 8)).astype(np.float32) for t in tracks]
        return CachedMaps(maps=maps, tracks=tracks, failures=[])

    spec = HeadSpec("x", input=spec_input, bits=16)
    result = train_head(
        split(8),
        split(4),
        n_classes=2,
        model_config=spec.model_config(),
        train_config=TrainConfig(epochs=2, patience=2, batch_size=4),
        checkpoint_path=tmp_path / "checkpoint.pt",
        log=RunLog(tmp_path / "log.jsonl"),
        make_head=functools.partial(make_head, spec),
    )
    assert result.epochs_run == 2 and 0.0 <= result.valid.accuracy <= 1.0
