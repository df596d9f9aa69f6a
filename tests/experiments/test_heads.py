"""The head variants of experiment 2 read what they claim to read, and train through the shared loop."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the experiments need the 'train' extra (torch)")

from musictagger.experiments.heads import ConcatHead, HeadSpec, SingleLayerHead, make_head  # noqa: E402
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
