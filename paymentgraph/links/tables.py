"""Link tables generated from link definitions (Medusa's shape, plus real uniqueness).

Composite primary key (left key, right key); a prefixed ``id``; timestamps; soft delete; and a
partial unique index ``WHERE deleted_at IS NULL`` on every single-valued end, so cardinality holds
under concurrent requests instead of relying on a check-then-write as Medusa does.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, PrimaryKeyConstraint, String, Table, text

from paymentgraph.db.types import UTCDateTime, utcnow
from paymentgraph.links.definition import LinkDefinition


def build_link_table(definition: LinkDefinition, metadata: MetaData) -> Table:
    name = definition.table_name
    if name in metadata.tables:
        return metadata.tables[name]
    left, right = definition.left.key, definition.right.key
    live = text("deleted_at IS NULL")
    indexes = [
        Index(f"IDX_{name}_{left}", left, postgresql_where=live, sqlite_where=live),
        Index(f"IDX_{name}_{right}", right, postgresql_where=live, sqlite_where=live),
    ]
    indexes += [
        Index(f"UQ_{name}_{key}_live", key, unique=True, postgresql_where=live, sqlite_where=live)
        for key in definition.single_valued_keys
    ]
    return Table(
        name,
        metadata,
        Column("id", String, nullable=False, index=True),
        Column(left, String, nullable=False),
        Column(right, String, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
        Column("updated_at", UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
        Column("deleted_at", UTCDateTime(), nullable=True),  # not indexed: see SoftDeleteMixin
        PrimaryKeyConstraint(left, right, name=f"PK_{name}"),
        *indexes,
    )
