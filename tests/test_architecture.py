"""The shape of the code, checked: feature packages depend on each other without a cycle, every
module imports on its own, and the few imports inside functions say why they are there.

A feature package is a folder under `webapp/` (booking, payments, refunds, ...). Package A
depends on B when any module of A imports a module of B at run time; imports under
`if TYPE_CHECKING:` only name types and are left out. `webapp/app.py` (the composition root,
which knows every feature) and `webapp/models.py` (every table, for Alembic) are modules, not
packages, so they are not part of the graph.
"""

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str  # file:line of one import that makes the edge


def _runtime_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement except those under `if TYPE_CHECKING:`."""

    def visit(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (i for child in node.orelse for i in visit(child))
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from visit(tree)


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or not node.module:
        return []
    # `from webapp.booking import seats` imports the module webapp.booking.seats.
    return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]


def package_edges(package_root: Path) -> list[Edge]:
    """The run-time import edges between the feature packages under `package_root`."""
    name = package_root.name
    packages = {p.name for p in package_root.iterdir() if (p / "__init__.py").exists()}
    edges: dict[tuple[str, str], Edge] = {}
    for path in sorted(package_root.rglob("*.py")):
        parts = path.relative_to(package_root).parts
        if len(parts) < 2 or parts[0] not in packages:
            continue  # a top-level module such as app.py or models.py
        source = parts[0]
        for node in _runtime_imports(ast.parse(path.read_text(), str(path))):
            for module in _imported_modules(node):
                pieces = module.split(".")
                if len(pieces) > 1 and pieces[0] == name and pieces[1] in packages:
                    target = pieces[1]
                    where = f"{path.relative_to(package_root.parent)}:{node.lineno}"
                    if target != source:
                        edges.setdefault((source, target), Edge(source, target, where))
    return list(edges.values())


def find_cycle(edges: list[Edge]) -> list[Edge] | None:
    """One cycle among the edges, as the edges that make it; None when there is none."""
    graph: dict[str, list[Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge)
    state: dict[str, str] = {}  # visiting | done
    path: list[Edge] = []

    def visit(node: str) -> list[Edge] | None:
        state[node] = "visiting"
        for edge in sorted(graph.get(node, []), key=lambda e: e.target):
            if state.get(edge.target) == "visiting":
                start = next(i for i, e in enumerate(path) if e.source == edge.target)
                return [*path[start:], edge] if path else [edge]
            if edge.target not in state:
                path.append(edge)
                if (cycle := visit(edge.target)) is not None:
                    return cycle
                path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def describe(cycle: list[Edge]) -> str:
    return "\n".join(f"  {e.source} -> {e.target}  ({e.where})" for e in cycle)


def test_feature_packages_import_each_other_without_a_cycle() -> None:
    cycle = find_cycle(package_edges(ROOT / "webapp"))

    assert cycle is None, "import cycle between feature packages:\n" + describe(cycle or [])


def test_the_cycle_check_finds_a_cycle_it_is_shown(tmp_path: Path) -> None:
    """The check itself can fail: a made-up tree where a imports b, b imports c, c imports a."""
    root = tmp_path / "shop"
    for package, imports in {
        "a": "shop.b.x",
        "b": "shop.c",
        "c": "shop.a.y",
        "d": "shop.a",
    }.items():
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        (root / package / "x.py").write_text(f"import {imports}\n")
    (root / "d" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop.d import x\n"
    )

    cycle = find_cycle(package_edges(root))

    assert cycle is not None
    assert [(e.source, e.target) for e in cycle] == [("a", "b"), ("b", "c"), ("c", "a")]
    assert cycle[0].where == "shop/a/x.py:1"


def test_type_checking_imports_are_not_dependencies(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for package in ("a", "b"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "a" / "m.py").write_text("import shop.b\n")
    (root / "b" / "m.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop.a import m\n"
    )

    assert [(e.source, e.target) for e in package_edges(root)] == [("a", "b")]
    assert find_cycle(package_edges(root)) is None


def all_modules() -> list[str]:
    modules = []
    for top in ("webapp", "jobs"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


IMPORT_EACH_ALONE = textwrap.dedent(
    """
    import importlib, sys, traceback
    failures = []
    for name in sys.argv[1:]:
        for loaded in [m for m in sys.modules if m.split(".")[0] in ("webapp", "jobs")]:
            del sys.modules[loaded]
        try:
            importlib.import_module(name)
        except Exception:
            failures.append(name + ": " + traceback.format_exc(limit=-2))
    print("\\n".join(failures))
    sys.exit(1 if failures else 0)
    """
)


def test_every_module_imports_on_its_own() -> None:
    """As `python -c "import webapp.<module>"` would, each in a fresh state of our packages."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE, *all_modules()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def function_level_imports() -> Iterator[tuple[Path, int, list[str]]]:
    for top in ("webapp", "jobs"):
        for path in sorted((ROOT / top).rglob("*.py")):
            lines = path.read_text().splitlines()
            for function in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        yield path, node.lineno, lines[max(0, node.lineno - 3) : node.lineno]


@pytest.mark.parametrize(("path", "line", "context"), list(function_level_imports()))
def test_an_import_inside_a_function_says_why(path: Path, line: int, context: list[str]) -> None:
    """Imports belong at the top of a module; one inside a function is there only to break a
    real dependency at import time, and a comment just above it says which."""
    assert any("#" in text for text in context), f"{path.relative_to(ROOT)}:{line}"
