"""Link definitions: data that joins entities of two modules without either module knowing.

A stored link has a table (Medusa's name), two ends and a cardinality. From a definition come the
link table, the link service's support, the cross-entity fields on both sides, link filters and the
GraphQL link mutations. A read-only link points from a module column at another module's id and has
no table.
"""

from __future__ import annotations

from dataclasses import dataclass

from paymentgraph.db.entity import Field


def pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class LinkEnd:
    """One end of a stored link.

    ``field`` is the name of the field the *other* end's entity gets, pointing at this end (on the
    cart end of cart-payment collection it is ``cart``, added to payment_collection). ``many`` says
    the other entity may have many of this end (the field is a list, and this end's key may repeat
    in the table). ``delete_cascade``: deleting the other end's record also soft-deletes the records
    linked at this end (Medusa's ``deleteCascade``).
    """

    module: str  # the module key used in link.create's dictionary shape, e.g. "cart"
    entity: str  # entity name, e.g. "cart"
    key: str  # the link-table column holding this end's id, e.g. "cart_id"
    field: str  # field added to the other end's entity, e.g. "cart"
    many: bool = False
    delete_cascade: bool = False

    @property
    def argument(self) -> str:
        """The GraphQL argument naming this end in link mutations, e.g. ``orderClaimId``."""
        return camel(self.entity) + "Id"


@dataclass(frozen=True)
class LinkDefinition:
    table_name: str  # e.g. "cart_payment_collection"
    id_prefix: str  # e.g. "capaycol"
    left: LinkEnd
    right: LinkEnd
    # "left" or "right": that end's entity owns the rows at the other end (the customer owns its account
    # holders), so a customer reads only their own; see db/reach.py.
    owner: str | None = None

    @property
    def name(self) -> str:
        """PascalCase name, e.g. ``CartPaymentCollection`` (mutations: create<Name>Link)."""
        return pascal(self.table_name)

    def end_for(self, module: str, key: str) -> LinkEnd | None:
        for end in (self.left, self.right):
            if end.module == module and end.key == key:
                return end
        return None

    def other(self, end: LinkEnd) -> LinkEnd:
        return self.right if end is self.left else self.left

    @property
    def single_valued_keys(self) -> tuple[str, ...]:
        """Columns that may appear in at most one live row (an end the other side has one of).

        A key repeats only when the other entity may have many of that end: the cart end of a
        one-to-one link (``left.many`` false) gets a partial unique index on ``cart_id``.
        """
        keys = []
        # The right end's key is unique when the right entity has a single left partner.
        if not self.left.many:
            keys.append(self.right.key)
        if not self.right.many:
            keys.append(self.left.key)
        return tuple(keys)


@dataclass(frozen=True)
class ReadOnlyLink:
    """A module column pointing at another module's id, e.g. ``cart.region_id`` -> ``region``."""

    source: str  # entity holding the column, e.g. "cart"
    source_key: str  # e.g. "region_id"
    target: str  # e.g. "region"
    field: str  # field added to source, e.g. "region"
    target_key: str = "id"
    many: bool = False
    nullable: bool = True
    # The list field the target gets back, e.g. "carts" on customer (the rows whose column holds its id).
    reverse_field: str | None = None


@dataclass(frozen=True)
class ComputedField:
    """A field added to ``entity`` whose value is computed in SQL from what its links reach.

    It lives beside the links because it crosses modules (an order's payment status reads payment
    collections); the query graph reads, filters and sorts it like a column (``Field.compute``).
    """

    entity: str  # e.g. "order"
    field: Field
