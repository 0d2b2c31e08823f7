"""Figures (stochlim.plots): each returns a labelled Figure whose data equal the public API's
values."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from stochlim import plots  # noqa: E402
from stochlim.bounds import ceb_energy, hardware_energy, lim_energy, load_workloads  # noqa: E402
from stochlim.physics import barrier_for_rate  # noqa: E402
from stochlim.schedules import PolynomialSchedule  # noqa: E402

DELTA = 2.0**-16
F, M = 1e28, 1e15


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _axes(ax):
    return list(np.atleast_1d(ax).ravel())


def _line(ax, startswith):
    hits = [ln for ln in ax.get_lines() if ln.get_label().startswith(startswith)]
    assert len(hits) == 1, [ln.get_label() for ln in ax.get_lines()]
    return hits[0]


@pytest.mark.parametrize("name", list(plots.FIGURES))
def test_every_figure_is_labelled(name):
    fig, ax = plots.FIGURES[name]()
    assert isinstance(fig, Figure)
    for a in _axes(ax):
        assert a.figure is fig
        assert a.get_xlabel() and a.get_ylabel() and a.get_title()
        assert a.get_legend() is not None and a.get_legend().get_texts()
        assert a.has_data()
    # the y label carries a unit
    assert all("[" in a.get_ylabel() for a in _axes(ax))


def test_all_figures_names():
    figs = plots.all_figures()
    assert list(figs) == ["fig3", "fig6a", "fig6b", "fig6c", "fig6d"]
    for fig, _ in figs.values():
        assert isinstance(fig, Figure)


def test_no_show(monkeypatch):
    def _boom(*a, **k):
        raise AssertionError("plt.show() called")

    monkeypatch.setattr(plt, "show", _boom)
    plots.all_figures()


def test_fig3_curves_are_eq8_and_region_shaded():
    rates = (1.0, 0.5, 0.1, 1e-2, 1e-3)
    fig, ax = plots.fig3(rates=rates, dE_max=10.0)
    for r in rates:
        ln = _line(ax, f"r = {r:g}")
        x, y = ln.get_xdata(), ln.get_ydata()
        np.testing.assert_allclose(y, barrier_for_rate(r, x), rtol=1e-12)
    assert [c for c in ax.collections if c.get_gid() == "inadmissible"]
    assert any(np.isclose(ln.get_ydata()[0], np.log(2)) for ln in ax.get_lines()
               if len(ln.get_ydata()) == 2)  # the kT ln 2 asymptote
    assert any("inadmissible" in t.get_text() for t in ax.texts)


def test_fig3_uses_given_axes_and_always_draws_r1():
    fig0, ax0 = plt.subplots()
    fig, ax = plots.fig3(rates=(0.3,), ax=ax0)
    assert fig is fig0 and ax is ax0
    _line(ax, "r = 1")
    _line(ax, "r = 0.3")


@pytest.mark.parametrize("rates, message", [
    ((0.0,), r"rates must lie in \(0, 1\]: got 0.0 at index 0"),
    ((0.5, 1.5), r"rates must lie in \(0, 1\]: got 1.5 at index 1"),
    ((0.5, float("nan")), "rates must not be NaN"),
    (("fast",), "rates must be a real number"),
])
def test_fig3_refuses_bad_rates_naming_them(rates, message):
    """A rate outside (0, 1] is a ValueError naming ``rates`` before anything is drawn (r = 0 used
    to end in a ZeroDivisionError from the default axis limit); no figure is left open."""
    n_open = len(plt.get_fignums())
    with pytest.raises((ValueError, TypeError), match=message):
        plots.fig3(rates=rates)
    assert len(plt.get_fignums()) == n_open


def test_fig3_with_no_rates_draws_r1_only():
    fig, ax = plots.fig3(rates=())
    assert [ln.get_label() for ln in ax.get_lines()][:1] == ["r = 1"]
    plt.close(fig)


def test_fig6a_barrier_and_power():
    fig, ax = plots.fig6a()
    assert len(ax) == 2
    for k, g in enumerate((0.5, 2, 5, 10), start=1):
        s = PolynomialSchedule(g)
        e0 = _line(ax[0], f"P{k},")
        assert f"= {g:g}" in e0.get_label()
        n = e0.get_xdata()
        assert n[0] == 1 and n[-1] == 100_000
        np.testing.assert_allclose(e0.get_ydata(), s.barrier(n, delta=DELTA), rtol=1e-12)
        p = _line(ax[1], f"P{k},")
        np.testing.assert_allclose(
            p.get_ydata(),
            s.power(n, n_params=M, delta=DELTA, J_max=1e12, temperature=298.0),
            rtol=1e-12,
        )
    assert ax[0].get_xscale() == "log" and ax[1].get_yscale() == "log"
    # docs/constants.md golden barrier at n = 1e5
    np.testing.assert_allclose(_line(ax[0], "P4,").get_ydata()[-1], 127.335327, rtol=1e-6)


def test_fig6b_bar_heights_are_eq24():
    fig, ax = plots.fig6b()
    heights = np.array([b.get_height() for b in ax.patches if b.get_gid() == "lim_energy"])
    np.testing.assert_allclose(
        heights, lim_energy(F, M, delta=DELTA, gamma=[0.5, 2, 5, 10]), rtol=1e-12
    )
    np.testing.assert_allclose(heights, [1.697823e12, 2.527411e12, 2.682224e12, 2.695978e12],
                               rtol=1e-6)
    texts = " ".join(t.get_text() for t in ax.texts)
    for v in ("1.70e12 J", "2.53e12 J", "2.68e12 J", "2.70e12 J"):
        assert v in texts
    assert "2.53e9" in texts  # the erratum is pointed out


def test_fig6c_finite_and_zeta_curves():
    g = np.linspace(0, 10, 51)
    fig, ax = plots.fig6c(gammas=g, n_updates=100_000)
    fin = _line(ax, "finite")
    np.testing.assert_allclose(fin.get_xdata(), g)
    np.testing.assert_allclose(
        fin.get_ydata(), lim_energy(F, M, delta=DELTA, gamma=g, n_updates=100_000), rtol=1e-12
    )
    np.testing.assert_allclose(fin.get_ydata()[0], 5.812070e11, rtol=1e-6)
    zeta = _line(ax, "zeta")
    gz = zeta.get_xdata()
    assert gz.min() > 0
    np.testing.assert_allclose(zeta.get_ydata(), lim_energy(F, M, delta=DELTA, gamma=gz),
                               rtol=1e-12)
    assert ax.get_yscale() == "log"


def test_fig6d_series_match_bounds():
    wl = load_workloads()
    fig, ax = plots.fig6d()
    assert [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()] == [w.model for w in wl]
    assert ax.get_yscale() == "log"
    want = {
        "reported": [w.reported_energy_j for w in wl],
        "LIM": [lim_energy(w.train_flops, w.params, delta=DELTA, gamma=0.0, n_updates=100_000)
                for w in wl],
        "CEB": [ceb_energy(w.train_flops, w.params, delta=DELTA) for w in wl],
    }
    a1 = [ln for ln in ax.get_lines() if ln.get_label().startswith("A.1")]
    assert len(a1) == 2
    for ln, e_bit in zip(a1, (1e-15, 1e-12)):
        want_vals = [hardware_energy(w.train_flops, w.params, bits=16, e_bit=e_bit) for w in wl]
        np.testing.assert_allclose(ln.get_ydata(), want_vals, rtol=1e-12)
    for prefix, vals in want.items():
        np.testing.assert_allclose(_line(ax, prefix).get_ydata(), vals, rtol=1e-12)
    # brain scale: A.1 at 1 pJ/bit and the LIM envelope (docs/constants.md)
    assert wl[-1].model == "Brain-scale"
    np.testing.assert_allclose(_line(ax, "LIM").get_ydata()[-1], 5.812070e11, rtol=1e-6)
