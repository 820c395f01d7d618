"""The package's shape: no import cycles, no long function without a stated reason, and no test
fixture inside the package.

Both checks read the source with :mod:`ast` (nothing is imported), so they are fast and see every
module, including ones no test imports.

**Import graph.** One node per module of ``jbp_analysis``. An edge ``a -> b`` is any import of
``b`` written in ``a``: at module level, inside a function (a deferred import hides a cycle, it
does not remove it) and under ``if TYPE_CHECKING`` (a type-only cycle still ties the two modules
together). ``from pkg import name`` points at ``pkg.name`` when that is a module, else at
``pkg`` (its ``__init__``); importing ``pkg.sub`` does not count as importing ``pkg``'s
``__init__``, which Python runs first but which is not a design dependency. A cycle is a
strongly connected component of more than one module.

**Function length.** A function's length is its code: from the first line after its docstring
to its last line (comments and blank lines included). Over :data:`MAX_LINES`, its docstring must
give the reason on a line that starts with ``Length:``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "jbp_analysis"
MAX_LINES = 80

#: Cycles that other work in progress still has, with the module pair that closes each one.
#: Only listed cycles are tolerated; an entry that no longer forms a cycle must be removed
#: (:func:`test_known_cycles_are_still_cycles`). Empty: the package has no import cycle.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every package module that ``module`` imports, wherever the import statement is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            found |= {
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names
            }
    return {m for m in found if m in modules and m != module}


def import_graph() -> dict[str, set[str]]:
    """``{module: modules it imports}`` for every module of the package."""
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan 1972, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.add(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    out.append(frozenset(comp))
    return out


def _describe(cycle: frozenset[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} -> {b}" for a in sorted(cycle) for b in sorted(graph[a] & cycle)]
    return "{" + ", ".join(sorted(cycle)) + "}: " + "; ".join(edges)


def test_the_graph_sees_module_level_function_level_and_type_only_imports(
    tmp_path, monkeypatch
) -> None:
    pkg = tmp_path / "jbp_analysis"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "sub/__init__.py": "from jbp_analysis.sub.low import f\n",
        "sub/low.py": "import numpy\n",
        "sub/mid.py": "from jbp_analysis.sub import low\n",
        "sub/late.py": "def g():\n    from jbp_analysis.sub.mid import x\n",
        "sub/typed.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .late import g\n"
        ),
        "top.py": "from jbp_analysis.sub import f\nimport jbp_analysis.sub.typed\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    monkeypatch.setattr(f"{__name__}.PACKAGE", pkg)
    assert import_graph() == {
        "jbp_analysis": set(),
        "jbp_analysis.sub": {"jbp_analysis.sub.low"},
        "jbp_analysis.sub.low": set(),  # numpy is not a package module
        "jbp_analysis.sub.mid": {"jbp_analysis.sub.low"},  # the module, not sub/__init__
        "jbp_analysis.sub.late": {"jbp_analysis.sub.mid"},  # function level
        "jbp_analysis.sub.typed": {"jbp_analysis.sub.late"},  # type only, relative
        "jbp_analysis.top": {"jbp_analysis.sub", "jbp_analysis.sub.typed"},
    }


def test_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(graph) == [frozenset({"a", "b", "c"})]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    graph = import_graph()
    new = [c for c in import_cycles(graph) if c not in KNOWN_CYCLES]
    assert not new, "import cycles (move the shared piece into the lower module):\n" + "\n".join(
        _describe(c, graph) for c in new
    )


def test_known_cycles_are_still_cycles() -> None:
    graph = import_graph()
    found = set(import_cycles(graph))
    stale = [c for c in KNOWN_CYCLES if c <= set(graph) and c not in found]
    assert not stale, f"no longer cycles, remove them from KNOWN_CYCLES: {stale}"


# ----------------------------------------------------------------------------- function length

_REASON = re.compile(r"^\s*Length:\s*\S", re.MULTILINE)


def long_functions(max_lines: int = MAX_LINES) -> list[tuple[str, int, bool]]:
    """``(path:line name, code lines, has a Length: reason)`` for functions over ``max_lines``."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            doc = ast.get_docstring(node)
            first = node.body[0].end_lineno + 1 if doc is not None else node.body[0].lineno
            n = node.end_lineno - first + 1
            if n > max_lines:
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}"
                out.append((where, n, bool(doc and _REASON.search(doc))))
    return out


def test_length_counts_code_not_docstring(tmp_path, monkeypatch) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(81))
    doc = '    """Doc.\n\n' + "    text\n" * 50 + '    """\n'
    (tmp_path / "jbp_analysis").mkdir()
    (tmp_path / "jbp_analysis" / "m.py").write_text(
        f"def long():\n{body}\n\ndef short():\n{doc}    return 1\n\n"
        f'def excused():\n    """Doc.\n\n    Length: one table, row by row.\n    """\n{body}\n'
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "jbp_analysis")
    got = {w.split()[-1]: (n, ok) for w, n, ok in long_functions()}
    assert got == {"long": (81, False), "excused": (81, True)}


def test_long_functions_give_their_reason() -> None:
    bad = [f"{w} ({n} lines)" for w, n, ok in long_functions() if not ok]
    assert not bad, (
        f"functions over {MAX_LINES} lines: split them, or give the reason in the docstring on "
        "a line starting 'Length:':\n" + "\n".join(bad)
    )


# ----------------------------------------------------------------------------- test data


def test_the_package_ships_no_test_fixture() -> None:
    # fixtures live in tests/fixtures/; package code and its doctests use inline data or
    # jbp_analysis.simulate
    pattern = re.compile(r"\bfrom (tests\.)?fixtures\b|\bimport (tests\.)?fixtures\b|_fixture\b")
    found = [
        f"{p.relative_to(PACKAGE.parent)}:{i}"
        for p in sorted(PACKAGE.rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not found, f"test fixtures used inside the package: {found}"
