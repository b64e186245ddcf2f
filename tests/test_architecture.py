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
# What each layer may not import (the arrows point one way: db <- modules <- links <- query).
FORBIDDEN = {
    "db": (*API_LAYER, "paymentgraph.modules", "paymentgraph.query", "paymentgraph.workflows"),
    "modules": (*API_LAYER, "paymentgraph.links", "paymentgraph.query", "paymentgraph.workflows"),
    "links": (*API_LAYER, "paymentgraph.query", "paymentgraph.workflows"),
    "query": (*API_LAYER, "paymentgraph.workflows"),
    "workflows": API_LAYER,
    # identity sits below schema/, beside the modules: it reaches customers through the service it is given.
    "identity": (
        *API_LAYER,
        "paymentgraph.modules",
        "paymentgraph.links",
        "paymentgraph.query",
        "paymentgraph.workflows",
    ),
    "events": API_LAYER,
}
# Alembic's env must see every table, so it may import the registry (it runs only as a migration).
ALLOWED = {
    ("db/migrations/env.py", "paymentgraph.links.registry"),
    ("db/migrations/env.py", "paymentgraph.workflows.models"),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _python_files(layer: str) -> list[Path]:
    return sorted(p for p in (PACKAGE / layer).rglob("*.py") if "migrations/versions" not in str(p))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer: str) -> None:
    violations = []
    for path in _python_files(layer):
        relative = str(path.relative_to(PACKAGE))
        for name in _imports(path):
            for banned in FORBIDDEN[layer]:
                if (name == banned or name.startswith(banned + ".")) and (relative, name) not in ALLOWED:
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
