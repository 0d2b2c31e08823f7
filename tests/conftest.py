"""Shared statistical assertions and fixtures of the test suite.

Statistical tests use fixed seeds, yet thresholds that a fresh seed passes with probability
> 0.999, so that a failure means a bug and not bad luck:

- :func:`assert_z`, :func:`assert_mean`: estimates within ``Z_MAX = 5`` standard errors of the
  exact value (two-sided normal tail 5.7e-7 per comparison, so a family of up to ~1000
  comparisons keeps its false-alarm rate below 1e-3);
- :func:`assert_ks`: a one-sample Kolmogorov-Smirnov test with p-value above ``P_MIN = 1e-3``;
- :func:`assert_chisquare`: a chi-square goodness-of-fit test with p-value above ``P_MIN``, after
  pooling the bins expected fewer than ``MIN_EXPECTED = 5`` times (where the chi-square
  approximation fails) into one.

Each test's docstring says which bug its sample size catches (at least 10 SE of movement).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

#: Tolerance in standard errors for means and other asymptotically normal estimates.
Z_MAX = 5.0
#: Smallest p-value a goodness-of-fit test may return and pass.
P_MIN = 1e-3
#: Bins expected fewer times than this are pooled before a chi-square test.
MIN_EXPECTED = 5.0


def assert_z(estimate, expected, se, *, k: float = Z_MAX, label: str = "estimate") -> None:
    """Assert ``|estimate - expected| <= k * se`` elementwise (``k = 5`` standard errors by
    default).

    ``se`` must be positive (a zero SE is a degenerate test and fails loudly); arrays broadcast.
    """
    estimate, expected, se = (np.asarray(a, dtype=np.float64) for a in (estimate, expected, se))
    assert np.all(se > 0), f"{label}: standard error must be positive, got {se}"
    z = np.abs(estimate - expected) / se
    assert np.all(z <= k), (
        f"{label}: max |z| = {np.max(z):.2f} > {k} "
        f"(estimate {estimate}, expected {expected}, SE {se})"
    )


def assert_mean(samples, expected, *, k: float = Z_MAX, label: str = "mean") -> None:
    """Assert that the sample mean lies within ``k`` standard errors (sample SD / sqrt(n)) of
    ``expected``."""
    samples = np.asarray(samples, dtype=np.float64)
    se = samples.std(ddof=1) / math.sqrt(samples.size)
    assert_z(samples.mean(), expected, se, k=k, label=label)


def assert_ks(samples, cdf, *, p_min: float = P_MIN, label: str = "KS") -> None:
    """Assert that a one-sample Kolmogorov-Smirnov test against ``cdf`` has p-value > ``p_min``."""
    p = stats.kstest(np.asarray(samples, dtype=np.float64), cdf).pvalue
    assert p > p_min, f"{label}: KS p-value {p:.3g} <= {p_min}"


def pool_sparse_bins(counts, probabilities, *, min_expected: float = MIN_EXPECTED):
    """Observed and expected counts with the bins expected fewer than ``min_expected`` times pooled.

    Returns ``(observed, expected)``: the well-populated bins in order, followed by one pooled bin
    when any bin was sparse (dropped again if the pooled bin is itself expected less than
    ``min_expected`` times, which merges it into the smallest well-populated bin).
    """
    counts = np.asarray(counts, dtype=np.float64)
    p = np.asarray(probabilities, dtype=np.float64)
    expected = p / p.sum() * counts.sum()
    keep = expected >= min_expected
    obs, exp = list(counts[keep]), list(expected[keep])
    if not np.all(keep):
        obs.append(counts[~keep].sum())
        exp.append(expected[~keep].sum())
        if exp[-1] < min_expected and len(exp) > 1:
            i = int(np.argmin(exp[:-1]))
            obs[i] += obs.pop()
            exp[i] += exp.pop()
    return np.array(obs), np.array(exp)


def assert_chisquare(counts, probabilities, *, p_min: float = P_MIN,
                     min_expected: float = MIN_EXPECTED, label: str = "chi-square") -> None:
    """Assert that observed ``counts`` fit ``probabilities`` (chi-square p-value > ``p_min``).

    Bins expected fewer than ``min_expected`` times are pooled first (:func:`pool_sparse_bins`);
    at least two bins must remain.
    """
    obs, exp = pool_sparse_bins(counts, probabilities, min_expected=min_expected)
    assert obs.size >= 2, f"{label}: fewer than two bins after pooling: {obs}"
    p = stats.chisquare(obs, exp).pvalue
    assert p > p_min, (
        f"{label}: chi-square p-value {p:.3g} <= {p_min} (observed {obs}, expected {exp})"
    )


@pytest.fixture(scope="session")
def jit_warm():
    """Compile the SSA kernels once per session (a tiny run of each method), so that the first
    test to use them does not carry numba's compile time in its duration."""
    from stochlim.models import two_state
    from stochlim.protocols import PiecewiseConstant, PiecewiseLinear
    from stochlim.ssa import METHODS, simulate

    model = two_state(PiecewiseLinear([0.0, 1.0], [0.5, 1.0]),
                      energies=(0.0, PiecewiseConstant([0.0, 0.5], [0.0, 1.0])))
    for method in METHODS:
        try:
            simulate(model, t_end=1.0, n_trajectories=2, method=method, rng=0)
        except ValueError:  # a method that does not accept this protocol
            pass
