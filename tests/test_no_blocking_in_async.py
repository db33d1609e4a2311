"""No blocking call inside an ``async def`` of ours: one blocked event loop stalls every request
of the process (on SQLite it deadlocked the backend for 30 s, issue 12).

The scan reads our sources (AST). Blocking: database sessions and engines, ``time.sleep``,
synchronous HTTP clients (requests, httpx's), ``open`` and file reads, subprocesses, and any
synchronous function of ours that (transitively) does one of these. Handing a function to
``run_in_threadpool`` / ``anyio.to_thread`` is fine: it is passed, not called. A call that is
awaited is a coroutine, not a blocking call.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("backend", "channels", "bot")

BLOCKING_NAMES = {"open", "session_scope", "get_sessionmaker", "get_engine", "Session", "input"}
BLOCKING_MODULES = {"requests", "subprocess", "sqlite3", "psycopg", "urllib"}
BLOCKING_ATTRIBUTES = {
    ("time", "sleep"),
    ("os", "system"),
    ("httpx", "get"),
    ("httpx", "post"),
    ("httpx", "put"),
    ("httpx", "patch"),
    ("httpx", "delete"),
    ("httpx", "request"),
    ("httpx", "stream"),
    ("httpx", "Client"),
}
# Methods that are blocking on whatever they are called (ORM sessions, connections, files).
BLOCKING_METHODS = {
    "execute",
    "scalar",
    "scalars",
    "commit",
    "flush",
    "rollback",
    "refresh",
    "query",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
}
# Methods blocking when called on something named like a session.
SESSION_METHODS = {"add", "add_all", "get", "delete", "merge", "begin_nested", "connect"}
SESSION_TYPES = {"Session", "SessionDep"}


def sources() -> list[Path]:
    files: list[Path] = []
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if "migrations" not in f.parts]


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def primitive(call: ast.Call) -> str | None:
    """What makes this call blocking by itself, or None."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in BLOCKING_NAMES:
        return func.id
    if isinstance(func, ast.Attribute):
        owner = _receiver_name(func.value)
        if isinstance(func.value, ast.Name) and func.value.id in BLOCKING_MODULES:
            return f"{owner}.{func.attr}"
        if (owner, func.attr) in BLOCKING_ATTRIBUTES:
            return f"{owner}.{func.attr}"
        if func.attr in BLOCKING_METHODS:
            return f".{func.attr}()"
        if func.attr in SESSION_METHODS and ("session" in owner.lower() or owner == "db"):
            return f"{owner}.{func.attr}()"
    return None


def own_calls(function: ast.AST) -> list[ast.Call]:
    """Calls made by the function's own body: not by nested functions or lambdas (those are
    handed to a thread or called elsewhere), and not the ones it awaits."""
    awaited = set()
    calls = []
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            awaited.add(id(node.value))
        if isinstance(node, ast.Call):
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return [c for c in calls if id(c) not in awaited]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class Module:
    """One source file: its functions (``name`` or ``Class.name``) and what its names import."""

    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.name = module_name(path)
        self.package = self.name if path.name == "__init__.py" else self.name.rpartition(".")[0]
        self.tree = tree
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.classes: dict[int, str] = {}  # id(method node) -> its class
        self.imported: dict[str, str] = {}  # local name -> "module" or "module:name"
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        self.functions[f"{node.name}.{item.name}"] = item
                        self.classes[id(item)] = node.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imported[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = self.package.split(".")
                    package = package[: len(package) - node.level + 1]
                    base = ".".join([*package, base] if base else package)
                for alias in node.names:
                    self.imported[alias.asname or alias.name] = f"{base}:{alias.name}"


Target = tuple[str, str]


def resolve(modules: dict[str, Module], module: Module, call: ast.Call, owner: str | None):
    """The (module, function) of ours this call runs, when it can be told; else None."""
    func = call.func
    if isinstance(func, ast.Name):
        if func.id in module.functions:
            return module.name, func.id
        name, _, attr = module.imported.get(func.id, "").partition(":")
        if attr and name in modules and attr in modules[name].functions:
            return name, attr
        return None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        receiver = func.value.id
        if receiver == "self" and owner and f"{owner}.{func.attr}" in module.functions:
            return module.name, f"{owner}.{func.attr}"
        name = module.imported.get(receiver, "").replace(":", ".")
        if name in modules and func.attr in modules[name].functions:
            return name, func.attr
    return None


def load() -> dict[str, Module]:
    modules = {}
    for path in sources():
        module = Module(path, ast.parse(path.read_text(), str(path)))
        modules[module.name] = module
    return modules


def blocking_functions(modules: dict[str, Module]) -> dict[Target, str]:
    """Our synchronous functions that block, with the reason (transitively)."""
    sync = [
        (module, name, node)
        for module in modules.values()
        for name, node in module.functions.items()
        if isinstance(node, ast.FunctionDef)
    ]
    blocking: dict[Target, str] = {}
    for module, name, node in sync:
        for call in own_calls(node):
            reason = primitive(call)
            if reason:
                blocking[(module.name, name)] = reason
                break
    changed = True
    while changed:
        changed = False
        for module, name, node in sync:
            if (module.name, name) in blocking:
                continue
            for call in own_calls(node):
                target = resolve(modules, module, call, module.classes.get(id(node)))
                if target in blocking:
                    blocking[(module.name, name)] = f"{target[1]}() -> {blocking[target]}"
                    changed = True
                    break
    return blocking


def violations(modules: dict[str, Module] | None = None) -> list[str]:
    modules = modules if modules is not None else load()
    blocking = blocking_functions(modules)
    found = []
    for module in modules.values():
        for function in ast.walk(module.tree):
            if not isinstance(function, ast.AsyncFunctionDef):
                continue
            where = f"{module.name}:{function.lineno} {function.name}()"
            for argument in function.args.args + function.args.kwonlyargs:
                annotation = ast.unparse(argument.annotation) if argument.annotation else ""
                if any(t in annotation.replace(".", " ").split() for t in SESSION_TYPES):
                    found.append(
                        f"{where} is async and takes a database session ({argument.arg}): "
                        "make it a def, or open the session in a thread"
                    )
            owner = module.classes.get(id(function))
            for call in own_calls(function):
                reason = primitive(call)
                target = resolve(modules, module, call, owner)
                if reason is None and target in blocking:
                    reason = f"{target[1]}() -> {blocking[target]}"
                if reason:
                    found.append(
                        f"{where} is async and calls {reason} on the event loop (line "
                        f"{call.lineno}): hand it to run_in_threadpool"
                    )
    return found


def test_no_blocking_call_in_any_async_def():
    assert violations() == []


def test_the_scan_sees_a_blocking_call():
    """The rule itself must catch these, so that a green scan means something."""
    sample = (
        "import time\n"
        "from starlette.concurrency import run_in_threadpool\n"
        "def load(session):\n    return session.scalar(1)\n"
        "def indirect():\n    return load(None)\n"
        "async def a(session: SessionDep):\n    pass\n"
        "async def b():\n    time.sleep(1)\n"
        "async def c():\n    return indirect()\n"
        "async def d():\n    return await run_in_threadpool(indirect)\n"
        "async def e():\n    def inner():\n        return indirect()\n    return inner\n"
        "class K:\n    def slow(self):\n        return open('x')\n"
        "    async def f(self):\n        return self.slow()\n"
    )
    module = Module(ROOT / "sample.py", ast.parse(sample))
    found = violations({module.name: module})
    flagged = {line.split()[1] for line in found}
    assert flagged == {"a()", "b()", "c()", "f()"}, found
