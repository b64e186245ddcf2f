"""Medusa-style field paths ("*", "cart.*", "payments.captures.amount") parsed into a Selection."""

from __future__ import annotations

from collections.abc import Iterable

from paymentgraph.db.entity import EntityDef
from paymentgraph.errors import InvalidData
from paymentgraph.query.edges import EdgeIndex
from paymentgraph.query.selection import Child, Selection


def scalar_names(entity: EntityDef) -> list[str]:
    """What ``*`` selects: the stored columns (computed fields are asked for by name)."""
    return [f.name for f in entity.fields if f.compute is None]


def parse_fields(edges: EdgeIndex, entity: EntityDef, fields: Iterable[str]) -> Selection:
    """The selection tree for ``fields`` on ``entity``.

    A path's last segment is a field name or ``*``; every earlier segment is a relation, a stored link
    or a read-only link. A bare relation or link name (``"cart"``) selects all its scalar fields.
    """
    if isinstance(fields, str):
        raise InvalidData("fields must be a list of field paths, not a string", fields=fields)
    root = Selection(entity.name)
    for path in fields:
        if not isinstance(path, str) or not path.strip():
            raise InvalidData(f"Field paths must be non-empty strings, got {path!r}")
        selection, current = root, entity
        parts = path.strip().split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "*" and last:
                selection.columns.update(scalar_names(current))
            elif last and current.field(part) is not None:
                selection.columns.add(part)
            elif (edge := edges.get(current.name, part)) is not None:
                child = selection.children.get(part)
                if child is None:
                    child = selection.children[part] = Child(part, Selection(edge.target.name))
                selection, current = child.selection, edge.target
                if last:
                    selection.columns.update(scalar_names(current))
            else:
                known = sorted([*(f.name for f in current.fields), *edges.of(current.name)])
                raise InvalidData(
                    f'Unknown field "{part}" on {current.name} in "{path}"; known: {", ".join(known)}',
                    entity=current.name,
                    field=path,
                )
    return root
