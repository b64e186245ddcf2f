"""Order - payment collection, one-to-many; deleting an order soft-deletes its collections."""

from paymentgraph.links.definition import LinkDefinition, LinkEnd

LINK = LinkDefinition(
    table_name="order_payment_collection",
    id_prefix="ordpay",
    left=LinkEnd(module="order", entity="order", key="order_id", field="order"),
    right=LinkEnd(
        module="payment",
        entity="payment_collection",
        key="payment_collection_id",
        field="payment_collections",
        many=True,
        delete_cascade=True,
    ),
)
