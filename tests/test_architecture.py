"""The layering rules of DESIGN.md section 2, checked by walking every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "paymentgraph"
API_LAYER = (
    "strawberry",
    "starlette",
    "uvicorn",
    "paymentgraph.schema",
    "paymentgraph.resolvers",
    "paymentgraph.app",
    "paymentgraph.http",
    "paymentgraph.cli",
)
# The composition root: it builds every service, so nothing it builds may name it back (workflows are
# given the paymentgraph.workflows.services protocol instead).
ROOT = ("paymentgraph.connection", "paymentgraph")
# GraphQL code never writes SQL: the schema and the resolvers reach the database through services, the
# query graph and the stores; the HTTP endpoints likewise (db.session.ping for /health).
SQL = ("sqlalchemy", "asyncpg", "aiosqlite")
# What each layer may not import (the arrows point one way: db <- modules <- links <- query).
FORBIDDEN = {
    "db": (*API_LAYER, *ROOT, "paymentgraph.modules", "paymentgraph.query", "paymentgraph.workflows"),
    "modules": (*API_LAYER, *ROOT, "paymentgraph.links", "paymentgraph.query", "paymentgraph.workflows"),
    "links": (*API_LAYER, *ROOT, "paymentgraph.query", "paymentgraph.workflows"),
    "query": (*API_LAYER, *ROOT, "paymentgraph.workflows"),
    "workflows": (*API_LAYER, *ROOT),
    # identity sits below schema/, beside the modules: it reaches customers through the service it is given.
    "identity": (
        *API_LAYER,
        "paymentgraph.modules",
        "paymentgraph.links",
        "paymentgraph.query",
        "paymentgraph.workflows",
    ),
    "events": API_LAYER,
    # The GraphQL layer: below the HTTP endpoints and the app, never touching SQL.
    "schema": ("starlette", "uvicorn", "paymentgraph.http", "paymentgraph.app", "paymentgraph.cli", *SQL),
    "resolvers": ("starlette", "uvicorn", "paymentgraph.http", "paymentgraph.app", "paymentgraph.cli", *SQL),
    # The endpoints: below the app and the command line.
    "http": ("paymentgraph.app", "paymentgraph.cli", "uvicorn", *SQL),
}
# Alembic's env must see every table, so it may import the registry (it runs only as a migration).
ALLOWED = {
    ("db/migrations/env.py", "paymentgraph.links.registry"),
    ("db/migrations/env.py", "paymentgraph.workflows.models"),
}


def _imports(path: Path, root: Path = PACKAGE, modules: set[str] | None = None) -> list[str]:
    """Every module ``path`` imports, TYPE_CHECKING and function-level imports included; relative
    imports resolved against the file's package (``from ..query import x`` counts as paymentgraph.query).
    With ``modules``, ``from package import submodule`` counts as the submodule, not the package."""
    tree = ast.parse(path.read_text(), str(path))
    package = ["paymentgraph", *path.relative_to(root).parent.parts]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if modules is not None:
                    names.append(submodule if submodule in modules else base)
                else:
                    names.append(base if node.module else submodule)
    return list(dict.fromkeys(names))


def _python_files(layer: str) -> list[Path]:
    return sorted(p for p in (PACKAGE / layer).rglob("*.py") if "migrations/versions" not in str(p))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer: str) -> None:
    violations = []
    for path in _python_files(layer):
        relative = str(path.relative_to(PACKAGE))
        for name in _imports(path):
            for banned in FORBIDDEN[layer]:
                # The bare package "paymentgraph" bans only itself (its __init__ re-exports the root).
                hit = name == banned or (banned != "paymentgraph" and name.startswith(banned + "."))
                if hit and (relative, name) not in ALLOWED:
                    violations.append(f"{relative} imports {name}")
    assert violations == []


def test_modules_never_import_each_other() -> None:
    violations = []
    for module_dir in sorted(p for p in (PACKAGE / "modules").iterdir() if p.is_dir()):
        own = f"paymentgraph.modules.{module_dir.name}"
        for path in module_dir.rglob("*.py"):
            for name in _imports(path):
                if name.startswith("paymentgraph.modules.") and not (
                    name == own or name.startswith(own + ".")
                ):
                    violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []


def test_the_outbox_writer_is_as_low_as_db() -> None:
    """Modules write events through events/outbox.py alone, and it imports nothing above db/."""
    outbox = PACKAGE / "events" / "outbox.py"
    above_db = [
        n for n in _imports(outbox) if n.startswith("paymentgraph.") and not n.startswith("paymentgraph.db")
    ]
    assert above_db == []
    violations = []
    for path in _python_files("modules"):
        for name in _imports(path):
            if name.startswith("paymentgraph.events") and name != "paymentgraph.events.outbox":
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    """A relative import cannot hide an upward one from the checks above."""
    root = tmp_path / "paymentgraph"
    (root / "query").mkdir(parents=True)
    sample = root / "query" / "sample.py"
    sample.write_text("from ..schema import build\nfrom . import graph\nfrom .. import connection\n")
    assert _imports(sample, root) == [
        "paymentgraph.schema",
        "paymentgraph.query.graph",
        "paymentgraph.connection",
    ]


def _module_name(path: Path) -> str:
    parts = ["paymentgraph", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_imports_itself_back() -> None:
    """No import cycle anywhere in the package, counting TYPE_CHECKING and function-level imports:
    a cycle is two modules that each need the other to be understood."""
    files = [p for p in PACKAGE.rglob("*.py") if "migrations/versions" not in str(p)]
    modules = {_module_name(p) for p in files}
    graph = {
        _module_name(p): {n for n in _imports(p, modules=modules) if n in modules and n != _module_name(p)}
        for p in files
    }
    cycles: list[str] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph[module]):
            if imported in path:
                cycles.append(" -> ".join([*path[path.index(imported) :], imported]))
            elif imported not in done:
                visit(imported, [*path, imported])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []


def test_payment_concern_services_meet_only_as_collaborators() -> None:
    """A payment concern service (a ``*Service`` class in modules/payment/service/) is built by the facade
    alone and reaches another one only through its constructor: elsewhere in the package its name may
    appear in type annotations, never called, subclassed or otherwise used."""
    service_dir = PACKAGE / "modules" / "payment" / "service"
    trees = {path: ast.parse(path.read_text(), str(path)) for path in sorted(service_dir.glob("*.py"))}
    concerns = {
        f"{_module_name(path)}.{node.name}"
        for path, tree in trees.items()
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name.endswith("Service") and path.name != "__init__.py"
    }
    assert len(concerns) > 10  # the rule sees the concern services
    violations = []
    for path in [p for p in PACKAGE.rglob("*.py") if p != service_dir / "__init__.py"]:
        tree = trees.get(path) or ast.parse(path.read_text(), str(path))
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
            for alias in node.names
            if f"{node.module}.{alias.name}" in concerns
        }
        annotations = [
            node.annotation if isinstance(node, ast.arg | ast.AnnAssign) else node.returns
            for node in ast.walk(tree)
            if isinstance(node, ast.arg | ast.AnnAssign | ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        in_annotations = {id(n) for a in annotations if a is not None for n in ast.walk(a)}
        violations += [
            f"{path.relative_to(PACKAGE)}:{node.lineno} uses {node.id}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id in imported and id(node) not in in_annotations
        ]
    assert violations == []
