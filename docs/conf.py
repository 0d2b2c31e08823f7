"""Sphinx configuration of the stochlim documentation.

Build from the repository root (after ``pip install -e ".[docs]"``) with
``python -m sphinx -W --keep-going -b html docs docs/_build/html``. Warnings are errors: a broken
cross-reference, a public name without a docstring (numpydoc GL08) or a failing notebook stops
the build.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import stochlim  # noqa: E402

project = "stochlim"
author = "stochlim developers"
copyright = "2026, stochlim developers"
release = stochlim.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

# --- the notebook gallery: notebooks/*.ipynb, copied in and executed at every build ---------------
GALLERY = DOCS / "gallery"
GALLERY.mkdir(exist_ok=True)
for old in GALLERY.glob("*.ipynb"):
    old.unlink()
for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    shutil.copy2(nb, GALLERY / nb.name)

nb_execution_mode = "force"  # run every notebook at build time; its figures come from this run
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# --- API reference -----------------------------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's public names are its __all__
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = {"GL08"}  # every public name has a docstring
numpydoc_xref_param_type = False

nitpicky = True  # every cross-reference must resolve



def _inherit_docstrings(app):
    """Give a method that overrides a documented one the docstring autodoc shows for it.

    autodoc displays an inherited docstring for an undocumented override; numpydoc's GL08 check
    reads the object's own ``__doc__``. Copying the inherited text keeps GL08 for what it is meant
    to catch: a public name with no documentation anywhere in its class hierarchy.
    """
    import importlib
    import inspect
    import pkgutil

    names = ["stochlim"] + [m.name for m in pkgutil.walk_packages(stochlim.__path__, "stochlim.")
                            if not m.name.split(".")[-1].startswith("_")]
    for name in names:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or not cls.__module__.startswith("stochlim"):
                continue
            for attr, member in vars(cls).items():
                static = isinstance(member, (classmethod, staticmethod))
                func = member.__func__ if static else member
                if attr.startswith("_") or not callable(func) or func.__doc__:
                    continue
                doc = next((getattr(base, attr).__doc__ for base in cls.__mro__[1:]
                            if getattr(getattr(base, attr, None), "__doc__", None)), None)
                if doc:
                    func.__doc__ = doc


def setup(app):
    app.connect("builder-inited", _inherit_docstrings)


html_theme = "furo"
html_title = f"stochlim {release}"
html_static_path: list[str] = []
