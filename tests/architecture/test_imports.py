"""Imports between prefhub's modules flow one way: no cycle anywhere, and the ground floors
(kit, models, settings) import no domain.

Every module of backend/prefhub is read with ``ast``; an import inside a function counts as
much as one at the top (it only runs later), and so does a type-only one.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "backend" / "prefhub"
GROUND = ("kit", "models", "settings")

Graph = dict[str, set[str]]


def modules_of(package_dir: Path) -> dict[str, Path]:
    """Dotted module names (a package by its own name) and their files."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def import_graph(package_dir: Path) -> Graph:
    """Each module and the package's modules it imports."""
    modules = modules_of(package_dir)

    def known(dotted: str) -> str | None:
        # `a.b.C` where C is no module (a class, a function): the nearest module, a.b.
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    graph: Graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(known(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package, one level up per dot
                    package = name if is_package else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    base = ".".join(p for p in (package, base) if p)
                # `from a import b` depends on module a.b when there is one, else on a.
                targets.update(known(f"{base}.{alias.name}") for alias in node.names)
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """One shortest cycle per group of modules that import each other (a -> b -> a)."""
    reach = {name: _reachable(graph, name) for name in graph}
    found, seen = [], set()
    for name in sorted(graph):
        if name in seen or name not in reach[name]:
            continue
        group = {other for other in reach[name] if name in reach[other]}
        seen |= group
        found.append(_shortest_cycle(graph, name, group))
    return found


def _reachable(graph: Graph, start: str) -> set[str]:
    found: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(graph[name])
    return found


def _shortest_cycle(graph: Graph, start: str, group: set[str]) -> list[str]:
    came_from: dict[str, str] = {}
    todo = deque([start])
    while todo:
        name = todo.popleft()
        for target in sorted(graph[name] & group):
            if target == start:
                path = [name]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if target not in came_from:
                came_from[target] = name
                todo.append(target)
    raise AssertionError(f"{start} is in a cycle it cannot reach")


def uphill(graph: Graph) -> list[str]:
    """Imports from kit, models or settings into a domain (any other part of the package)."""

    def floor(name: str) -> str | None:
        parts = name.split(".")
        return parts[1] if len(parts) > 1 else None  # the package itself holds only a version

    return sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if floor(name) in GROUND
        for target in targets
        if floor(target) not in (*GROUND, None)
    )


# ---------------------------------------------------------------- prefhub


def test_no_import_cycle_between_prefhub_modules() -> None:
    found = [" -> ".join(cycle) for cycle in cycles(import_graph(PACKAGE_DIR))]
    assert not found, "import cycles in backend/prefhub:\n" + "\n".join(found)


def test_kit_models_and_settings_import_no_domain() -> None:
    found = uphill(import_graph(PACKAGE_DIR))
    assert not found, "the ground floors import a domain:\n" + "\n".join(found)


# ---------------------------------------------------------------- the walk itself


def _package(root: Path, files: dict[str, str]) -> Path:
    for relative, text in {"__init__.py": "", **files}.items():
        path = root / "pkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_through_a_function_local_import_is_named(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "a/__init__.py": "",
            "a/service.py": "from pkg.b import service\n",
            "b/__init__.py": "",
            "b/service.py": "def go():\n    from ..c import run\n",
            "c.py": "from .a.service import x\n",
            "d.py": "import pkg.c\n",
        },
    )
    graph = import_graph(package)
    # `from pkg.b import service` names the submodule; relative imports resolve from b and c.
    assert graph["pkg.a.service"] == {"pkg.b.service"}
    assert graph["pkg.b.service"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.a.service"}
    assert cycles(graph) == [["pkg.a.service", "pkg.b.service", "pkg.c", "pkg.a.service"]]


def test_a_one_way_package_has_no_cycle(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {"a.py": "import pkg.b\n", "b.py": "from . import c\n", "c.py": "import os\n"},
    )
    graph = import_graph(package)
    assert graph["pkg.b"] == {"pkg.c"}
    assert cycles(graph) == []


def test_the_ground_importing_a_domain_is_reported(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "settings.py": "",
            "kit/__init__.py": "",
            "kit/db.py": "from pkg.settings import x\nfrom pkg import __version__\n",
            "kit/jobs.py": "def send():\n    from pkg.trees.tasks import grow\n",
            "models/__init__.py": "from pkg.kit.db import Base\n",
            "trees/__init__.py": "",
            "trees/tasks.py": "from pkg.models import Tree\n",
        },
    )
    assert uphill(import_graph(package)) == ["pkg.kit.jobs -> pkg.trees.tasks"]
