"""HopModel: rate laws with drives, CSR lowering, constructors and input validation."""

import math

import numpy as np
import pytest

from stochlim.models import HopModel, differential_memory, driven_bit, ladder, ring, two_state
from stochlim.physics import net_rate
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
def test_local_detailed_balance_with_drive(law):
    m = HopModel([0.3, -1.2, 2.0], [(0, 1), (1, 2), (2, 0)], [0.5, 1.5, 3.0], J_max=2.0,
                 rate_law=law, drives=[0.7, -0.2, 1.1])
    k = m.rates(0.0)
    e = m.energy(0.0)
    for (x, y), f in zip(m.edges, m.drives):
        assert k[x, y] / k[y, x] == pytest.approx(math.exp(e[x] - e[y] + f), rel=1e-13)


def test_rate_formulas_without_drive():
    e0, ex, ey, jmax = 1.3, 0.4, -0.9, 3.0
    paper = two_state(e0, energies=(ex, ey), J_max=jmax, rate_law="paper").rates(0.0)
    arr = two_state(e0, energies=(ex, ey), J_max=jmax, rate_law="arrhenius").rates(0.0)
    assert paper[0, 1] == pytest.approx(
        2 * jmax * math.exp(-e0) / (1 + math.exp(ey - ex)), rel=1e-14
    )
    assert arr[0, 1] == pytest.approx(jmax * math.exp(-(e0 + (ey - ex) / 2)), rel=1e-14)
    assert paper[0, 1] - paper[1, 0] == pytest.approx(net_rate(e0, ex - ey, J_max=jmax), rel=1e-13)


def test_lowering_builds_csr_and_segments():
    m = ladder(4, [0.0, PiecewiseLinear([1.0, 3.0], [0.0, 2.0]), 1.0, 0.0],
               [PiecewiseConstant([0.5, 2.0], [1.0, 2.0]), 0.3, 0.7])
    lo = m.lower(2.5)
    np.testing.assert_array_equal(lo.seg_times, [0.0, 0.5, 1.0, 2.0, 2.5])
    np.testing.assert_array_equal(lo.out_ptr, [0, 1, 3, 5, 6])
    for x in range(4):
        dsts = lo.out_dst[lo.out_ptr[x]:lo.out_ptr[x + 1]]
        assert set(dsts) == {y for y in (x - 1, x + 1) if 0 <= y < 4}
    np.testing.assert_allclose(lo.energy_slope[:, 1], [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(lo.barrier[:, 0], [1.0, 1.0, 1.0, 2.0])
    np.testing.assert_allclose(lo.energy_end()[-1], m.energy(2.5))
    assert not lo.is_piecewise_constant


def test_log_rate_bound_dominates_rates_within_segments():
    m = two_state(PiecewiseLinear([0.0, 2.0], [3.0, -1.0]),
                  energies=(0.0, PiecewiseLinear([0.0, 2.0], [2.0, -2.0])), rate_law="paper")
    lo = m.lower(2.0)
    bound = np.exp(lo.log_rate_bound())[0]
    for t in np.linspace(0.0, 2.0, 41):
        k = m.rates(t)
        assert k[0, 1] <= bound[0] * (1 + 1e-12) and k[1, 0] <= bound[1] * (1 + 1e-12)


def test_refinement_splits_fast_segments_only():
    m = two_state(PiecewiseLinear([0.0, 1.0], [10.0, 0.0]), rate_law="arrhenius")
    lo = m.lower(2.0, max_log_rate_change=math.log(2.0))
    assert lo.n_segments == math.ceil(10 / math.log(2.0)) + 1


def test_constructors():
    assert two_state(1.0).n_states == 2
    lad = ladder(101, lambda i: 0.02 * (i - 50) ** 2, 1.0)
    assert lad.n_states == 101 and lad.n_edges == 100
    assert lad.energy(0.0)[0] == pytest.approx(50.0)
    r = ring(5, drive=1.0)
    assert r.n_edges == 5 and np.all(r.drives == 1.0)
    dm = differential_memory(5, 1.0, PiecewiseConstant([0.0, 1.0], [2.0, 4.0]))
    np.testing.assert_allclose(np.diff(dm.energy(0.5)), -2.0)
    np.testing.assert_allclose(np.diff(dm.energy(1.5)), -4.0)


def test_absorbing_state_is_allowed():
    m = HopModel([0.0, 1.0, 2.0], [(0, 1)], 1.0)
    lo = m.lower(1.0)
    assert lo.out_ptr[2] == lo.out_ptr[3]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(edges=[(0, 3)]), r"edges\[0\] = \(0, 3\) names a missing state"),
        (dict(edges=[(0, 1), (1, 0)]), "duplicate edge"),
        (dict(edges=[(1, 1)]), "self-loop"),
        (dict(energies=[0.0, np.nan, 1.0]), r"energies\[1\].*NaN"),
        (dict(energies=[0.0, np.inf, 1.0]), r"energies\[1\].*finite"),
        (dict(J_max=0.0), "J_max must be positive"),
        (dict(J_max=-1.0), "J_max must be positive"),
        (dict(rate_law="glauber"), "rate_law must be one of"),
        (dict(barriers=[1.0, 2.0, 3.0]), "barriers must have one entry per edge"),
        (dict(barriers=[1.0, np.nan]), r"barriers\[1\].*NaN"),
        (dict(drives=[0.0, np.inf]), "drives must be finite"),
    ],
)
def test_bad_model_input_raises(kwargs, match):
    args = dict(energies=[0.0, 1.0, 2.0], edges=[(0, 1), (1, 2)], barriers=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        HopModel(**args)


def test_protocol_knots_must_increase_inside_models():
    with pytest.raises(ValueError, match="times must be strictly increasing"):
        two_state(PiecewiseLinear([0.0, 1.0, 1.0], [1.0, 2.0, 3.0]))


def test_equilibrium_is_the_boltzmann_law_and_stationary():
    m = ladder(6, lambda i: 0.7 * i - 0.1 * i * i, PiecewiseLinear([0.0, 1.0], [0.5, 2.0]))
    e = m.energy(0.3)
    expected = np.exp(-e) / np.exp(-e).sum()
    np.testing.assert_allclose(m.equilibrium(0.3), expected, rtol=1e-13)
    k = m.rates(0.3)
    generator = k.T - np.diag(k.sum(axis=1))  # dp/dt = L p
    np.testing.assert_allclose(generator @ m.equilibrium(0.3), 0.0, atol=1e-13)
    high = HopModel([1000.0, 1001.0], [(0, 1)], 1.0)  # exp(-1000) underflows: the law must not
    np.testing.assert_allclose(
        high.equilibrium(0.0), [1 / (1 + math.exp(-1)), 1 / (1 + math.e)], rtol=1e-14
    )


def test_driven_bit_ramps_the_upper_well():
    m = driven_bit(0.7, duration=4.0, lift=(1.0, 3.0), rate_law="arrhenius")
    np.testing.assert_allclose(m.energy(np.array([0.0, 2.0, 4.0, 9.0])),
                               [[0.0, 1.0], [0.0, 2.0], [0.0, 3.0], [0.0, 3.0]], rtol=1e-15)
    assert m.barriers[0](1.0) == 0.7 and m.rate_law == "arrhenius"
    with pytest.raises(ValueError, match="duration must be positive"):
        driven_bit(duration=0.0)
    with pytest.raises(ValueError, match="lift must be"):
        driven_bit(lift=(0.0, 1.0, 2.0))


# --- HopModel.from_rates -------------------------------------------------------------------------


def _stationary(k):
    """Null vector of the generator of rate matrix k (independent of the package's solvers)."""
    generator = k.T - np.diag(k.sum(axis=1))
    w, v = np.linalg.eig(generator)
    p = np.real(v[:, np.argmin(np.abs(w))])
    return p / p.sum()


@pytest.mark.parametrize("rate_law", ["paper", "arrhenius"])
def test_from_rates_birth_death_chain(rate_law):
    """Birth-death chain: rates come back, no drives, the stationary law is prod(lambda / mu)."""
    from stochlim.master import solve_master

    lam = np.array([2.0, 0.7, 1.3, 0.05, 4.0])
    mu = np.array([0.3, 1.1, 0.9, 2.5, 0.8])
    edges = [(i, i + 1) for i in range(5)]
    m = HopModel.from_rates(edges, list(lam), list(mu), J_max=3.0, rate_law=rate_law)
    k = m.rates(0.0)
    np.testing.assert_allclose(np.diag(k, 1), lam, rtol=1e-12)
    np.testing.assert_allclose(np.diag(k, -1), mu, rtol=1e-12)
    np.testing.assert_array_equal(m.drives, 0.0)
    pi = np.concatenate(([1.0], np.cumprod(lam / mu)))
    pi /= pi.sum()
    np.testing.assert_allclose(m.equilibrium(0.0), pi, rtol=1e-12)
    sol = solve_master(m, p0=np.full(6, 1 / 6), t_end=400.0)
    np.testing.assert_allclose(sol.p[-1], pi, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("rate_law", ["paper", "arrhenius"])
def test_from_rates_driven_ring_current(rate_law):
    """A ring whose rates break detailed balance: the cycle affinity becomes the drive, and the
    master equation's steady current equals pi_x k+ - pi_y k- from the rates alone."""
    from stochlim.master import solve_master

    kp = np.array([1.5, 0.8, 2.2, 1.0])
    km = np.array([0.4, 0.6, 0.5, 0.9])
    edges = [(i, (i + 1) % 4) for i in range(4)]
    m = HopModel.from_rates(edges, list(kp), list(km), rate_law=rate_law)
    k = m.rates(0.0)
    np.testing.assert_allclose([k[x, y] for x, y in edges], kp, rtol=1e-12)
    np.testing.assert_allclose([k[y, x] for x, y in edges], km, rtol=1e-12)
    assert m.drives.sum() == pytest.approx(np.log(kp.prod() / km.prod()), rel=1e-12)
    pi = _stationary(k)
    current = pi[0] * kp[0] - pi[1] * km[0]
    np.testing.assert_allclose(
        [pi[x] * kp[e] - pi[y] * km[e] for e, (x, y) in enumerate(edges)], current, rtol=1e-10
    )
    sol = solve_master(m, p0=pi, t_eval=[0.0, 10.0])
    np.testing.assert_allclose(sol.p[-1], pi, rtol=1e-8)
    np.testing.assert_allclose(sol.currents[-1] / 10.0, current, rtol=1e-7)


def test_from_rates_steps_in_time_and_errors():
    up = PiecewiseConstant([0.0, 1.0], [1.0, 3.0])
    down = PiecewiseConstant([0.0, 2.0], [1.0, 0.1])
    m = HopModel.from_rates([(0, 1), (1, 2)], [up, 2.0], [0.5, down], rate_law="arrhenius")
    for t, expected in [
        (0.5, (1.0, 0.5, 2.0, 1.0)),
        (1.5, (3.0, 0.5, 2.0, 1.0)),
        (2.5, (3.0, 0.5, 2.0, 0.1)),
    ]:
        k = m.rates(t)
        np.testing.assert_allclose((k[0, 1], k[1, 0], k[1, 2], k[2, 1]), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="changes in time"):  # a cycle whose affinity steps
        HopModel.from_rates([(0, 1), (1, 2), (2, 0)], [up, 1.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="ramp"):
        HopModel.from_rates([(0, 1)], PiecewiseLinear([0.0, 1.0], [1.0, 2.0]), 1.0)
    with pytest.raises(ValueError, match="backward\\[0\\] must be positive"):
        HopModel.from_rates([(0, 1)], 1.0, 0.0)
    with pytest.raises(ValueError, match="one rate per edge"):
        HopModel.from_rates([(0, 1), (1, 2)], [1.0], 1.0)
