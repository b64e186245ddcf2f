"""Order exchange - payment collection, one-to-many."""

from paymentgraph.links.definition import LinkDefinition, LinkEnd

LINK = LinkDefinition(
    table_name="order_exchange_payment_collection",
    id_prefix="excpay",
    left=LinkEnd(module="order", entity="order_exchange", key="exchange_id", field="exchange"),
    right=LinkEnd(
        module="payment",
        entity="payment_collection",
        key="payment_collection_id",
        field="payment_collections",
        many=True,
    ),
)
