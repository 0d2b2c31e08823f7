"""The shared statistical assertions of ``tests/conftest.py`` pass what they should and fail what
they should: an estimate 6 SE away, samples from the wrong law, counts from the wrong law."""

import numpy as np
import pytest
from scipy import stats

from conftest import (MIN_EXPECTED, assert_chisquare, assert_ks, assert_mean, assert_z,
                      pool_sparse_bins)


def test_assert_z_threshold_is_five_standard_errors():
    assert_z(1.0 + 4.9e-2, 1.0, 1e-2)
    assert_z([0.0, 0.1], [0.0, 0.0], [1.0, 0.1])
    with pytest.raises(AssertionError, match="max \\|z\\| = 6.00"):
        assert_z(1.06, 1.0, 1e-2)
    with pytest.raises(AssertionError, match="standard error must be positive"):
        assert_z(1.0, 1.0, 0.0)


def test_assert_mean_uses_the_standard_error_of_the_mean():
    x = np.random.default_rng(0).normal(0.3, 1.0, 10_000)  # SE 0.01
    assert_mean(x, 0.3)
    with pytest.raises(AssertionError):
        assert_mean(x, 0.37)  # ~7 SE away


def test_assert_ks_rejects_the_wrong_law():
    x = np.random.default_rng(1).exponential(1.0, 5000)
    assert_ks(x, stats.expon().cdf)
    with pytest.raises(AssertionError, match="KS p-value"):
        assert_ks(x, stats.expon(scale=1.1).cdf)


def test_chisquare_pools_sparse_bins_and_rejects_the_wrong_law():
    p = np.array([0.5, 0.3, 0.1991, 0.0004, 0.0003, 0.0002])
    counts = np.random.default_rng(2).multinomial(10_000, p)
    obs, exp = pool_sparse_bins(counts, p)
    assert obs.size == 4 and exp[-1] == pytest.approx(9.0) and np.all(exp >= MIN_EXPECTED)
    assert obs.sum() == counts.sum() and exp.sum() == pytest.approx(10_000.0)
    assert_chisquare(counts, p)
    with pytest.raises(AssertionError, match="chi-square p-value"):
        assert_chisquare(counts, [0.47, 0.33, 0.1991, 0.0004, 0.0003, 0.0002])


def test_a_pooled_bin_still_too_small_is_merged():
    obs, exp = pool_sparse_bins([60, 38, 2], [0.6, 0.38, 0.02])
    assert obs.tolist() == [60, 40] and exp.tolist() == pytest.approx([60.0, 40.0])
