"""Tests of musictagger.evaluation.metrics against scikit-learn and hand-computed values."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from musictagger.errors import ParameterError
from musictagger.evaluation.metrics import (
    Interval,
    accuracy,
    average_precision_per_query,
    bootstrap_ci,
    code_groups,
    codes_found_in,
    codes_shared_by_kind,
    confusion_matrix,
    hamming_retrieval,
    macro_f1,
    mean_average_precision,
    own_item_ranks,
    precision_at_k,
    tally,
)
from musictagger.model.codes import rank_by_hamming

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def test_metrics_module_imports_without_sklearn() -> None:
    code = "import sys, musictagger.evaluation.metrics; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_classes = 8
    y_true = rng.integers(0, n_classes - 1, size=60)  # the last class never occurs in y_true
    y_pred = np.where(rng.random(60) < 0.5, y_true, rng.integers(0, n_classes - 2, size=60))
    labels = list(range(n_classes))

    assert accuracy(y_true, y_pred) == pytest.approx(sklearn_metrics.accuracy_score(y_true, y_pred))
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred, n_classes), sklearn_metrics.confusion_matrix(y_true, y_pred, labels=labels)
    )
    expected_f1 = sklearn_metrics.f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)
    assert macro_f1(y_true, y_pred, n_classes) == pytest.approx(expected_f1)


def test_macro_f1_over_the_classes_a_test_set_has_matches_sklearn() -> None:
    y_true = np.array([0, 0, 2, 2, 2])
    y_pred = np.array([0, 1, 2, 2, 3])  # predictions of classes 1 and 3, absent from the truth, are errors
    expected = sklearn_metrics.f1_score(y_true, y_pred, average="macro", labels=[0, 2], zero_division=0)
    assert macro_f1(y_true, y_pred, 4, classes=[0, 2]) == pytest.approx(expected)
    assert macro_f1(y_true, y_pred, 4, classes=[0, 2]) > macro_f1(y_true, y_pred, 4)
    with pytest.raises(ParameterError, match="classes"):
        macro_f1(y_true, y_pred, 4, classes=[4])


def test_confusion_matrix_rows_are_true_classes() -> None:
    matrix = confusion_matrix(np.array([0, 0, 1, 2]), np.array([1, 1, 1, 2]), 3)
    np.testing.assert_array_equal(matrix, [[0, 2, 0], [0, 1, 0], [0, 0, 1]])


def test_classification_metrics_reject_bad_labels() -> None:
    with pytest.raises(ParameterError, match="equal length"):
        accuracy(np.array([0, 1]), np.array([0]))
    with pytest.raises(ParameterError, match=r"\[0, 3\)"):
        confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)
    with pytest.raises(ParameterError, match="integer class indices"):
        macro_f1(np.array([0.0, 1.0]), np.array([0, 1]), 2)


def test_interval_str() -> None:
    assert str(Interval(0.91234, 0.85, 0.9631)) == "0.912 [0.850, 0.963]"


def test_bootstrap_ci_contains_point_and_is_reproducible() -> None:
    values = np.random.default_rng(0).normal(1.0, 1.0, size=200)
    interval = bootstrap_ci(np.mean, values, n_resamples=500, seed=3)
    assert interval.point == pytest.approx(values.mean())
    assert interval.low < interval.point < interval.high
    assert bootstrap_ci(np.mean, values, n_resamples=500, seed=3) == interval
    assert bootstrap_ci(np.mean, values, n_resamples=500, seed=4) != interval
    # The standard error of the mean is about 1 / sqrt(200) = 0.07; a 95 % interval spans about 4 of them.
    assert 0.15 < interval.high - interval.low < 0.4


def test_bootstrap_ci_narrows_with_more_data() -> None:
    rng = np.random.default_rng(1)
    widths = []
    for n_items in (50, 500, 5000):
        interval = bootstrap_ci(np.mean, rng.normal(size=n_items), n_resamples=300)
        widths.append(interval.high - interval.low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] / widths[2] > 5  # width shrinks like 1 / sqrt(n): the ratio is about 10


def test_bootstrap_ci_resamples_arrays_in_pairs() -> None:
    y_true = np.arange(100) % 4
    # Predictions equal to the truth: a paired bootstrap keeps accuracy exactly 1 in every resample.
    interval = bootstrap_ci(accuracy, y_true, y_true.copy(), n_resamples=200)
    assert (interval.point, interval.low, interval.high) == (1.0, 1.0, 1.0)
    wider = bootstrap_ci(accuracy, y_true, y_true.copy(), n_resamples=200, confidence=0.99)
    assert wider.point == 1.0


def test_bootstrap_ci_rejects_bad_arguments() -> None:
    with pytest.raises(ParameterError, match="equally long"):
        bootstrap_ci(accuracy, np.zeros(3), np.zeros(4))
    with pytest.raises(ParameterError, match="confidence"):
        bootstrap_ci(np.mean, np.zeros(3), confidence=95)
    with pytest.raises(ParameterError, match="at least one array"):
        bootstrap_ci(np.mean)


def test_average_precision_of_a_small_ranking_by_hand() -> None:
    # Query label 1; ranked database labels 1, 0, 1, 0, 1: hits at ranks 1, 3 and 5.
    database_labels = np.array([0, 1, 1, 0, 1])
    rankings = np.array([[1, 0, 2, 3, 4]])
    expected = (1 / 1 + 2 / 3 + 3 / 5) / 3
    np.testing.assert_allclose(average_precision_per_query(np.array([1]), database_labels, rankings), [expected])
    np.testing.assert_allclose(precision_at_k(np.array([1]), database_labels, rankings, k=2), [0.5])


def test_perfect_ranking_has_map_one() -> None:
    database_labels = np.array([2, 0, 1, 0, 2, 1, 1])
    query_labels = np.array([0, 1, 2])
    rankings = np.stack([np.argsort(database_labels != label, kind="stable") for label in query_labels])
    assert mean_average_precision(query_labels, database_labels, rankings) == 1.0
    np.testing.assert_array_equal(precision_at_k(query_labels, database_labels, rankings, k=2), [1.0, 1.0, 1.0])


def test_query_without_relevant_items_scores_zero() -> None:
    ap = average_precision_per_query(np.array([5, 0]), np.array([0, 1, 0]), np.array([[0, 1, 2], [1, 0, 2]]))
    np.testing.assert_allclose(ap, [0.0, (1 / 2 + 2 / 3) / 2])


@pytest.mark.parametrize("seed", range(3))
def test_average_precision_matches_sklearn_on_random_rankings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_queries, n_database = 10, 40
    query_labels = rng.integers(0, 4, size=n_queries)
    database_labels = rng.integers(0, 4, size=n_database)
    rankings = np.stack([rng.permutation(n_database) for _ in range(n_queries)])

    ap = average_precision_per_query(query_labels, database_labels, rankings)
    for query, ranking in enumerate(rankings):
        scores = np.empty(n_database)
        scores[ranking] = np.arange(n_database, 0, -1)  # distinct scores, best-ranked highest
        expected = sklearn_metrics.average_precision_score(database_labels == query_labels[query], scores)
        assert ap[query] == pytest.approx(expected)
    assert mean_average_precision(query_labels, database_labels, rankings) == pytest.approx(ap.mean())


def test_rankings_must_be_permutations() -> None:
    with pytest.raises(ParameterError, match="permutation"):
        average_precision_per_query(np.array([0]), np.array([0, 1, 0]), np.array([[0, 0, 1]]))
    with pytest.raises(ParameterError, match="rankings"):
        average_precision_per_query(np.array([0]), np.array([0, 1, 0]), np.array([[0, 1]]))
    with pytest.raises(ParameterError, match="k must be"):
        precision_at_k(np.array([0]), np.array([0, 1, 0]), np.array([[0, 1, 2]]), k=4)


def test_hamming_retrieval_leaves_each_query_s_own_item_out_of_its_ranking() -> None:
    """Queries that are the database's own items (``evaluate --split train``) found themselves first, a relevant hit:
    a genre of one track had AP 1.0, and every query's first result was right."""
    bits = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1]], dtype=np.uint8)
    labels = np.array([0, 0, 1])
    with_itself = hamming_retrieval(bits, labels, bits, labels, k=1)
    assert with_itself.average_precision.tolist() == with_itself.precision_at_k_per_query.tolist() == [1.0] * 3

    without = hamming_retrieval(bits, labels, bits, labels, k=1, own=np.arange(3))
    # the third's genre holds no other item: nothing relevant is left to find
    assert without.average_precision.tolist() == without.precision_at_k_per_query.tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("own", [[0, 1], [0, 1, 3], [0, 1, -1]], ids=["one short", "past the end", "negative"])
def test_hamming_retrieval_refuses_own_indices_that_are_not_the_queries(own: list[int]) -> None:
    """An ``own`` of the wrong length or out of the database was numpy's broadcast or reshape error, naming neither."""
    bits = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1]], dtype=np.uint8)
    labels = np.array([0, 0, 1])
    with pytest.raises(ParameterError, match="own must give each of the 3 queries a database index below 3"):
        hamming_retrieval(bits, labels, bits, labels, k=1, own=np.array(own))


def test_hamming_retrieval_scores_the_hamming_ranking() -> None:
    rng = np.random.default_rng(7)
    n_bits = 16
    prototypes = rng.integers(0, 2, size=(3, n_bits), dtype=np.uint8)

    def noisy_codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        relaxed = 0.5 + 0.4 * (2.0 * prototypes[labels] - 1.0) + rng.normal(0.0, 0.15, size=(len(labels), n_bits))
        return (relaxed >= 0.5).astype(np.uint8), relaxed

    query_labels, database_labels = rng.integers(0, 3, size=12), rng.integers(0, 3, size=60)
    (query_bits, query_relaxed), (database_bits, database_relaxed) = (
        noisy_codes(query_labels),
        noisy_codes(database_labels),
    )

    result = hamming_retrieval(
        query_bits,
        query_labels,
        database_bits,
        database_labels,
        query_relaxed=query_relaxed,
        database_relaxed=database_relaxed,
        k=5,
    )
    rankings = rank_by_hamming(
        query_bits, database_bits, query_relaxed=query_relaxed, database_relaxed=database_relaxed
    )
    np.testing.assert_allclose(
        result.average_precision, average_precision_per_query(query_labels, database_labels, rankings)
    )
    np.testing.assert_allclose(
        result.precision_at_k_per_query, precision_at_k(query_labels, database_labels, rankings, k=5)
    )
    assert result.k == 5
    assert result.map == pytest.approx(result.average_precision.mean())
    assert result.precision_at_k == pytest.approx(result.precision_at_k_per_query.mean())
    assert result.map > 0.8  # codes cluster by label, so retrieval is far better than chance (about 1/3)

    interval = result.map_ci(n_resamples=300)
    assert interval == bootstrap_ci(np.mean, result.average_precision, n_resamples=300)
    assert interval.low <= result.map <= interval.high


def test_bootstrap_leaves_out_resamples_where_the_statistic_is_undefined() -> None:
    truth = np.array([0, 0, 0, 1, 1])
    score = np.array([0.1, 0.2, 0.3, 0.8, 0.9])

    def separation(t: np.ndarray, s: np.ndarray) -> float:
        return float(s[t == 1].mean() - s[t == 0].mean()) if 0 < t.sum() < t.size else float("nan")

    interval = bootstrap_ci(separation, truth, score, n_resamples=500)
    assert np.isfinite(interval.low) and np.isfinite(interval.high)
    assert 0.5 <= interval.low <= interval.point <= interval.high <= 0.8


def test_own_item_ranks_follow_the_library_ranking() -> None:
    database = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0]], dtype=np.uint8)
    queries = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 0, 0]], dtype=np.uint8)
    # Query 0 is one bit from items 1, 2 and 3: database order puts item 1 first.
    # Queries 1 and 2 equal items 2 and 3: with bits alone, item 2 comes first (database order).
    ranks = own_item_ranks(queries, database, np.array([1, 2, 3]))
    np.testing.assert_array_equal(ranks, [0, 0, 1])
    # The relaxed codes break the tie between items 2 and 3: query 2 is nearer item 3.
    database_relaxed = database * 0.8 + 0.1
    database_relaxed[3, 0] = 0.95
    query_relaxed = queries * 0.8 + 0.1
    query_relaxed[2, 0] = 0.95
    ranked = own_item_ranks(
        queries, database, np.array([1, 2, 3]), query_relaxed=query_relaxed, database_relaxed=database_relaxed
    )
    np.testing.assert_array_equal(ranked, [0, 0, 0])


def test_own_item_ranks_compare_the_last_bits_as_the_search_does() -> None:
    """Item 0 differs from the query in its first two bits only, item 1 in one of its last two: by all four
    bits item 1 is nearer; by the last two, item 0 equals the query."""
    database = np.array([[0, 0, 1, 0], [1, 1, 1, 1]], dtype=np.uint8)
    queries = np.array([[1, 1, 1, 0]], dtype=np.uint8)
    relaxed_database, relaxed_query = database * 0.8 + 0.1, queries * 0.8 + 0.1
    for match_bits, rank in ((None, 1), (4, 1), (2, 0)):
        ranks = own_item_ranks(
            queries,
            database,
            np.array([0]),
            query_relaxed=relaxed_query,
            database_relaxed=relaxed_database,
            match_bits=match_bits,
        )
        np.testing.assert_array_equal(ranks, [rank])


def test_own_item_ranks_reject_indices_outside_the_database() -> None:
    bits = np.zeros((2, 4), dtype=np.uint8)
    with pytest.raises(ParameterError, match="own_index"):
        own_item_ranks(bits, bits, np.array([0, 2]))
    with pytest.raises(ParameterError, match="one own index per query"):
        own_item_ranks(bits, bits, np.array([0]))


def test_code_groups_count_shared_codes() -> None:
    a, b, c, d = ([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1])
    bits = np.array([a, b, a, c, a, b, d], dtype=np.uint8)  # a three times, b twice, c and d once
    groups = code_groups(bits)
    assert (groups.n_items, groups.n_distinct, groups.n_unique_items, groups.largest_group) == (7, 4, 2, 3)
    assert groups.unique_share == pytest.approx(2 / 7)
    own_kind, other_kinds = codes_shared_by_kind(bits, ["x", "x", "y", "y", "x", "z", "z"])
    np.testing.assert_array_equal(own_kind, [True, False, False, False, True, False, False])  # a: items 0 and 4
    np.testing.assert_array_equal(other_kinds, [True, True, True, False, True, True, False])  # a with y, b x with z
    np.testing.assert_array_equal(codes_found_in(np.array([c, [1, 1, 1, 1]]), bits), [True, False])
    with pytest.raises(ParameterError, match="non-empty"):
        code_groups(np.zeros((0, 4), dtype=np.uint8))
    with pytest.raises(ParameterError, match="one kind per code"):
        codes_shared_by_kind(bits, ["x"])


def test_tally_counts_true_items() -> None:
    assert tally([True, False, True]) == {"count": 2, "total": 3}
    assert tally(np.array([], dtype=bool)) == {"count": 0, "total": 0}
