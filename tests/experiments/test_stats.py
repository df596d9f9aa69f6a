"""McNemar's test against a textbook example; seed summaries and intervals."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy", reason="the experiments need the 'train' extra")

from musictagger.experiments.stats import mcnemar, mcnemar_counts, mean_sd, seed_mean_ci


def test_mcnemar_matches_the_textbook_example() -> None:
    # Wikipedia's "McNemar's test" example: 59 / 6 / 16 / 80 patients; b = 6, c = 16.
    # Edwards' continuity-corrected chi-squared is (|6 - 16| - 1)^2 / 22 = 3.68 (p = 0.055),
    # the exact binomial p is 2 * P(X <= 6 | n = 22, 1/2) = 0.0525.
    test = mcnemar_counts(6, 16)
    assert test.statistic == pytest.approx(81 / 22)
    assert test.p_chi2 == pytest.approx(0.055, abs=5e-4)
    assert test.p_exact == pytest.approx(0.0525, abs=5e-5)


def test_mcnemar_counts_the_discordant_items_of_two_classifiers() -> None:
    a = np.array([1, 1, 1, 0, 0, 1, 0, 1], dtype=bool)
    b = np.array([1, 0, 0, 0, 1, 1, 0, 0], dtype=bool)
    test = mcnemar(a, b)
    assert (test.b, test.c) == (3, 1)
    assert mcnemar(b, a).p_exact == test.p_exact


def test_mcnemar_of_identical_classifiers_finds_no_difference() -> None:
    same = np.array([True, False, True])
    assert mcnemar(same, same).p_exact == 1.0


def test_mcnemar_refuses_unpaired_arrays() -> None:
    with pytest.raises(ValueError, match="equally long"):
        mcnemar(np.ones(3, bool), np.ones(4, bool))


def test_mean_sd_uses_the_sample_standard_deviation() -> None:
    assert mean_sd(np.array([1.0, 2.0, 3.0])) == pytest.approx((2.0, 1.0))
    assert mean_sd(np.array([0.7])) == (0.7, 0.0)


def test_seed_mean_ci_averages_seeds_before_resampling_tracks() -> None:
    correct = np.array([[1, 1, 0, 0] * 20, [1, 0, 0, 0] * 20], dtype=float)
    interval = seed_mean_ci(correct, n_resamples=500)
    assert interval.point == pytest.approx(0.375)
    assert interval.low < 0.375 < interval.high
    # Identical seeds give the interval of the single seed.
    assert seed_mean_ci(np.stack([correct[0], correct[0]]), n_resamples=500) == seed_mean_ci(
        correct[:1], n_resamples=500
    )
