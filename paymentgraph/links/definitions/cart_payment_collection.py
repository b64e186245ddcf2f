"""Cart - payment collection, one-to-one: a cart pays through one collection."""

from paymentgraph.links.definition import LinkDefinition, LinkEnd

LINK = LinkDefinition(
    table_name="cart_payment_collection",
    id_prefix="capaycol",
    left=LinkEnd(module="cart", entity="cart", key="cart_id", field="cart"),
    right=LinkEnd(
        module="payment", entity="payment_collection", key="payment_collection_id", field="payment_collection"
    ),
)
