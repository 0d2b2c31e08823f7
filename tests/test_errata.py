"""The errata of Chen et al. (2026) listed in ``docs/errata.md``, each checked numerically.

Each test computes the printed form and the corrected form independently of stochlim (plain numpy,
``math`` and ``scipy.special``) and shows that the library follows the corrected one while the
printed one disagrees. Errata already covered elsewhere are cited in ``docs/errata.md`` with their
test (``tests/test_physics.py``, ``tests/test_schedules_and_bounds.py``, ``tests/test_cli.py``).
Exact comparisons use rtol 1e-12 unless a truncation is involved, whose size is then stated.
"""

import math

import numpy as np
import pytest

from stochlim import bounds, physics, schedules, units

F, M, DELTA = 1e28, 1e15, 2.0**-16
N_FINITE = 100_000


@pytest.mark.parametrize("dE", [1e-6, 0.3, 1.0, 5.0, 40.0])
def test_eq7_printed_bracket_is_minus_tanh_and_the_rate_follows_eq5(dE):
    """Eq. 5 (J+ + J- = 2 J0) with detailed balance J+/J- = e^dE gives J = 2 J0 tanh(dE/2).

    The printed bracket (e^-dE - 1)/(e^-dE + 1) equals -tanh(dE/2): a negative rate down the bias.
    """
    printed = (math.exp(-dE) - 1.0) / (math.exp(-dE) + 1.0)
    assert printed == pytest.approx(-math.tanh(dE / 2), rel=1e-9)
    E0 = 1.5
    j0 = math.exp(-E0)
    j_plus = 2 * j0 * math.exp(dE) / (1 + math.exp(dE))
    j_minus = 2 * j0 / (1 + math.exp(dE))
    assert physics.net_rate(E0, dE) == pytest.approx(j_plus - j_minus, rel=1e-9)
    assert physics.net_rate(E0, dE) > 0 > 2 * j0 * printed


@pytest.mark.parametrize("r, dE", [(0.5, 2.0), (1e-3, 0.1), (0.9, 30.0)])
def test_eq8_corrected_inverts_eq7_and_the_printed_log_has_a_negative_argument(r, dE):
    printed_argument = (2 / r) * (math.exp(-dE) - 1) / (math.exp(-dE) + 1)
    assert printed_argument < 0  # kT log of it is undefined for every dE > 0
    E0 = physics.barrier_for_rate(r, dE)
    assert E0 == pytest.approx(math.log((2 / r) * math.tanh(dE / 2)), rel=1e-12, abs=1e-12)
    assert physics.net_rate(E0, dE) == pytest.approx(r, rel=1e-12)


def _eq12_exact(lam, c, n):
    """Sum_k P_{k+1:n}^2 eps_k^2 of Eq. 12 with eps_k = c / sqrt(k), in units of beta kT
    sigma_g^2."""
    m = np.arange(1, n + 1, dtype=np.float64)
    log_eta = np.cumsum(np.log1p(-lam * c / np.sqrt(m)))  # log P_{1:k}
    log_p2 = 2.0 * (log_eta[-1] - log_eta)  # log P_{k+1:n}^2
    return float(np.sum(np.exp(log_p2) * c * c / m))


def test_eq13_to_16_slips_cancel_in_the_end_result():
    """Eq. 12 summed exactly lands on Eq. 16, c / (2 lambda sqrt(n)); the printed Eq. 13 does not.

    lambda c = 0.01 and n = 1e6, so 2 lambda c sqrt(n) = 20: the neglected terms are of relative
    order 1 / (2 lambda c sqrt(n)) = 5 %, the tolerance used. The corrected exponent
    -4 lambda c (sqrt(n) - sqrt(k)) (P squared, sum_m m^-1/2 ~ 2 (sqrt(n) - sqrt(k))) matches the
    exact sum to 1e-4; the printed +2 lambda c (sqrt(n) - sqrt(k)) grows with n instead (> e^18).
    """
    lam, c, n = 0.05, 0.2, 1_000_000
    exact = _eq12_exact(lam, c, n)
    assert exact == pytest.approx(c / (2 * lam * math.sqrt(n)), rel=0.05)  # Eq. 16
    k = np.arange(1, n + 1, dtype=np.float64)
    corrected = np.sum(np.exp(-4 * lam * c * (math.sqrt(n) - np.sqrt(k))) * c * c / k)
    assert corrected == pytest.approx(exact, rel=1e-4)
    log_printed = np.logaddexp.reduce(2 * lam * c * (math.sqrt(n) - np.sqrt(k)) + np.log(c * c / k))
    assert log_printed > math.log(exact) + 20  # the printed Eq. 13 is off by more than e^20
    # A.3-A.4 drop the square of P: the sum comes out about four times too large
    a4 = np.sum(np.exp(-lam * c * (math.sqrt(n) - np.sqrt(k))) * c * c / k)
    assert 3.0 < a4 / exact < 5.0


@pytest.mark.parametrize("C", [10.0, 2.0**8, 2.0**16])
def test_a9_limit_needs_the_dimensionless_C(C):
    """kT log[2 sqrt(n) tanh(C / (2 sqrt(n)))] -> kT log C: only a number C can sit in
    exp(C/sqrt(n)).

    With r = 1/sqrt(n) and dE = C/sqrt(n) (in kT), Eq. 8 (corrected) is that expression; at
    n = 1e6 C^2 the remaining term is -(C^2/n)/12 relative, below 1e-7.
    """
    n = 1e6 * C * C
    E0 = physics.barrier_for_rate(1 / math.sqrt(n), C / math.sqrt(n))
    assert E0 == pytest.approx(math.log(C), rel=1e-7)
    # with C = 1/delta this is the retention barrier of Eq. 17
    if C == 2.0**16:
        assert E0 * units.kT() == pytest.approx(bounds.retention_energy(1, delta=1 / C), rel=1e-7)


def test_a10_bias_is_eps_over_delta_in_kT():
    s = schedules.PolynomialSchedule(1.0)
    n = np.array([1.0, 10.0, 1e5])
    np.testing.assert_allclose(s.bias(n, delta=DELTA), 1 / (DELTA * np.sqrt(n)), rtol=1e-12)


def test_eq20_has_no_extra_kT_the_dynamic_term_is_the_heat_sum():
    """Eq. 20-21 with dE_n in joules: M sum J_n dE_n dt, dt = F / (M J_max sum r_n), is Eq. 22.

    Summed by brute force over N = 1000 updates, in joules, it equals stochlim's bound; the printed
    Eq. 20 multiplies that sum by kT once more, which makes it J^2 and 4e-21 times smaller.
    """
    n_upd, gamma, J_max = 1000, 0.5, 1e12
    kT = 1.380649e-23 * 298.0
    n = np.arange(1, n_upd + 1, dtype=np.float64)
    r = n ** -(1 + gamma)
    dE = kT / (DELTA * np.sqrt(n))  # Eq. 18, joules
    dt = F / (M * J_max * math.fsum(r))  # Eq. 21
    dynamic = M * math.fsum(J_max * r * dE * dt)
    retention = M * kT * math.log(1 / DELTA)
    got = bounds.lim_energy(F, M, delta=DELTA, gamma=gamma, n_updates=n_upd)
    assert got == pytest.approx(dynamic + retention, rel=1e-12)
    printed_dynamic = M * kT * math.fsum(J_max * r * dE * dt)
    assert printed_dynamic / dynamic == pytest.approx(kT, rel=1e-12)


def test_a1_kT_ln_one_over_delta_is_not_a_femtojoule():
    """A.1's text sets kT log(1/delta) ~ 1 fJ .. 1 pJ; at 16 bits it is 4.56e-20 J, 4.3 decades
    less."""
    e_bit = 1.380649e-23 * 298.0 * 16 * math.log(2.0)
    assert e_bit == pytest.approx(4.5629e-20, rel=1e-4)
    assert bounds.retention_energy(1, delta=DELTA) == pytest.approx(e_bit, rel=1e-12)
    assert math.log10(1e-15 / e_bit) > 4.3


def test_seven_orders_is_five_per_workload():
    """Reported / LIM (Eq. 23, N = 1e5, gamma = 0, delta = 2^-16) per workload: 4.9-5.4 decades."""
    kT = 1.380649e-23 * 298.0
    n = N_FINITE
    ratio = (2.6060508092) / (12.0901461299)  # partial zeta(3/2) / H_N at N = 1e5
    decades = {}
    for w in bounds.load_workloads():
        lim = w.train_flops * kT / DELTA * ratio + w.params * kT * math.log(1 / DELTA)
        assert bounds.lim_energy(w.train_flops, w.params, delta=DELTA, gamma=0.0, n_updates=n) == (
            pytest.approx(lim, rel=1e-9)
        )
        decades[w.model] = math.log10(w.reported_energy_j / lim)
    brain = decades.pop("Brain-scale")
    assert brain == pytest.approx(math.log10(1e17 / 5.812070e11), rel=1e-6)
    assert 5.2 < brain < 5.3
    assert all(4.85 < d < 5.45 for d in decades.values()), decades
    assert max(decades.values()) < 6.5  # nowhere near 7


def test_fig6d_lamda_energy_is_not_from_patterson():
    rows = {w.model: w for w in bounds.load_workloads()}
    assert rows["LaMDA"].reported_energy_mwh == pytest.approx(451, rel=2e-3)
    assert "Thoppilan" in rows["LaMDA"].source and "Patterson" not in rows["LaMDA"].source
    assert all("Patterson" in rows[m].source for m in ("T5", "Meena", "GPT-3"))


def test_298_K_is_the_round_temperature_that_reproduces_fig6b_and_6c():
    """The printed three-figure values of Fig. 6B (gamma = 0.5, 5, 10) and the Fig. 6C envelope
    bound kT from both sides; each printed value v allows [v - 0.005, v + 0.005) in its last figure.

    Energies are linear in kT (E = kT * (F ratio / delta + M ln(1/delta))), so each printed value
    gives an interval of kT; their intersection must contain k_B * 298 K and not k_B * 300 K.
    """
    kT_298 = 1.380649e-23 * 298.0
    printed = [(1.70e12, 0.5, None), (2.68e12, 5.0, None), (2.70e12, 10.0, None),
               (5.81e11, 0.0, N_FINITE), (2.70e12, 10.0, N_FINITE)]
    lo, hi = 0.0, math.inf
    for value, gamma, n_upd in printed:
        e = bounds.lim_energy(F, M, delta=DELTA, gamma=gamma, n_updates=n_upd)
        per_kT = e / kT_298
        step = 10 ** (math.floor(math.log10(value)) - 2)  # one unit in the third figure
        lo, hi = max(lo, (value - step / 2) / per_kT), min(hi, (value + step / 2) / per_kT)
    assert lo < hi
    assert lo <= units.kT(298.0) < hi
    assert not lo <= units.kT(300.0) < hi
    assert lo == pytest.approx(4.1128e-21, rel=2e-4) and hi == pytest.approx(4.1164e-21, rel=2e-4)
