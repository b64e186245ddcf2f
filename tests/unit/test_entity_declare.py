"""An entity's fields are read off its table: a new column is a field without a second declaration."""

import pytest
from sqlalchemy import Boolean, Column, ForeignKey, Integer, MetaData, String, Table

from paymentgraph.db.entity import LOWERCASE, OTHER_ID, Facts, FieldKind, declare, enum
from paymentgraph.db.types import JSONType, Money, UTCDateTime


def _table() -> Table:
    metadata = MetaData()
    Table("parent", metadata, Column("id", String, primary_key=True))
    return Table(
        "thing_row",
        metadata,
        Column("id", String, primary_key=True),
        Column("parent_id", ForeignKey("parent.id"), nullable=False),
        Column("region_id", String, nullable=False),
        Column("currency_code", String, nullable=False),
        Column("amount", Money(), nullable=False),
        Column("count", Integer, nullable=True),
        Column("is_open", Boolean, nullable=False),
        Column("status", String, nullable=False),
        Column("metadata", JSONType, nullable=True),
        Column("secret_key", String, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("deleted_at", UTCDateTime(), nullable=True),
    )


def test_fields_come_from_the_columns_in_order_with_the_declared_facts() -> None:
    entity = declare(
        "thing",
        _table(),
        facts={
            "region_id": OTHER_ID,
            "currency_code": LOWERCASE,
            "status": enum(("open", "closed"), "ThingStatus", "Where it is"),
            "amount": Facts(description="How much"),
        },
        hidden=("secret_key",),
    )

    assert entity.graphql_name == "Thing" and entity.plural_name == "things"
    assert [(f.name, f.kind, f.nullable) for f in entity.fields] == [
        ("id", FieldKind.ID, False),
        ("parent_id", FieldKind.ID, False),  # a foreign key
        ("region_id", FieldKind.ID, False),  # another module's id, declared
        ("currency_code", FieldKind.STRING, False),
        ("amount", FieldKind.DECIMAL, False),
        ("count", FieldKind.INT, True),
        ("is_open", FieldKind.BOOL, False),
        ("status", FieldKind.ENUM, False),
        ("metadata", FieldKind.JSON, True),
        ("created_at", FieldKind.DATETIME, False),
    ]  # deleted_at (soft deletion) and the hidden column are not fields
    status = entity.field("status")
    assert status is not None and status.enum_values == ("open", "closed")
    assert status.enum_name == "ThingStatus" and status.description == "Where it is"
    currency = entity.field("currency_code")
    assert currency is not None and currency.lowercase


@pytest.mark.parametrize("declared", [{"facts": {"nope": LOWERCASE}}, {"hidden": ("nope",)}])
def test_facts_and_hidden_columns_must_name_columns(declared: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="nope"):
        declare("thing", _table(), **declared)
