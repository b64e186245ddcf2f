"""A row to its DTO, field by field: the DTO's dataclass fields name the columns to read.

Modules keep their DTOs as hand-written frozen dataclasses, so mypy sees every field; what is derived is
the mapping, so a DTO field is named once (in the dataclass) and read from the column of that name.
``tests/modules/test_dto_fields.py`` holds each DTO to its table: every field is a column or one of the
DTO's declared nested fields, and every field the schema serves is in the DTO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import inspect

from paymentgraph.db.base import Base

T = TypeVar("T")


def dto_from_row(cls: type[T], row: Base | Mapping[Any, Any], **given: Any) -> T:
    """``cls`` built from ``row``: an ORM row, or a mapping keyed by column name (a Core row, or the
    values just written). ``given`` supplies what is not a column (nested DTOs) or replaces a column's
    value; a field with a default may be missing from a mapping (a write that did not set it)."""
    if isinstance(row, Base):
        plan = _attributes(cls, type(row))
        values = {name: getattr(row, attr) for name, attr in plan if name not in given}
    else:
        values = {name: row[name] for name in _names(cls) if name not in given and name in row}
    return cls(**values, **given)


# Computed once per DTO class (and model): the mapping runs for every row a service returns.
_NAMES: dict[type[Any], tuple[str, ...]] = {}
_ATTRIBUTES: dict[tuple[type[Any], type[Base]], tuple[tuple[str, str], ...]] = {}


def _names(cls: type[Any]) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _attributes(cls: type[Any], model: type[Base]) -> tuple[tuple[str, str], ...]:
    """(field, ORM attribute) for the DTO's fields that are columns of ``model`` (the attribute differs
    from the column's name where SQLAlchemy reserves it: ``metadata`` is ``metadata_``)."""
    plan = _ATTRIBUTES.get((cls, model))
    if plan is None:
        by_column = {prop.columns[0].name: prop.key for prop in inspect(model).column_attrs}
        plan = tuple((f.name, by_column[f.name]) for f in fields(cls) if f.name in by_column)
        _ATTRIBUTES[cls, model] = plan
    return plan
