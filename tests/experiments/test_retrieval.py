"""Retrieval curves and tie rules of the experiments."""

from __future__ import annotations

import numpy as np
import pytest

from musictagger.experiments.retrieval import CURVE_KS, rank


def test_a_code_that_is_the_label_retrieves_perfectly() -> None:
    labels = np.array([0, 1, 2, 3] * 5)
    bits = np.eye(4, 8, dtype=np.uint8)[labels]
    ranked = rank(bits, labels, bits, labels, tie_seed=0)
    assert ranked.result.map == pytest.approx(1.0)
    assert ranked.precision[:5] == pytest.approx(1.0)
    assert ranked.recall[4] == pytest.approx(1.0)
    assert ranked.recall[-1] == pytest.approx(1.0)
    assert len(ranked.precision_at(CURVE_KS)) == int(np.sum(CURVE_KS <= 20))


def test_ties_follow_the_seeded_permutation_not_the_database_order() -> None:
    # One query, a database where every code is equal: any order is a tie.
    database_labels = np.array([0] * 10 + [1] * 10)
    bits = np.zeros((20, 8), dtype=np.uint8)
    query = np.zeros((1, 8), dtype=np.uint8)
    in_order = rank(query, np.array([0]), bits, database_labels).result.map
    shuffled = [rank(query, np.array([0]), bits, database_labels, tie_seed=s).result.map for s in range(5)]
    assert in_order == pytest.approx(1.0)  # database order happens to put every relevant item first
    assert all(m < 0.9 for m in shuffled)
    assert rank(query, np.array([0]), bits, database_labels, tie_seed=3).result.map == shuffled[3]


def test_relaxed_codes_break_ties() -> None:
    # Ten equal codes; the relaxed codes put the one relevant item (the last) nearest the query.
    labels = np.array([0] * 9 + [1])
    bits = np.zeros((10, 4), dtype=np.uint8)
    relaxed = np.full((10, 4), 0.4)
    relaxed[-1] = 0.1
    query_relaxed = np.array([[0.12, 0.1, 0.1, 0.1]])
    ranked = rank(np.zeros((1, 4), np.uint8), np.array([1]), bits, labels, relaxed=(query_relaxed, relaxed))
    assert ranked.result.map == pytest.approx(1.0)
