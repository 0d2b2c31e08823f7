"""The ``stochlim.sweeps`` package: its public names, and the old module paths still work
(deprecated). That it has no import cycle is part of ``tests/test_layout.py``."""

import warnings

import pytest

import stochlim
from stochlim import sweeps


def test_public_names_and_the_sweep_function():
    assert stochlim.sweep is sweeps.sweep and callable(stochlim.sweep)
    assert stochlim.Study is sweeps.Study and stochlim.load_study is sweeps.load_study


@pytest.mark.parametrize(
    "old, name", [("stochlim.study", "parse_study"), ("stochlim.sweep", "run_chunk")]
)
def test_old_module_paths_forward_with_a_deprecation_warning(old, name):
    import importlib

    module = importlib.import_module(old)
    with pytest.warns(
        DeprecationWarning, match=f"{old}.{name} is deprecated .* use stochlim.sweeps.{name}"
    ):
        assert getattr(module, name) is getattr(sweeps, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            module.no_such_name  # noqa: B018
    assert stochlim.sweep is sweeps.sweep  # importing the old module did not shadow the function
