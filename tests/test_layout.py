"""The package's shape: no import cycle, and report writing only in the report layer.

Read from the source with ``ast`` (nothing is imported), so the checks are fast and name the module
at fault:

* the graph of module-level imports between stochlim's modules (``from . import x``, ``from .x
  import y``, ``import stochlim.x``; importing ``a.b.c`` also imports the package ``a.b``) has no
  cycle; imports deferred into a function body are checked the same way, since a cycle there is
  one a maintainer must still untangle;
* no module outside ``stochlim/report/``, ``stochlim/plots.py`` (the figures) and
  ``stochlim/cli.py`` writes a markdown table or a figure file, and only ``cli`` selects a
  matplotlib backend (``matplotlib.use``) - docstring examples aside;
* no module outside ``report/`` and ``cli`` imports the report layer (deprecated names are
  forwarded to it by name, at attribute access, not by an import statement).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import stochlim

ROOT = Path(stochlim.__file__).parent
PACKAGE = ROOT.name


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package) for every module of stochlim."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return out


MODULES = _modules()


def _module_level(tree: ast.Module) -> list[ast.stmt]:
    """Import statements run when the module is imported (inside ``if``/``try``, not in a def)."""
    found = []

    def walk(body):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.Try):
                for part in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                    walk(part)

    walk(tree.body)
    return found


def _targets(module: str, is_pkg: bool, node: ast.stmt) -> set[str]:
    """The stochlim modules an import statement in ``module`` loads (parent packages included)."""
    names = set()
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_pkg else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        elif node.module and node.module.split(".")[0] == PACKAGE:
            target = node.module
        else:
            return names
        for alias in node.names:
            names.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target)
    else:
        names.update(a.name for a in node.names if a.name in MODULES)
    for name in list(names):  # importing a.b.c runs a/b/__init__ first, unless a.b is being imported
        parts = name.split(".")
        for k in range(1, len(parts)):
            parent = ".".join(parts[:k])
            if not (module == parent or module.startswith(parent + ".")):
                names.add(parent)
    return {n for n in names if n in MODULES and n != module}


def import_graph(*, deferred: bool) -> dict[str, set[str]]:
    """Module -> the stochlim modules it imports (at module level, or at any depth)."""
    graph = {}
    for name, (path, is_pkg) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = ([n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))] if deferred
                 else _module_level(tree))
        graph[name] = set().union(*(_targets(name, is_pkg, n) for n in nodes))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == "open":
                return stack[stack.index(child):] + [child]
            if child not in state and (cycle := visit(child)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_the_package():
    graph = import_graph(deferred=False)
    assert len(graph) > 60
    assert "stochlim.models" in graph["stochlim.ssa"]
    assert "stochlim.sweeps" in graph["stochlim.report.fluctuations"]  # a parent package, implied


@pytest.mark.parametrize("deferred", [False, True], ids=["module level", "any depth"])
def test_no_import_cycle(deferred):
    cycle = find_cycle(import_graph(deferred=deferred))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


REPORT_LAYER = ("stochlim.report", "stochlim.plots", "stochlim.cli")
#: Deprecated module that re-exports the report layer under its old path (for one release).
REPORT_ALIASES = ("stochlim.reproduce",)


def _code_outside_docstrings(tree: ast.Module):
    """Every node of ``tree`` except docstrings (where examples may select a backend)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [n for n in ast.walk(tree) if id(n) not in docstrings]


def _report_writing(path: Path) -> list[str]:
    """What in ``path`` writes a report: a backend switch, a figure file, a markdown table rule."""
    found = []
    for node in _code_outside_docstrings(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            call = ast.unparse(node.func)
            if call == "matplotlib.use":
                found.append(f"line {node.lineno}: matplotlib.use")
            elif node.func.attr == "savefig":
                found.append(f"line {node.lineno}: {call}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "|---" in node.value:
            found.append(f"line {node.lineno}: a markdown table rule")
    return found


def test_no_engine_module_writes_reports():
    offenders = {name: hits for name, (path, _) in MODULES.items()
                 if not name.startswith((*REPORT_LAYER, *REPORT_ALIASES)) and (hits := _report_writing(path))}
    assert not offenders, f"report writing outside stochlim.report, plots and cli: {offenders}"


def test_only_the_command_line_selects_a_backend():
    offenders = {name: hits for name, (path, _) in MODULES.items() if name != "stochlim.cli"
                 and (hits := [h for h in _report_writing(path) if h.endswith("matplotlib.use")])}
    assert not offenders, f"matplotlib.use outside stochlim.cli: {offenders}"


def test_the_checks_catch_report_writing(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('"""Doc.\n\n>>> matplotlib.use("Agg")\n"""\nimport matplotlib\n\n\ndef f(fig):\n'
                   '    matplotlib.use("Agg")\n    fig.savefig("x.png")\n    return "|---|---|"\n')
    assert _report_writing(bad) == ["line 9: matplotlib.use", "line 10: fig.savefig",
                                    "line 11: a markdown table rule"]


def test_engines_do_not_import_the_report_layer():
    graph = import_graph(deferred=True)
    outside = {n: t for n, t in graph.items() if not n.startswith(("stochlim.report", "stochlim.cli", *REPORT_ALIASES))}
    offenders = {n: sorted(x for x in t if x.startswith("stochlim.report")) for n, t in outside.items()}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"modules outside the report layer that import it: {offenders}"


def test_one_table_formatter():
    """Every markdown table is made by ``stochlim.report.tables`` (one look for every report)."""
    offenders = {name: hits for name, (path, _) in MODULES.items() if name != "stochlim.report.tables"
                 and (hits := [h for h in _report_writing(path) if h.endswith("markdown table rule")])}
    assert not offenders, f"markdown tables written by hand: {offenders}"


REPO = ROOT.parent
#: What a user of the repository does not have: the sibling folder of the team's notes, the numbers
#: of its issue list. (Written so that this file does not match it.)
OUTSIDE = re.compile(r"(?<![\w.-])(?:\.\./)?shared[/]|\b[Ii]ssues? #?\d+|\btrack[e]r\b")
#: A benchmark record cited by name: records are machine-local (``.gitignore`` keeps them out), so a
#: reader of the repository does not have one. (Output paths a command creates may be cited.)
CITED_RECORD = re.compile(r"`(benchmarks/results/[\w.-]+\.\w+)`")


def _tracked_text() -> dict[str, str]:
    """Path -> text of every file git tracks that is text (skipped without a git checkout)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    out = {}
    for name in names.decode().split("\0"):
        path = REPO / name
        if name and path.is_file() and path.suffix in {".py", ".md", ".ipynb", ".toml", ".txt", ".cfg", ""}:
            try:
                out[name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return out


def test_the_repository_stands_on_its_own():
    """Nothing tracked cites a folder outside the repository, the numbers of an issue list, or a
    benchmark record (``.gitignore`` excludes them: a reader does not have the file)."""
    texts = _tracked_text()
    assert "README.md" in texts and "stochlim/__init__.py" in texts
    outside = {name: sorted(set(OUTSIDE.findall(text))) for name, text in texts.items() if OUTSIDE.search(text)}
    assert not outside, f"references to things outside the repository: {outside}"
    cited = {name: CITED_RECORD.findall(text) for name, text in texts.items() if name != "tests/test_layout.py"}
    cited = {name: paths for name, paths in cited.items() if paths}
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=REPO,
                             input="\n".join(sum(cited.values(), [])), capture_output=True, text=True).stdout.split()
    assert not ignored, f"benchmark records cited, which .gitignore excludes: {cited}"


def test_the_reference_checks_catch_what_they_look_for():
    # the samples are assembled, so that this file itself cites nothing outside the repository
    outside, numbered = "../" + "shared" + "/", "iss" + "ue 7"
    sample = f"see {outside}paper/NOTES.md and {numbered}; {outside[3:]}x"
    assert OUTSIDE.findall(sample) == [outside, numbered, outside[3:]]
    assert not OUTSIDE.search("a shared_memory array; sweeps/shared.py; two issues remain")
    assert CITED_RECORD.findall("Record: `benchmarks/results/bench-1.json`, `benchmarks/results/*.json`") == [
        "benchmarks/results/bench-1.json"]


#: Width of the name column of the README's layout block (descriptions start after it).
LAYOUT_NAME_COLUMNS = 49


def test_the_readme_layout_names_every_module_and_package():
    """A newcomer finds every public module and package of ``stochlim/`` in the README's layout."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    layout = text[text.index("## Layout"):]
    layout = layout[: layout.index("\n```\n", layout.index("```") + 3)]
    layout = "\n".join(line[:LAYOUT_NAME_COLUMNS] for line in layout.splitlines())  # names, not descriptions
    names = {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if p.is_dir()}
    public = sorted(n for n in names if not n.startswith("_") and n != "__pycache__")
    assert {"ssa", "master", "lim", "sweeps", "report"} <= set(public)
    missing = [n for n in public if not re.search(rf"(?<![\w.]){re.escape(n)}\b", layout)]
    assert not missing, f"modules or packages of stochlim/ missing from the README's layout: {missing}"
