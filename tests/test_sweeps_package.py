"""The ``stochlim.sweeps`` package: no import cycle, and the old module paths still work
(deprecated)."""

import ast
import warnings
from pathlib import Path

import pytest

import stochlim
from stochlim import sweeps

PACKAGE = Path(sweeps.__file__).parent


def _relative_imports(path: Path) -> set[str]:
    """Sibling modules that ``path`` imports at any depth (``from .x import``, ``from . import
    x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_sweeps_modules_import_without_a_cycle():
    graph = {
        p.stem: _relative_imports(p) - {"__init__"}
        for p in PACKAGE.glob("*.py")
        if p.stem != "__init__"
    }
    assert {"study", "runner", "build", "store"} <= set(graph)
    state = {}

    def visit(node, trail):
        if state.get(node) == "open":
            raise AssertionError("import cycle: " + " -> ".join([*trail, node]))
        if state.get(node) == "done":
            return
        state[node] = "open"
        for child in graph.get(node, ()):
            visit(child, [*trail, node])
        state[node] = "done"

    for module in graph:
        visit(module, [])


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
