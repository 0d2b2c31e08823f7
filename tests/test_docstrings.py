"""Every public name of stochlim has a numpydoc docstring with the sections it needs and an example.

The public names walked are, without repeats (an object exported from several modules is checked
once, under its first name):

* every name in the ``__all__`` of ``stochlim`` (which includes its lazily imported names, such as
  ``stochlim.simulate``) and of every module whose dotted path has no part starting with ``_``
  (a module without ``__all__``, such as the deprecated alias modules ``stochlim.study`` and
  ``stochlim.sweep`` or the namespace docstring of ``stochlim.report``, exports nothing of its
  own); submodules and plain data (``METHODS``, ``Z_MAX``: they carry no docstring of their own)
  are not checked as names;
* every public method (``classmethod`` and ``staticmethod`` included) and property of those
  classes, defined in the class or in a stochlim base class (names not starting with ``_``).

The rule each must satisfy, read with ``numpydoc.docscrape``:

1. **Examples** - every function, class, method and property has an ``Examples`` section with at
   least one ``>>>`` line (the examples themselves run as doctests: ``--doctest-modules`` in
   ``pyproject.toml``).
2. **Parameters** - a function or method that takes an argument besides ``self``/``cls`` has a
   ``Parameters`` section naming every argument (``*args``/``**kwargs`` by their names; a
   keyword whose name starts with ``_`` is private and exempt). A class documents its constructor
   arguments the same way under ``Parameters``, or under ``Attributes`` where the arguments are
   the fields of a dataclass (a class whose constructor is a builtin's, such as a warning
   category taking its message, has no arguments of its own).
3. **Returns** - a function or method whose own body has ``return <value>`` or ``yield`` has a
   ``Returns`` (or ``Yields``) section.
4. **Raises** - a function or method whose own body (a class: its ``__init__``/``__post_init__``)
   raises ``ValueError`` or ``TypeError``, or calls one of the raising checks of
   ``stochlim._validation`` (the package's one home for input checks), has a ``Raises`` section.

Properties and dataclass fields take no arguments and compute what their name says: they are
exempt from rules 2-4 and need only rule 1. Rules 3 and 4 read the source, so a check done in a
helper other than ``stochlim._validation``'s is not seen; the Sphinx build and review cover it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
import warnings
from functools import cached_property

import pytest

import stochlim

docscrape = pytest.importorskip("numpydoc.docscrape")

def _public_modules() -> list[str]:
    return ["stochlim"] + sorted(
        m.name for m in pkgutil.walk_packages(stochlim.__path__, "stochlim.")
        if not any(part.startswith("_") for part in m.name.split(".")[1:]))


def public_names() -> list[tuple[str, object, str]]:
    """``(dotted name, object, kind)`` for every public function, class, method and property."""
    seen: dict[int, tuple[str, object, str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        modules = [importlib.import_module(name) for name in _public_modules()]
    for module in modules:
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            kind = "class" if inspect.isclass(obj) else "function"
            seen.setdefault(id(obj), (f"{module.__name__}.{attr}", obj, kind))
    out = list(seen.values())
    for name, cls, kind in list(out):
        if kind != "class":
            continue
        for base in cls.__mro__:
            if not base.__module__.startswith("stochlim"):
                continue
            for attr, member in vars(base).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, (property, cached_property)):
                    entry = (f"{name}.{attr}", member, "property")
                elif isinstance(member, (classmethod, staticmethod)) or inspect.isfunction(member):
                    entry = (f"{name}.{attr}", getattr(cls, attr), "method")
                else:
                    continue
                key = id(getattr(member, "__func__", member))
                if key not in seen:
                    seen[key] = entry
                    out.append(entry)
    return out


def _own_nodes(function) -> list[ast.AST]:
    """The AST nodes of ``function``'s body, not descending into nested functions or classes."""
    function = inspect.unwrap(getattr(function, "py_func", function))
    tree = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    nodes, stack = [], list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def _raising_checks() -> set[str]:
    validation = importlib.import_module("stochlim._validation")
    return {name for name, f in vars(validation).items()
            if inspect.isfunction(f) and f.__module__ == validation.__name__
            and any(isinstance(n, ast.Raise) for n in _own_nodes(f))}


CHECKS = _raising_checks()


def raises_on_input(nodes) -> bool:
    for node in nodes:
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in ("ValueError", "TypeError"):
                return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in CHECKS):
            return True
    return False


def returns_value(nodes) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) or (
        isinstance(n, ast.Return) and n.value is not None
        and not (isinstance(n.value, ast.Constant) and n.value.value is None)) for n in nodes)


def _documented(entries) -> set[str]:
    return {part.strip().lstrip("*") for entry in entries for part in entry.name.split(",")}


def problems(obj, kind: str) -> list[str]:
    """What the docstring of ``obj`` lacks under the rules of this module's docstring."""
    doc = docscrape.NumpyDocString(inspect.getdoc(obj) or "")
    found = []
    if not any(line.lstrip().startswith(">>>") for line in doc["Examples"]):
        found.append("no Examples section with a >>> line")
    if kind == "property":
        return found
    if kind == "class":
        try:
            params = [p.name for p in inspect.signature(obj).parameters.values()]
        except ValueError:  # a constructor inherited from a builtin (a warning's message): none
            params = []
        sections = doc["Parameters"] + doc["Attributes"]
        # a dataclass's generated __init__ has no source and checks nothing
        code = [f for f in (vars(obj).get("__init__"), vars(obj).get("__post_init__"))
                if inspect.isfunction(f) and not f.__code__.co_filename.startswith("<")]
        nodes = [n for f in code for n in _own_nodes(f)]
    else:
        params = [p.name for p in inspect.signature(obj).parameters.values()
                  if p.name not in ("self", "cls")]
        sections = doc["Parameters"]
        nodes = _own_nodes(obj)
        if returns_value(nodes) and not (doc["Returns"] or doc["Yields"]):
            found.append("no Returns section")
    missing = [p for p in params if not p.startswith("_") and p not in _documented(sections)]
    if missing:
        found.append(f"arguments not under Parameters: {', '.join(missing)}")
    if raises_on_input(nodes) and not doc["Raises"]:
        found.append("no Raises section")
    return found


NAMES = public_names()


def test_the_walk_finds_the_public_api():
    """The walk reaches the lazy top-level names, methods and properties, and nothing private."""
    names = {name for name, _, _ in NAMES}
    for expected in ("stochlim.simulate", "stochlim.HopModel", "stochlim.HopModel.from_rates",
                     "stochlim.Ensemble.n_trajectories", "stochlim.thermo.tur",
                     "stochlim.report.coarse.write_coarse"):
        assert expected in names, expected
    assert not any(part.startswith("_") and part != "__version__"
                   for name in names for part in name.split(".")[1:])
    assert len(NAMES) > 300


def test_the_checker_sees_each_missing_section():
    """A docstring lacking each section in turn is reported, and a complete one is not."""
    def f(x, *, y=1, _private=None):
        """Summary.

        Parameters
        ----------
        x, y : float
            Inputs.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            If ``x < 0``.

        Examples
        --------
        >>> 1
        1
        """
        if x < 0:
            raise ValueError("x")
        return x + y

    assert problems(f, "function") == []
    full = f.__doc__
    for section, message in (("Parameters", "arguments not under Parameters: x, y"),
                             ("Returns", "no Returns section"), ("Raises", "no Raises section"),
                             ("Examples", "no Examples section with a >>> line")):
        start = full.index(section)
        end = min((full.index(s) for s in ("Returns", "Raises", "Examples")
                   if full.index(s) > start), default=len(full))
        f.__doc__ = full[:start] + full[end:]
        assert problems(f, "function") == [message], section
    f.__doc__ = full


@pytest.mark.parametrize("name, obj, kind", NAMES, ids=[n for n, _, _ in NAMES])
def test_public_docstring(name, obj, kind):
    """The docstring of each public name has the sections the module docstring's rules require."""
    found = problems(obj, kind)
    assert not found, f"{name}: " + "; ".join(found)
