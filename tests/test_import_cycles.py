"""No import cycles among our packages: each module can be read after what it imports.

The graph counts every import a module makes, at module level or inside a function (an import
moved into a function to dodge a cycle is still a cycle of design). Imports under
``if TYPE_CHECKING:`` are left out: they never run. ``bot/`` is left out: the action server is
a separate process that reaches the backend over HTTP only.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("backend", "channels")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:  # Alembic loads these by path, not by import
                continue
            modules[module_name(path)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is one of our modules."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    modules = our_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".")
                    base = base if is_package else base[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                # ``from pkg import mod`` imports the module ``pkg.mod`` when there is one.
                targets = [f"{prefix}.{alias.name}" for alias in node.names] or [prefix]
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    graph[name].add(resolved)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_our_imports() -> None:
    graph = import_graph()
    assert "backend.services.queue" in graph["channels.pipeline"]
    assert "channels.routes" in graph["backend.main"]


def test_find_cycle_reports_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _layer(module: str) -> str:
    """backend's parts (api, web, services, core...) as one node each; channels' modules apart
    (backend/services may use its pure helpers, while the gateway builds on backend/services)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "backend" else module


def test_no_cycle_between_backend_parts() -> None:
    layers: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        here = layers.setdefault(_layer(module), set())
        here.update(_layer(t) for t in targets if _layer(t) != _layer(module))
    for targets in list(layers.values()):
        for target in targets:
            layers.setdefault(target, set())
    cycle = find_cycle(layers)
    assert cycle is None, "import cycle between parts: " + " -> ".join(cycle or [])


# What backend/services may take from channels/: pure helpers, no database, no gateway.
PURE_CHANNEL_HELPERS = {
    "channels.gsm7",
    "channels.identity",
    "channels.rendering",
    "channels.turns",
}


def test_backend_services_use_only_pure_channel_helpers() -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if module.startswith("backend.services")
        for target in targets
        if target.startswith("channels") and target not in PURE_CHANNEL_HELPERS
    )
    assert not wrong, "backend/services reaches into the gateway: " + ", ".join(wrong)


def test_provider_modules_write_nothing() -> None:
    """A channel module parses and sends (channels/base.py); the pipeline alone writes. So it
    imports no database session, no service and no part of the pipeline."""
    from channels.setup import CHANNELS

    graph = import_graph()
    for module in sorted({channel.__module__ for channel in CHANNELS}):
        path = our_modules()[module]
        external = {
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in _imports(ast.parse(path.read_text()))
            for alias in node.names
        }
        assert not {name for name in external if name.startswith("sqlalchemy")}, module
        writers = {
            target
            for target in graph[module]
            if target.startswith(("backend.core.db", "backend.services", "channels.pipeline"))
            or target in ("channels.linking", "channels.outbound")
        }
        assert not writers, f"{module} imports {sorted(writers)}"
