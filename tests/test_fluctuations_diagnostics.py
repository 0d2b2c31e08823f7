"""Exponential-average diagnostics with exact references, and the exact TUR product.

The fast erasure of a bit (barrier 12 -> 0 -> 0 -> 12 -> 12 kT, upper well 0 -> 0 -> 8 -> 8 -> 0 kT
over t = (0, 0.25, 0.5, 0.75, 1) x 0.1, p0 = (1/2, 1/2)) has dF = 0 and an exponential weight
``exp(-W)`` of variance 15.3: its sample standard error misleads, the exact one does not.
"""

import math
import warnings

import numpy as np
import pytest
from scipy.linalg import expm

import stochlim as sl
from stochlim import fluctuations as fl
from stochlim import thermo
from stochlim.physics import hop_rates

KNOTS = np.array([0.0, 0.25, 0.5, 0.75, 1.0]) * 0.1


def erasure():
    return sl.two_state(sl.PiecewiseLinear(KNOTS, [12.0, 0.0, 0.0, 12.0, 12.0]),
                        energies=(0.0, sl.PiecewiseLinear(KNOTS, [0.0, 0.0, 8.0, 8.0, 0.0])))


def test_exact_variance_of_exp_minus_w_for_a_stepped_protocol():
    """Piecewise-constant energies: W = sum over steps of DE of the occupied well, so
    <exp(-kW)> = 1^T T_n D_n^k ... T_1 D_1^k p0 with D = diag(exp(-DE)), computed here directly."""
    steps = [0.0, 0.2, 0.5, 0.9]
    upper = [0.0, 1.5, 3.0, -1.0]
    model = sl.two_state(0.3, energies=(0.0, sl.PiecewiseConstant(steps, upper)))
    p0 = np.array([0.5, 0.5])

    def moment(k):
        v = p0.copy()
        for i, t in enumerate(steps[1:] + [1.3]):
            k01, k10 = hop_rates(0.3, -upper[i])
            v = expm(np.array([[-k01, k10], [k01, -k10]]) * (t - steps[i])) @ v
            if i + 1 < len(upper):
                v = v * np.exp(-k * np.array([0.0, upper[i + 1] - upper[i]]))
        return v.sum()

    ref = fl.exponential_reference(model, "work", p0=p0, t_end=1.3)
    assert ref.mean == pytest.approx(moment(1), rel=1e-12)
    assert ref.variance == pytest.approx(moment(2) - moment(1) ** 2, rel=1e-11)


def test_erasure_case_flags_the_sample_error_and_uses_the_exact_one():
    model = erasure()
    ref = fl.exponential_reference(model, "work", p0=[0.5, 0.5], t_end=0.1)
    assert ref.mean == pytest.approx(1.0, abs=1e-9)  # dF = 0
    assert ref.variance == pytest.approx(15.33, abs=0.01)
    ens = sl.simulate(model, t_end=0.1, n_trajectories=100_000, p0=[0.5, 0.5], rng=1000)
    with pytest.warns(thermo.RareEventWarning, match="lower bound"):
        naive = thermo.jarzynski(ens.work, 0.0)
    assert naive.se_lower_bound and not naive.reliable and not naive.exact_se
    assert naive.stderr < 0.004 and naive.z > 2.5  # what the sample says
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = thermo.jarzynski(
            ens.work, 0.0, model=model, p0=[0.5, 0.5], t_end=0.1, precision=0.005
        )
    assert exact.exact_se and exact.reliable and not exact.se_lower_bound
    assert exact.stderr == pytest.approx(math.sqrt(15.327 / 1e5), rel=1e-3)
    assert exact.z == pytest.approx(naive.estimate / exact.stderr)
    assert exact.n_needed == math.ceil(ref.relative_variance / 0.005 ** 2)
    same = thermo.jarzynski(ens.work, 0.0, reference=ref, precision=0.005)
    assert same.stderr == exact.stderr
    with pytest.raises(ValueError, match="not both"):
        thermo.jarzynski(ens.work, 0.0, reference=ref, model=model, p0=[0.5, 0.5], t_end=0.1)
    with pytest.raises(ValueError, match="model needs p0 and t_end"):
        thermo.jarzynski(ens.work, 0.0, model=model)
    with pytest.raises(ValueError, match="not 'work'"):
        thermo.jarzynski(
            ens.work,
            0.0,
            reference=fl.exponential_reference(model, "heat", p0=[0.5, 0.5], t_end=0.01),  # any heat reference
        )


def test_integral_fluctuation_with_exact_reference():
    model = sl.two_state(0.5, energies=(0.0, sl.PiecewiseLinear([0.0, 2.0], [0.0, 2.0])))
    p0 = np.array([0.7, 0.3])
    ens = sl.simulate(model, t_end=2.0, n_trajectories=50_000, p0=p0, rng=3)
    sol = sl.solve_master(model, p0=p0, t_eval=[0.0, 2.0])
    s_tot = thermo.total_entropy(ens, sol)
    check = thermo.integral_fluctuation(s_tot, model=model, p0=p0, t_end=2.0)
    ref = fl.exponential_reference(model, "entropy_production", p0=p0, t_end=2.0)
    assert check.exact_se and check.stderr == pytest.approx(math.sqrt(ref.variance / s_tot.size))
    assert check.passes(5.0)


@pytest.mark.slow
def test_jarzynski_exact_se_covers_over_200_seeds():
    """The erasure case over 200 independent seeds of 1e5 trajectories: the exact-SE interval
    +-1.96 SE covers dF = 0 at 95 % within 3 binomial standard errors (0.95 +- 0.046); the sample
    SE is flagged as a lower bound in most seeds, and where it is not flagged it must cover too."""
    model = erasure()
    ref = fl.exponential_reference(model, "work", p0=[0.5, 0.5], t_end=0.1)
    hits, flagged, n = 0, 0, 200
    for seed in range(n):
        ens = sl.simulate(
            model, t_end=0.1, n_trajectories=100_000, p0=[0.5, 0.5], rng=10_000 + seed
        )
        chk = thermo.jarzynski(ens.work, 0.0, reference=ref)
        hits += abs(chk.z) <= 1.96
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", thermo.RareEventWarning)
            flagged += thermo.jarzynski(ens.work, 0.0).se_lower_bound
    band = 3 * math.sqrt(0.95 * 0.05 / n)
    assert abs(hits / n - 0.95) <= band, hits
    assert flagged >= 0.9 * n, flagged


def test_tur_product_exact_matches_direct_formula():
    """Steady driven ring: the exact finite-time TUR product from the joint cumulants equals
    Var(J) sigma / <J>^2 with Var(J) and <J> of the single-edge current built from solve_master
    (mean) and the hierarchy (variance), and stays >= 2."""
    model = sl.ring(4, energies=(0.0, 0.5, -0.3, 0.2), barriers=0.2, drive=1.0)
    k = model.rates(0.0)
    L = k.T - np.diag(k.sum(axis=1))
    w, v = np.linalg.eig(L)
    pi = np.real(v[:, np.argmin(np.abs(w))])
    pi /= pi.sum()
    t, product = fl.tur_product(model, fl.Current([0]), p0=pi, t_eval=[1.0, 5.0, 20.0])
    c = fl.cumulants(
        model, [fl.Current([0]), "entropy_production"], p0=pi, t_eval=[1.0, 5.0, 20.0], order=2
    )
    np.testing.assert_allclose(
        product, c.variance[:, 0] * c.mean[:, 1] / c.mean[:, 0] ** 2, rtol=1e-12
    )
    sigma_rate = sum(pi[x] * k[x, y] * math.log(pi[x] * k[x, y] / (pi[y] * k[y, x]))
                     for x in range(4) for y in range(4) if k[x, y] > 0)
    np.testing.assert_allclose(c.mean[:, 1], sigma_rate * t, rtol=1e-9)
    assert np.all(product >= 2.0)


def test_tur_diagnostic_reports_the_exact_product_beside_the_sampled_one():
    """thermo.tur with model/observable/p0/t_end carries tur_product's exact value; the sampled
    product of 8000 SSA trajectories of a steady driven ring lies within 4 batch-means SE of it."""
    model = sl.ring(3, barriers=0.0, drive=2.0)
    p0 = np.full(3, 1 / 3)  # uniform energies: the steady state
    t_end = 20.0
    edge = [i for i, (x, y) in enumerate(model.edges) if {int(x), int(y)} == {0, 1}][0]
    x, y = (int(v) for v in model.edges[edge])
    _, exact = fl.tur_product(model, fl.Current([edge]), p0=p0, t_eval=[t_end])
    ens = sl.simulate(model, t_end=t_end, n_trajectories=8000, p0=p0, rng=17, record="events")
    j = thermo.net_jumps(ens, x, y)
    sigma = sl.solve_master(model, p0=p0, t_eval=[0.0, t_end]).entropy_production[-1]
    check = thermo.tur(j, sigma, model=model, observable=fl.Current([edge]), p0=p0, t_end=t_end)
    assert check.exact_value == exact[-1]
    assert check.exact_value > 2.0 and check.passes(4.0)
    assert abs(check.estimate - check.exact_value) <= 4 * check.stderr, (check.estimate, check.exact_value,
                                                                          check.stderr)
    same = thermo.tur(j, sigma, reference=exact[-1])
    assert same.exact_value == check.exact_value and same.estimate == check.estimate
    assert thermo.tur(j, sigma).exact_value is None
    # a wrong exact value (the product of the wrong time) is resolved by the sample
    _, early = fl.tur_product(model, fl.Current([edge]), p0=p0, t_eval=[0.5])
    assert abs(check.estimate - early[-1]) > 4 * check.stderr


@pytest.mark.parametrize("kwargs, match", [
    (dict(reference=3.0, model="m"), "either reference or model"),
    (dict(model="m", p0=[1.0]), "model needs observable"),
    (dict(p0=[1.0]), "need model"),
    (dict(reference=-1.0), "reference must be a TUR product"),
])
def test_tur_reference_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        thermo.tur(np.arange(1.0, 101.0), 1.0, **kwargs)
