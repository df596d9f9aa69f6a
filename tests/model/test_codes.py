"""Tests of musictagger.model.codes: bit order, round trips, Hamming distances and ranking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from musictagger.errors import ParameterError
from musictagger.model.codes import (
    binarize,
    from_hex,
    hamming_distances,
    pack,
    rank_by_hamming,
    to_hex,
    unpack,
)

CODE_LENGTHS = (16, 32, 48, 64)

codes = st.sampled_from(CODE_LENGTHS).flatmap(
    lambda n_bits: st.lists(st.integers(0, 1), min_size=n_bits, max_size=n_bits).map(
        lambda bits: np.array(bits, dtype=np.uint8)
    )
)


def naive_pack(bits: np.ndarray) -> int:
    """Reference MSB-first packing with Python integers."""
    return sum(int(bit) << (len(bits) - 1 - i) for i, bit in enumerate(bits))


@given(codes)
def test_pack_unpack_round_trip(bits: np.ndarray) -> None:
    packed = pack(bits)
    assert packed.dtype == np.uint64
    assert int(packed) == naive_pack(bits)
    np.testing.assert_array_equal(unpack(packed, len(bits)), bits)


@given(codes)
def test_hex_round_trip_and_agrees_with_pack(bits: np.ndarray) -> None:
    text = to_hex(bits)
    assert len(text) == len(bits) // 4
    assert text == format(naive_pack(bits), f"0{len(bits) // 4}x")
    np.testing.assert_array_equal(from_hex(text, len(bits)), bits)
    np.testing.assert_array_equal(from_hex(text.upper(), len(bits)), bits)


def test_known_bit_patterns() -> None:
    first_and_last = np.zeros(16, dtype=np.uint8)
    first_and_last[[0, 15]] = 1
    assert to_hex(first_and_last) == "8001"
    assert int(pack(first_and_last)) == 0x8001

    nibbles = np.array([0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1] * 2, dtype=np.uint8)
    assert to_hex(nibbles) == "12bf12bf"

    assert to_hex(np.ones(64, dtype=np.uint8)) == "f" * 16
    assert int(pack(np.ones(64, dtype=np.uint8))) == 2**64 - 1
    assert to_hex(np.zeros(48, dtype=np.uint8)) == "0" * 12


def test_pack_keeps_leading_shape() -> None:
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, size=(3, 5, 48), dtype=np.uint8)
    packed = pack(bits)
    assert packed.shape == (3, 5)
    assert int(packed[2, 4]) == naive_pack(bits[2, 4])
    np.testing.assert_array_equal(unpack(packed, 48), bits)


def test_binarize_threshold() -> None:
    relaxed = np.array([[0.0, 0.4999, 0.5, 0.9, 1.0]])
    np.testing.assert_array_equal(binarize(relaxed), [[0, 0, 1, 1, 1]])
    assert binarize(relaxed).dtype == np.uint8
    with pytest.raises(ParameterError, match="NaN"):
        binarize(np.array([0.2, np.nan]))


@pytest.mark.parametrize(
    ("text", "n_bits", "message"),
    [
        ("800", 16, "4 hex digits"),
        ("80010", 16, "4 hex digits"),
        ("80g1", 16, "not a hex code"),
        ("0x80", 16, "not a hex code"),
        (" 8001", 20, "not a hex code"),
        ("8001", 18, "multiple of 4"),
        ("0" * 17, 68, "between 1 and 64"),
    ],
)
def test_from_hex_rejects_bad_input(text: str, n_bits: int, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        from_hex(text, n_bits)


def test_invalid_bits_and_packed_values_are_rejected() -> None:
    with pytest.raises(ParameterError, match="only 0 and 1"):
        pack(np.array([0.2, 0.7]))
    with pytest.raises(ParameterError, match="between 1 and 64"):
        pack(np.zeros(65, dtype=np.uint8))
    with pytest.raises(ParameterError, match="beyond the 16-bit"):
        unpack(np.uint64(1 << 16), 16)
    with pytest.raises(ParameterError, match="negative"):
        unpack(np.array([-1]), 16)
    with pytest.raises(ParameterError, match="multiple of 4"):
        to_hex(np.zeros(6, dtype=np.uint8))


@pytest.mark.parametrize("n_bits", CODE_LENGTHS)
def test_hamming_distances_match_naive_bit_count(n_bits: int) -> None:
    rng = np.random.default_rng(n_bits)
    queries = rng.integers(0, 2, size=(4, n_bits), dtype=np.uint8)
    database = rng.integers(0, 2, size=(50, n_bits), dtype=np.uint8)
    expected = np.array([[bin(naive_pack(q) ^ naive_pack(d)).count("1") for d in database] for q in queries])

    distances = hamming_distances(pack(queries), pack(database))
    assert distances.shape == (4, 50)
    np.testing.assert_array_equal(distances, expected)
    np.testing.assert_array_equal(hamming_distances(pack(queries[1]), pack(database)), expected[1])
    np.testing.assert_array_equal(distances, (queries[:, None, :] != database[None, :, :]).sum(axis=-1))


def test_rank_by_hamming_orders_by_distance_then_index() -> None:
    query = np.array([0, 0, 0, 0], dtype=np.uint8)
    database = np.array([[1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=np.uint8)
    #                 distance:     2             1             0             1             4
    np.testing.assert_array_equal(rank_by_hamming(query, database), [2, 1, 3, 0, 4])


def test_rank_by_hamming_breaks_ties_by_relaxed_distance() -> None:
    query_relaxed = np.array([0.1, 0.1, 0.1, 0.1])
    database_relaxed = np.array(
        [
            [0.9, 0.9, 0.1, 0.1],  # distance 2
            [0.1, 0.1, 0.1, 0.9],  # distance 1, relaxed far: 0.8
            [0.2, 0.2, 0.2, 0.2],  # distance 0
            [0.55, 0.1, 0.1, 0.1],  # distance 1, relaxed near: 0.45
            [0.1, 0.1, 0.1, 0.6],  # distance 1, relaxed 0.5
        ]
    )
    query, database = binarize(query_relaxed), binarize(database_relaxed)
    np.testing.assert_array_equal(rank_by_hamming(query, database), [2, 1, 3, 4, 0])
    ranked = rank_by_hamming(query, database, query_relaxed=query_relaxed, database_relaxed=database_relaxed)
    np.testing.assert_array_equal(ranked, [2, 3, 4, 1, 0])

    # Several queries at once give each query's own ranking; equal relaxed distances keep index order.
    queries_relaxed = np.stack([query_relaxed, database_relaxed[0]])
    database_twice = np.concatenate([database_relaxed, database_relaxed[:1]])
    batch = rank_by_hamming(
        binarize(queries_relaxed),
        binarize(database_twice),
        query_relaxed=queries_relaxed,
        database_relaxed=database_twice,
    )
    assert batch.shape == (2, 6)
    np.testing.assert_array_equal(batch[0], [2, 3, 4, 1, 0, 5])
    assert list(batch[1][:2]) == [0, 5]


def test_rank_by_hamming_rejects_mismatched_arguments() -> None:
    database = np.zeros((3, 16), dtype=np.uint8)
    with pytest.raises(ParameterError, match="both"):
        rank_by_hamming(np.zeros(16, dtype=np.uint8), database, query_relaxed=np.zeros(16))
    with pytest.raises(ParameterError, match="database bits"):
        rank_by_hamming(np.zeros(32, dtype=np.uint8), database)
    with pytest.raises(ParameterError, match="database_relaxed has shape"):
        rank_by_hamming(
            np.zeros(16, dtype=np.uint8), database, query_relaxed=np.zeros(16), database_relaxed=np.zeros((2, 16))
        )
