"""KSH, ITQ and LSH on small synthetic problems whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the experiments need the 'train' extra")

from musictagger.evaluation.metrics import hamming_retrieval
from musictagger.experiments.hashing import ITQ, KSH, LSH


def clusters(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four separable classes in 6 informative dimensions, buried in 24 dimensions of louder noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    centres = np.random.default_rng(42).normal(size=(4, 6)) * 2.0
    features = np.concatenate([centres[labels] + rng.normal(size=(n, 6)), 1.5 * rng.normal(size=(n, 24))], axis=1)
    return features, labels


def retrieval_map(method: type, bits: int, seed: int = 0) -> float:
    train_x, train_y = clusters(200, seed=1)
    test_x, test_y = clusters(100, seed=2)
    hasher = method(bits, seed=seed).fit(train_x, train_y)
    return hamming_retrieval(hasher.encode(test_x), test_y, hasher.encode(train_x), train_y).map


@pytest.mark.parametrize("bits", [8, 16])
def test_ksh_learns_the_labels_where_unsupervised_hashing_cannot(bits: int) -> None:
    chance = 0.3  # MAP of a random ranking with four balanced classes is about 0.26
    ksh, lsh, itq = (retrieval_map(m, bits) for m in (KSH, LSH, ITQ))
    assert ksh > 0.8
    assert ksh > lsh + 0.25
    assert ksh > itq + 0.2
    assert lsh > chance - 0.05  # LSH keeps some of the structure, but only some


def test_ksh_separates_two_classes_with_one_bit() -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 40)
    features = rng.normal(size=(80, 5)) + 3.0 * labels[:, None]
    bits = KSH(1, seed=0).fit(features, labels).encode(features)[:, 0]
    assert bits.dtype == np.uint8
    assert np.all(bits == bits[0] * (1 - labels) + (1 - bits[0]) * labels)


@pytest.mark.parametrize("method", [KSH, ITQ, LSH])
def test_codes_have_the_asked_length_and_are_reproducible(method: type) -> None:
    x, y = clusters(120, seed=3)
    first = method(16, seed=5).fit(x, y).encode(x)
    again = method(16, seed=5).fit(x, y).encode(x)
    assert first.shape == (120, 16)
    assert set(np.unique(first)) <= {0, 1}
    assert np.array_equal(first, again)


def test_itq_bits_each_split_the_training_set() -> None:
    x, y = clusters(200, seed=4)
    codes = ITQ(16, seed=0).fit(x, y).encode(x)
    # Centred PCA projections: every bit splits the training set, none is constant.
    assert np.all((codes.mean(axis=0) > 0.15) & (codes.mean(axis=0) < 0.85))


def test_itq_refuses_more_bits_than_samples() -> None:
    x, y = clusters(20, seed=0)
    with pytest.raises(ValueError, match="ITQ needs at least 32"):
        ITQ(32).fit(x, y)
