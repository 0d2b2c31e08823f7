"""Every notebook in notebooks/ is committed with its outputs and reproduces them when re-executed.

Notebooks are found by glob, so a new ``notebooks/*.ipynb`` is covered without editing this file.
They are committed executed (by ``python notebooks/execute.py``), figures included, so that they
render on the repository's web page. A test re-executes each headless
(``notebooks/execute.py``'s ``execute``: inline backend, ``python3`` kernel, scratch working
directory) and compares every number the notebook prints (stdout and ``text/plain`` results,
cell by cell) with the stored output.

Tolerance: one unit in the last printed digit of each stored number (plus 1e-9 relative). The
notebooks use fixed seeds and stochlim's per-trajectory random streams, which do not depend on the
thread count, so a re-execution reproduces every number up to floating-point summation order; any
change in a physics result, a seed or a random-stream contract moves some printed digit.
"""

from __future__ import annotations

import importlib.util
import re
from decimal import Decimal
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def _execute_module():
    spec = importlib.util.spec_from_file_location("notebooks_execute", NOTEBOOK_DIR / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed_numbers(cell) -> list[str]:
    """The numbers a code cell printed to stdout or returned as text, in order, as written."""
    text = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            text.append(out.get("text", ""))
        elif out.get("output_type") == "execute_result":
            text.append(out.get("data", {}).get("text/plain", ""))
    return NUMBER.findall("".join(text))


def last_digit(token: str) -> float:
    """One unit in the last printed digit of ``token``: ``"0.940"`` -> 0.001, ``"1.2e5"`` -> 1e4."""
    return float(Decimal(1).scaleb(Decimal(token.lower().lstrip("+-")).as_tuple().exponent))


def test_notebooks_exist():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


def test_number_parsing_and_tolerance():
    cell = {"outputs": [{"output_type": "stream", "name": "stdout",
                         "text": "P = 0.940 +- 0.034, E = 1.25e+12 J, n = 64 (x 2.5); 01_a"},
                        {"output_type": "stream", "name": "stderr", "text": "warning 7.0"}]}
    assert printed_numbers(cell) == ["0.940", "0.034", "1.25e+12", "64", "2.5"]
    assert [last_digit(t) for t in ("0.940", "1.25e+12", "64")] == [1e-3, 1e10, 1.0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_committed_with_outputs_and_figures(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no figure stored"
    assert not [o for o in outputs if o.get("output_type") == "error"], f"{path.name}: error output"
    assert all(c.get("execution_count") is None for c in code), (
        f"{path.name}: execution counts stored; run python notebooks/execute.py"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_reexecutes_to_its_stored_numbers(path):
    stored = nbformat.read(path, as_version=4)
    fresh = _execute_module().execute(path)
    pairs = [(s, f) for s, f in zip(stored.cells, fresh.cells) if s.cell_type == "code"]
    assert len(stored.cells) == len(fresh.cells)
    checked = 0
    for i, (s, f) in enumerate(pairs):
        old, new = printed_numbers(s), printed_numbers(f)
        assert len(old) == len(new), f"{path.name}, code cell {i}: printed {new}, stored {old}"
        for a, b in zip(old, new):
            tol = last_digit(a) + 1e-9 * abs(float(a))
            assert abs(float(a) - float(b)) <= tol, (
                f"{path.name}, code cell {i}: printed {b}, stored {a} (tolerance {tol:g}); "
                "if the change is intended, run python notebooks/execute.py"
            )
            checked += 1
    assert checked > 0, f"{path.name}: no printed numbers to compare"
