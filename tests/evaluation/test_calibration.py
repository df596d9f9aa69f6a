"""Tests of musictagger.evaluation.calibration on cases small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from musictagger.errors import ParameterError
from musictagger.evaluation.calibration import (
    brier_score,
    ece_if_calibrated,
    expected_calibration_error,
    negative_log_likelihood,
    reliability_bins,
)


def test_ece_of_one_overconfident_bin() -> None:
    # Four tracks at 0.95, three right: one bin, |0.75 - 0.95| = 0.2.
    assert expected_calibration_error(np.full(4, 0.95), np.array([1, 1, 1, 0])) == pytest.approx(0.2)


def test_ece_weights_each_bin_by_its_count() -> None:
    confidences = np.array([0.25, 0.25, 0.85, 0.85, 0.85, 0.85])
    correct = np.array([0, 1, 1, 1, 1, 0])
    # Bin (0.2, 0.3]: accuracy 0.5, gap 0.25, 2 of 6 tracks; bin (0.8, 0.9]: accuracy 0.75, gap 0.10, 4 of 6.
    assert expected_calibration_error(confidences, correct) == pytest.approx((2 * 0.25 + 4 * 0.10) / 6)


def test_ece_compares_bin_means_not_single_tracks() -> None:
    # One bin with mean confidence 0.95 and accuracy 0.5: 0.45 (per track the gaps would average 0.54).
    assert expected_calibration_error(np.array([0.91, 0.99]), np.array([True, False])) == pytest.approx(0.45)


def test_a_calibrated_model_has_ece_zero() -> None:
    assert expected_calibration_error(np.full(5, 0.6), np.array([1, 1, 1, 0, 0])) == pytest.approx(0.0)


def test_a_calibrated_model_on_few_tracks_shows_an_ece_that_a_reference_explains() -> None:
    rng = np.random.default_rng(3)
    confidences = rng.uniform(0.4, 1.0, 80)
    correct = rng.random(80) < confidences  # right as often as it says: calibrated
    observed = expected_calibration_error(confidences, correct)
    reference = ece_if_calibrated(confidences, observed)
    assert observed > 0.05  # on 80 tracks chance alone misses the goal
    assert 0.05 < reference.mean < reference.high and reference.p_value > 0.05


def test_an_overconfident_model_is_told_apart_from_chance() -> None:
    confidences, correct = np.full(80, 0.95), np.arange(80) % 2 == 0  # says 0.95, right half the time
    reference = ece_if_calibrated(confidences, expected_calibration_error(confidences, correct))
    assert reference.p_value == 0.0 and reference.high < 0.1


def test_the_calibrated_reference_shrinks_with_more_tracks() -> None:
    rng = np.random.default_rng(4)
    few, many = rng.uniform(0.4, 1.0, 80), rng.uniform(0.4, 1.0, 8000)
    assert ece_if_calibrated(many, 0.0).mean < ece_if_calibrated(few, 0.0).mean / 5
    assert ece_if_calibrated(few, 0.0).p_value == 1.0  # every draw reaches an ECE of 0
    assert ece_if_calibrated(few, 0.0, seed=1) != ece_if_calibrated(few, 0.0, seed=2)


def test_reliability_bins_close_on_the_right() -> None:
    bins = reliability_bins(np.array([0.0, 0.3, 0.30001, 1.0]), np.array([1, 0, 1, 1]))
    np.testing.assert_allclose(bins.edges, np.linspace(0, 1, 11))
    # 0.0 opens the first bin, 0.3 closes (0.2, 0.3], 0.30001 opens (0.3, 0.4], 1.0 closes the last.
    np.testing.assert_array_equal(bins.counts, [1, 0, 1, 1, 0, 0, 0, 0, 0, 1])
    assert np.isnan(bins.accuracy[1]) and np.isnan(bins.confidence[1])
    assert bins.accuracy[2] == 0.0 and bins.accuracy[3] == 1.0
    rows = bins.to_dict()
    assert len(rows) == 10 and sum(row["count"] for row in rows) == 4
    assert rows[1] == {"low": 0.1, "high": 0.2, "count": 0, "confidence": None, "accuracy": None}
    assert rows[2]["confidence"] == pytest.approx(0.3)


def test_nll_and_brier_by_hand() -> None:
    probabilities = np.array([[0.5, 0.5], [0.25, 0.75]])
    labels = np.array([0, 1])
    assert negative_log_likelihood(probabilities, labels) == pytest.approx(-(np.log(0.5) + np.log(0.75)) / 2)
    # (0.5² + 0.5²) = 0.5 and (0.25² + 0.25²) = 0.125.
    assert brier_score(probabilities, labels) == pytest.approx((0.5 + 0.125) / 2)
    assert negative_log_likelihood(np.array([[1.0, 0.0]]), np.array([1])) == pytest.approx(-np.log(1e-12))


def test_calibration_metrics_reject_bad_input() -> None:
    with pytest.raises(ParameterError, match=r"\[0, 1\]"):
        expected_calibration_error(np.array([1.2]), np.array([1]))
    with pytest.raises(ParameterError, match="equal length"):
        reliability_bins(np.array([0.5, 0.6]), np.array([1]))
    with pytest.raises(ParameterError, match="n_bins"):
        reliability_bins(np.array([0.5]), np.array([1]), n_bins=0)
    with pytest.raises(ParameterError, match="n_resamples"):
        ece_if_calibrated(np.array([0.5]), 0.1, n_resamples=0)
    with pytest.raises(ParameterError, match="class indices"):
        brier_score(np.array([[0.5, 0.5]]), np.array([2]))
