"""Execute the notebooks and store their outputs: ``python notebooks/execute.py [NAME.ipynb ...]``.

The notebooks are committed with their outputs (text and figures) so that they render on the
repository's web page; run this after editing one. Each runs headless (matplotlib's inline backend,
so figures are stored as PNG outputs) with the
``python3`` kernel in a scratch working directory, with this checkout first on ``PYTHONPATH``;
execution counts and the kernel's timing metadata are not stored, so re-running changes the file
only where an output changed. ``tests/test_notebooks.py`` re-executes them with :func:`execute`
and compares the numbers they print with the stored ones.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbclient
import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` and return it with fresh outputs (the file is not written)."""
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in ("MPLBACKEND", "PYTHONPATH")}
    # headless, and figures are kept as PNG outputs
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), saved["PYTHONPATH"]) if p)
    try:
        with tempfile.TemporaryDirectory() as work:
            nbclient.NotebookClient(nb, kernel_name="python3", timeout=timeout,
                                    allow_errors=False,
                                    resources={"metadata": {"path": work}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = None
    return nb


def main(argv: list[str]) -> int:
    paths = [HERE / a for a in argv] if argv else sorted(HERE.glob("*.ipynb"))
    for path in paths:
        nb = execute(path)
        nbformat.write(nb, path)
        print(f"executed {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
