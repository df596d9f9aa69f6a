"""The hash head and its parts: channel selection, recurrent cells, loss terms, Fisher selection."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the model needs the 'train' extra (torch)")

from musictagger.errors import ParameterError  # noqa: E402
from musictagger.training.config import ModelConfig  # noqa: E402
from musictagger.training.losses import hash_loss  # noqa: E402
from musictagger.training.model import HashHead, select_channels  # noqa: E402
from musictagger.training.selection import fisher_scores, select_channels_by_fisher  # noqa: E402
from musictagger.training.similarity import found_first  # noqa: E402


def random_index(per_layer: int, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    return torch.from_numpy(np.stack([np.sort(rng.choice(128, per_layer, replace=False)) for _ in range(5)]))


def test_select_channels_picks_each_layers_own_channels() -> None:
    maps = torch.randn(2, 5, 128, 4, 3)
    index = random_index(7)
    selected = select_channels(maps, index)
    assert selected.shape == (2, 5, 7, 4, 3)
    for layer in range(5):
        assert torch.equal(selected[:, layer], maps[:, layer, index[layer]])


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_every_cell_and_depth_gives_logits_and_a_code_in_the_unit_interval(cell: str, layers: int) -> None:
    config = ModelConfig(cell=cell, layers=layers, bits=32, channels_per_layer=8, map_hidden=16, sequence_hidden=16)
    head = HashHead(config, n_classes=4, channel_index=random_index(8)).eval()
    logits, code = head(torch.randn(3, 5, 8, config.grid_time, config.grid_freq))
    assert logits.shape == (3, 4) and code.shape == (3, 32)
    assert bool(((code > 0) & (code < 1)).all())


def test_the_sequence_reader_depends_on_the_order_of_the_layers() -> None:
    config = ModelConfig(channels_per_layer=4, map_hidden=8, sequence_hidden=8, bits=16, dropout=0.0)
    head = HashHead(config, n_classes=2, channel_index=random_index(4)).eval()
    maps = torch.randn(1, 5, 4, config.grid_time, config.grid_freq)
    with torch.no_grad():
        assert not torch.allclose(head.relaxed_code(maps), head.relaxed_code(maps.flip(1)))


def test_invalid_configurations_are_refused() -> None:
    with pytest.raises(ParameterError, match="bits"):
        ModelConfig(bits=24)
    with pytest.raises(ParameterError, match="cell"):
        ModelConfig(cell="transformer")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="layers"):
        ModelConfig(layers=3)


def test_quantisation_term_vanishes_on_binary_codes_and_balance_on_balanced_bits() -> None:
    logits, labels = torch.zeros(4, 2), torch.tensor([0, 1, 0, 1])
    binary = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    terms = hash_loss(logits, binary, labels, quantization_weight=1.0, balance_weight=1.0)
    assert terms.quantization.item() == 0.0 and terms.balance.item() == 0.0
    undecided = torch.full((4, 2), 0.5)
    assert hash_loss(logits, undecided, labels, quantization_weight=1.0, balance_weight=1.0).quantization.item() == 0.25
    skewed = torch.ones(4, 2)
    assert hash_loss(logits, skewed, labels, quantization_weight=1.0, balance_weight=1.0).balance.item() == 0.25


def test_fisher_selection_finds_the_channels_that_separate_the_classes() -> None:
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 20)
    maps = rng.standard_normal((60, 5, 128, 2, 2)).astype(np.float32)
    informative = {layer: (3 * layer + 11) for layer in range(5)}
    for layer, channel in informative.items():
        maps[:, layer, channel] += 4.0 * labels[:, None, None]
    chosen = select_channels_by_fisher(maps, labels, per_layer=4)
    assert chosen.shape == (5, 4)
    for layer, channel in informative.items():
        assert channel in chosen[layer]
    assert np.all(np.diff(chosen, axis=1) > 0), "indices are sorted and distinct"


def test_fisher_score_is_zero_for_a_feature_with_equal_class_means() -> None:
    features = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    assert fisher_scores(features, np.array([0, 0, 1, 1]))[0] == pytest.approx(0.0)


def test_found_first_ranks_each_query_against_its_tracks_mean_code() -> None:
    window_codes = np.array([[0.9, 0.9, 0.1], [0.7, 0.9, 0.1], [0.9, 0.1, 0.1], [0.1, 0.1, 0.9]])
    window_tracks = np.array([0, 0, 1, 2])  # track 0 has two windows, whose mean code is (0.8, 0.9, 0.1)
    queries = np.array([[0.8, 0.8, 0.2], [0.9, 0.2, 0.2], [0.2, 0.2, 0.8], [0.6, 0.6, 0.4]])
    assert found_first(queries, np.array([0, 1, 2, 0]), window_codes, window_tracks) == 1.0
    assert found_first(queries, np.array([1, 2, 0, 0]), window_codes, window_tracks) == 0.25
