import pytest

from stochlim import units


def test_kT_at_default_temperature_is_in_the_window_that_reproduces_the_paper():
    # docs/constants.md: only kT in [4.1128e-21, 4.1164e-21] J reproduces Fig. 6B-C
    assert 4.1128e-21 <= units.kT() <= 4.1164e-21
    assert units.kT(300.0) == pytest.approx(1.380649e-23 * 300.0, rel=1e-15)


def test_mwh_roundtrip():
    assert units.mwh_to_joules(1.0) == 3.6e9
    assert units.joules_to_mwh(1e17) == pytest.approx(2.7778e7, rel=1e-4)


@pytest.mark.parametrize("t", [0.0, -1.0, float("nan")])
def test_bad_temperature(t):
    with pytest.raises(ValueError, match="temperature"):
        units.kT(t)
