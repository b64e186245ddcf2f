"""The served schema's SDL, committed as ``schema.graphql`` beside the code (the contract test compares
the two): ``paymentgraph schema --output schema.graphql``, or :func:`write_sdl`."""

from __future__ import annotations

from pathlib import Path

import strawberry

from paymentgraph.schema import create_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
SDL_PATH = REPO_ROOT / "schema.graphql"


def sdl(schema: strawberry.Schema) -> str:
    """The schema's SDL, as committed in ``schema.graphql``."""
    return schema.as_str().rstrip("\n") + "\n"


def served_schema() -> strawberry.Schema:
    """The schema served at /graphql with the default registry and settings."""
    return create_schema()


def write_sdl(path: Path | str = SDL_PATH, schema: strawberry.Schema | None = None) -> Path:
    """Write the served SDL to ``path`` (default: the repository's ``schema.graphql``)."""
    target = Path(path)
    target.write_text(sdl(schema if schema is not None else served_schema()), encoding="utf-8")
    return target
