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


def _public_modules() -> list[str]:
    """``stochlim`` and every module or package under it with no private part in its name."""
    import pkgutil

    return ["stochlim"] + [m.name for m in pkgutil.walk_packages(stochlim.__path__, "stochlim.")
                           if not any(p.startswith("_") for p in m.name.split(".")[1:])]


def _public_homes(names: list[str]) -> None:
    """Give every public class the module path users import it from as its ``__module__``.

    A class defined in an inner module (``stochlim.lim.problems.Ising``) and exported by its
    package (``stochlim.lim``) and by ``stochlim`` is documented on each page whose ``__all__``
    lists it; Sphinx files all of them under the class's ``__module__``. Pointing that at the
    shortest exporting module below ``stochlim`` makes it one real entry plus aliases (two aliases
    of an undocumented inner path would clash). Only the documentation build does this.
    """
    import importlib
    import inspect

    for name in sorted(names[1:], key=lambda n: n.count(".")):
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isclass(obj) and obj.__module__.startswith(name + "."):
                obj.__module__ = name  # shallowest exporter first: deeper ones leave it alone


_MODULES = _public_modules()
_public_homes(_MODULES)

autosummary_generate = True
autosummary_ignore_module_all = False  # a module's public names are its __all__
# every public module lists its public submodules (a package's __all__ names its API, not its files)
_SUBMODULES = {m: [n for n in _MODULES if n.rpartition(".")[0] == m] for m in _MODULES}


def _documented_elsewhere() -> dict[str, list[str]]:
    """Per module, the public names documented on another page, so not on this one.

    A module inside a package (``stochlim.lim.results``) whose package re-exports a name
    (``stochlim.lim.LimResult``) leaves it to the package's page, where the package's other names
    resolve its cross-references; a name that is also a public submodule's name
    (``stochlim.sweep``, module and function) is documented as the module.
    """
    import importlib

    out = {}
    for name in _MODULES:
        module = importlib.import_module(name)
        parent = name.rpartition(".")[0]
        exported = set(getattr(importlib.import_module(parent), "__all__", ())) if (
            parent != "stochlim" and parent in _MODULES) else set()
        subs = {n.rpartition(".")[2] for n in _SUBMODULES[name]}
        out[name] = [a for a in getattr(module, "__all__", ())
                     if (a in exported and getattr(importlib.import_module(parent), a, None)
                         is getattr(module, a)) or a in subs]
    return out


_SKIP = _documented_elsewhere()


def _skip_member(app, what, name, obj, skip, options):
    """Leave out the names :func:`_documented_elsewhere` assigns to another page."""
    documenting = getattr(app.env, "temp_data", {}).get("autodoc:module")
    if what == "module" and name in _SKIP.get(documenting, ()):
        return True
    return None


autosummary_context = {"api_modules": _SUBMODULES, "api_skip": _SKIP}
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = {"GL08"}  # every public name has a docstring
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = False  # Attributes become targets of :attr: references

nitpicky = True  # every cross-reference must resolve
# ... except into other libraries, whose inventories an offline build cannot fetch
nitpick_ignore_regex = [(r"py:.*", r"(numpy|scipy|pandas|xarray|matplotlib|dask|numba)\..*")]



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


def _resolve_in_package(app, env, node, contnode):
    """Resolve a short Python reference written inside a package's module (``:func:`run``` in
    ``stochlim.lim.runner``) to the package's documented name (``stochlim.lim.run``)."""
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    target = node["reftarget"]
    parts = (node.get("py:module") or "").split(".")
    candidates = [".".join(parts[:i]) + "." + target for i in range(len(parts) - 1, 0, -1)]
    # a name re-exported upward (documented on stochlim's page, defined in stochlim.rare): the one
    # public object of that name, if there is exactly one
    candidates += sorted({n for n in domain.objects if n.endswith("." + target)})[:1] if len(
        {n for n in domain.objects if n.endswith("." + target)}) == 1 else []
    for full in candidates:
        if full in domain.objects:
            return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], full,
                                       node, contnode)
    return None


def setup(app):
    app.connect("builder-inited", _inherit_docstrings)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("missing-reference", _resolve_in_package)


html_theme = "furo"
html_title = f"stochlim {release}"
html_static_path: list[str] = []
