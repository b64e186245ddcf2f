"""Order claim - payment collection, one-to-many (a claim may be paid in several collections)."""

from paymentgraph.links.definition import LinkDefinition, LinkEnd

LINK = LinkDefinition(
    table_name="order_claim_payment_collection",
    id_prefix="claimpay",
    left=LinkEnd(module="order", entity="order_claim", key="claim_id", field="claim"),
    right=LinkEnd(
        module="payment",
        entity="payment_collection",
        key="payment_collection_id",
        field="payment_collections",
        many=True,
    ),
)
