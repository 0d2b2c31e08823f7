"""What a fluctuation study asks of an :class:`~stochlim.ssa.Ensemble`: mean +- SE, histograms,
quantiles, a test against an exact distribution, and export to pandas / xarray.

These are the implementations behind the ``Ensemble`` methods of the same names. The comparison
uses a chi-square test with adjacent bins pooled until each expects at least 5 trajectories for
integer observables against a :class:`~stochlim.fluctuations.CountDistribution` and for laws with
atoms (:func:`stochlim.fluctuations.cdf`), and the Kolmogorov-Smirnov test against a continuous
CDF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .stats import mean_se as stats_mean_se

__all__ = ["FIELDS", "Comparison", "values", "mean_se", "histogram", "quantiles", "compare",
           "pooled_chi_square", "to_pandas", "to_xarray"]

#: Per-trajectory fields an ensemble method can be asked about by name.
FIELDS = ("work", "heat", "medium_entropy", "n_jumps", "initial_state", "final_state", "initial_energy",
          "final_energy")


def values(ensemble, name) -> np.ndarray:
    """The per-trajectory array ``name`` of ``ensemble`` (or ``name`` itself when it is an array).

    Parameters
    ----------
    ensemble : Ensemble
        Trajectories from :func:`stochlim.simulate`.
    name : str or array_like
        A field of :data:`FIELDS` or one value per trajectory.

    Returns
    -------
    ndarray, shape (n_trajectories,)
        The values.

    Raises
    ------
    ValueError
        If ``name`` is a string not in :data:`FIELDS`, or an array without one value per
        trajectory.

    Examples
    --------
    >>> from stochlim import simulate
    >>> from stochlim.models import two_state
    >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0)
    >>> bool(np.array_equal(values(ens, "n_jumps"), ens.n_jumps))
    True
    """
    if isinstance(name, str):
        if name not in FIELDS:
            raise ValueError(f"name must be one of {FIELDS}: got {name!r}")
        return np.asarray(getattr(ensemble, name))
    arr = np.asarray(name)
    if arr.shape != (ensemble.n_trajectories,):
        raise ValueError(f"name must be a field name or one value per trajectory: got shape {arr.shape}")
    return arr


def mean_se(ensemble, name) -> tuple[float, float]:
    """Sample mean of ``name`` and its standard error ``s / sqrt(n)``.

    Parameters
    ----------
    ensemble : Ensemble
        Trajectories from :func:`stochlim.simulate`.
    name : str or array_like
        A field of :data:`FIELDS` or one value per trajectory.

    Returns
    -------
    mean, stderr : float
        The sample mean and its standard error.

    Raises
    ------
    ValueError
        If ``name`` is a string not in :data:`FIELDS`, or an array without one value per
        trajectory.
        If there are fewer than 2 trajectories.

    Examples
    --------
    >>> from stochlim import simulate
    >>> from stochlim.models import two_state
    >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0)
    >>> mean, se = mean_se(ens, "n_jumps")
    >>> bool(np.isclose(mean, ens.n_jumps.mean()))
    True
    >>> bool(np.isclose(se, ens.n_jumps.std(ddof=1) / np.sqrt(5)))
    True
    """
    x = values(ensemble, name)
    if x.size < 2:
        raise ValueError("mean_se needs at least 2 trajectories")
    return stats_mean_se(x)


def histogram(ensemble, name, bins=50, *, density=False):
    """``(counts_or_density, edges)`` of ``name`` as :func:`numpy.histogram`; integer fields get
    unit bins centred on the integers when ``bins`` is None.

    Parameters
    ----------
    ensemble : Ensemble
        Trajectories from :func:`stochlim.simulate`.
    name : str or array_like
        A field of :data:`FIELDS` or one value per trajectory.
    bins : int, sequence of float or None, optional
        As for :func:`numpy.histogram`; None: unit bins for an integer field, else 50.
    density : bool, optional
        Normalise to a probability density.

    Returns
    -------
    counts, edges : ndarray
        As :func:`numpy.histogram`.

    Raises
    ------
    ValueError
        If ``name`` is a string not in :data:`FIELDS`, or an array without one value per
        trajectory.

    Examples
    --------
    >>> from stochlim import simulate
    >>> from stochlim.models import two_state
    >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0)
    >>> counts, edges = histogram(ens, "n_jumps", bins=None)
    >>> int(counts.sum()), bool(np.all(edges % 1 == 0.5))
    (5, True)
    """
    x = values(ensemble, name)
    if bins is None:
        bins = np.arange(x.min(), x.max() + 2) - 0.5 if np.issubdtype(x.dtype, np.integer) else 50
    return np.histogram(x, bins=bins, density=density)


def quantiles(ensemble, name, q) -> np.ndarray:
    """Sample quantiles of ``name`` at ``q`` (in [0, 1]).

    Parameters
    ----------
    ensemble : Ensemble
        Trajectories from :func:`stochlim.simulate`.
    name : str or array_like
        A field of :data:`FIELDS` or one value per trajectory.
    q : float or array_like
        Probabilities in [0, 1].

    Returns
    -------
    float or ndarray
        The quantiles, of the shape of ``q``.

    Raises
    ------
    ValueError
        If ``name`` is a string not in :data:`FIELDS`, or an array without one value per
        trajectory.
        If ``q`` is not finite or not in [0, 1].

    Examples
    --------
    >>> from stochlim import simulate
    >>> from stochlim.models import two_state
    >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0)
    >>> bool(quantiles(ens, "n_jumps", 0.5) == np.median(ens.n_jumps))
    True
    """
    q_arr = np.asarray(q, dtype=np.float64)
    if np.any((q_arr < 0) | (q_arr > 1)) or not np.all(np.isfinite(q_arr)):
        raise ValueError(f"q must lie in [0, 1]: got {q!r}")
    return np.quantile(values(ensemble, name), q_arr)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Outcome of :func:`compare`.

    Attributes
    ----------
    test : str
        ``"chi-square"`` or ``"ks"``.
    statistic, p_value : float
    dof : int or None
        Degrees of freedom of the chi-square test (after pooling).
    figure : matplotlib.figure.Figure
        The sampled histogram against the exact distribution.

    Parameters
    ----------
    test, statistic, p_value, dof, figure
        The attributes above, by name (made by :func:`compare`, not by users).

    Examples
    --------
    >>> c = Comparison("ks", 0.02, 0.4, None, None)
    >>> c.passed, c.passes(0.5)
    (True, False)
    """

    test: str
    statistic: float
    p_value: float
    dof: int | None
    figure: object

    def passes(self, alpha: float) -> bool:
        """True when ``p_value > alpha``.

        Parameters
        ----------
        alpha : float
            Significance level.

        Returns
        -------
        bool
            The verdict.

        Examples
        --------
        >>> Comparison("ks", 0.02, 0.04, None, None).passes(0.01)
        True
        """
        return bool(self.p_value > alpha)

    @property
    def passed(self) -> bool:
        """``p_value > 1e-3`` (the project's threshold for a statistical test).

        Examples
        --------
        >>> Comparison("chi2", 30.0, 2e-4, 10, None).passed, Comparison("ks", 0.02, 0.3, None, None).passed
        (False, True)
        """
        return self.passes(1e-3)


def pooled_chi_square(observed, expected, minimum: float = 5.0) -> tuple[float, int]:
    """Chi-square statistic and degrees of freedom with adjacent bins pooled to ``>= minimum`` expected.

    Bins are pooled from the left until the pool expects ``minimum``; a remainder joins the last pool.

    Parameters
    ----------
    observed, expected : array_like
        Observed and expected counts per bin.
    minimum : float, optional
        Smallest expected count of a pooled bin.

    Returns
    -------
    statistic : float
        ``sum (O - E)^2 / E`` over the pooled bins.
    dof : int
        Number of pooled bins minus one.

    Raises
    ------
    ValueError
        If the expected counts add up to less than ``minimum``.

    Examples
    --------
    >>> stat, dof = pooled_chi_square([3, 2, 10, 12], [2, 3, 10, 10])   # pools (5, 10, 12) vs (5, 10, 10)
    >>> round(stat, 6), dof
    (0.4, 2)
    """
    obs_bins, exp_bins, o, e = [], [], 0.0, 0.0
    for oi, ei in zip(np.asarray(observed, dtype=np.float64), np.asarray(expected, dtype=np.float64)):
        o, e = o + oi, e + ei
        if e >= minimum:
            obs_bins.append(o)
            exp_bins.append(e)
            o = e = 0.0
    if not obs_bins:
        raise ValueError("too few expected counts for a chi-square test")
    obs_bins[-1] += o
    exp_bins[-1] += e
    ob, ex = np.array(obs_bins), np.array(exp_bins)
    return float(np.sum((ob - ex) ** 2 / ex)), ob.size - 1


def compare(ensemble, name, exact, *, time_index: int = -1) -> Comparison:
    """Test the sampled ``name`` against an exact distribution and draw both.

    Parameters
    ----------
    ensemble : Ensemble
    name : str or array_like
        A field (``"n_jumps"``, ``"work"``...) or one value per trajectory (e.g. a net current).
    exact : CountDistribution, ContinuousLaw or callable
        A :class:`~stochlim.fluctuations.CountDistribution` (chi-square on its ``pmf`` at
        ``time_index``, the tail beyond its window pooled into the last bins), a
        :class:`~stochlim.fluctuations.ContinuousLaw` (chi-square over its atoms and 20 bins of
        equal probability of its continuous part) or an exact continuous CDF ``F(x)``
        (Kolmogorov-Smirnov).
    time_index : int, optional
        Which time of a ``CountDistribution`` to compare with.

    Returns
    -------
    Comparison
        The test, its statistic, p-value and degrees of freedom, and the figure.

    Raises
    ------
    TypeError
        If ``exact`` is neither a ``CountDistribution`` nor a callable.
    ValueError
        If ``name`` is invalid (see :func:`values`); ``name`` is not integer-valued against a
        ``CountDistribution``; or there are too few expected counts for a chi-square test.

    Examples
    --------
    The first-passage time of a bit hopping at rate 1 is exponential with mean 1:

    >>> import scipy.stats
    >>> from stochlim import simulate
    >>> from stochlim.models import two_state
    >>> m = two_state(0.0, rate_law="arrhenius")
    >>> ens = simulate(m, t_end=50.0, n_trajectories=1000, x0=0, stop=1, rng=0)
    >>> result = compare(ens, ens.first_passage_time, scipy.stats.expon.cdf)
    >>> result.test, result.passed   # p > 1e-3
    ('ks', True)
    """
    from matplotlib.figure import Figure

    x = values(ensemble, name)
    label = name if isinstance(name, str) else "X"
    fig = Figure(figsize=(5.0, 3.4))
    ax = fig.add_subplot()
    if hasattr(exact, "pmf") and hasattr(exact, "values"):
        pmf = np.asarray(exact.pmf)[time_index]
        vals = np.asarray(exact.values)
        if np.any(x != np.round(x)):
            raise ValueError(f"{label} is not integer-valued: compare it with a CDF, not a CountDistribution")
        lo = int(vals[0])
        inside = (x >= vals[0]) & (x <= vals[-1])
        observed = np.bincount((x[inside] - lo).astype(np.int64), minlength=vals.size)
        observed = np.append(observed, np.count_nonzero(~inside)).astype(np.float64)
        expected = np.append(pmf, max(1.0 - pmf.sum(), 0.0)) * x.size
        stat, dof = pooled_chi_square(observed, expected)
        p = float(stats.chi2.sf(stat, dof)) if dof > 0 else 1.0
        ax.bar(vals, observed[:-1] / x.size, width=0.8, alpha=0.5, label="sampled")
        ax.plot(vals, pmf, "k.", label="exact")
        ax.set_ylabel("probability")
        result = Comparison("chi-square", stat, p, dof, fig)
    elif hasattr(exact, "atoms") and callable(exact):
        result = _compare_with_atoms(x, exact, ax)
    elif callable(exact):
        res = stats.kstest(x, exact)
        grid = np.sort(x)
        ax.step(grid, np.arange(1, grid.size + 1) / grid.size, where="post", label="sampled")
        fine = np.linspace(grid[0], grid[-1], 400)
        ax.plot(fine, exact(fine), "k--", label="exact")
        ax.set_ylabel("CDF")
        result = Comparison("ks", float(res.statistic), float(res.pvalue), None, fig)
    else:
        raise TypeError(f"exact must be a CountDistribution or a CDF callable: got {type(exact).__name__}")
    ax.set_xlabel(label)
    ax.set_title(f"{result.test}: p = {result.p_value:.3g}")
    ax.legend()
    return result


def _compare_with_atoms(x, law, ax, n_bins=20):
    """Chi-square over the atoms of ``law`` (each its own category, matched to 1e-9 relative) and
    ``n_bins`` bins of equal probability of its continuous part (the KS test assumes no atoms)."""
    atoms = np.asarray(law.atoms)
    lo, hi = law.interval
    tol = 1e-9 * max(1.0, hi - lo)
    at_atom = np.zeros(x.size, dtype=bool)
    observed, expected = [], []
    for value, mass in atoms:
        hit = np.abs(x - value) <= tol
        at_atom |= hit
        observed.append(np.count_nonzero(hit))
        expected.append(mass * x.size)
    if law.continuous_mass > 0:
        grid = np.linspace(lo, hi, 4001)
        below = (atoms[:, 1] * (atoms[:, 0][None, :] <= grid[:, None])).sum(axis=1) if atoms.size else 0.0
        cont = np.maximum.accumulate(np.clip(law(grid) - below, 0.0, None))
        levels = law.continuous_mass * np.arange(1, n_bins) / n_bins
        edges = np.interp(levels, cont, grid)
        inner = np.concatenate(([0.0], np.interp(edges, grid, cont), [law.continuous_mass]))
        observed += list(np.bincount(np.searchsorted(edges, x[~at_atom]), minlength=n_bins))
        expected += list(np.diff(inner) * x.size)
    stat, dof = pooled_chi_square(observed, expected)
    grid = np.sort(x)
    ax.step(grid, np.arange(1, grid.size + 1) / grid.size, where="post", label="sampled")
    fine = np.linspace(lo, hi, 800)
    ax.plot(fine, law(fine), "k--", label="exact")
    ax.set_ylabel("CDF")
    return Comparison("chi-square", stat, float(stats.chi2.sf(stat, dof)) if dof > 0 else 1.0, dof, ax.figure)


def to_pandas(ensemble):
    """The per-trajectory fields as a :class:`pandas.DataFrame` (one row per trajectory).

    Parameters
    ----------
    ensemble : Ensemble
        Trajectories from :func:`stochlim.simulate`.

    Returns
    -------
    pandas.DataFrame
        One column per field of :data:`FIELDS` except ``medium_entropy`` (equal to ``heat``).

    Raises
    ------
    ImportError
        If pandas is not installed (``pip install 'stochlim[frames]'``).

    Examples
    --------
    >>> from stochlim import simulate
    >>> from stochlim.models import two_state
    >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0)
    >>> try:
    ...     frame = to_pandas(ens)
    ... except ImportError:   # pandas is optional
    ...     frame = None
    >>> frame is None or frame.shape == (5, 7)
    True
    """
    try:
        import pandas as pd
    except ImportError as exc:  # optional dependency
        raise ImportError("to_pandas needs pandas: pip install 'stochlim[frames]'") from exc
    return pd.DataFrame({f: np.asarray(getattr(ensemble, f)) for f in FIELDS if f != "medium_entropy"})


def to_xarray(ensemble):
    """The recorded states on the grid as an :class:`xarray.DataArray` (``record="grid"`` only),
    with the per-trajectory fields as coordinates along ``trajectory``.

    Parameters
    ----------
    ensemble : Ensemble
        Trajectories simulated with ``record="grid"``.

    Returns
    -------
    xarray.DataArray
        The states, dimensions ``("trajectory", "t")``.

    Raises
    ------
    ValueError
        If the ensemble was not simulated with ``record="grid"``.
    ImportError
        If xarray is not installed (``pip install 'stochlim[frames]'``).

    Examples
    --------
    >>> from stochlim import simulate
    >>> from stochlim.models import two_state
    >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0,
    ...                record="grid", t_eval=[0.0, 0.5, 1.0])
    >>> try:
    ...     states = to_xarray(ens)
    ... except ImportError:   # xarray is optional
    ...     states = None
    >>> states is None or states.shape == (5, 3)
    True
    """
    if ensemble.states is None:
        raise ValueError("to_xarray needs an ensemble simulated with record='grid'")
    try:
        import xarray as xr
    except ImportError as exc:  # optional dependency
        raise ImportError("to_xarray needs xarray: pip install 'stochlim[frames]'") from exc
    coords = {"t": np.asarray(ensemble.t_eval)}
    coords.update({f: ("trajectory", np.asarray(getattr(ensemble, f))) for f in FIELDS if f != "medium_entropy"})
    return xr.DataArray(np.asarray(ensemble.states), dims=("trajectory", "t"), coords=coords, name="state")
