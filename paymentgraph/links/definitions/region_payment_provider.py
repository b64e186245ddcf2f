"""Region - payment provider, many-to-many: which providers a region's checkout may use."""

from paymentgraph.links.definition import LinkDefinition, LinkEnd

LINK = LinkDefinition(
    table_name="region_payment_provider",
    id_prefix="regpp",
    left=LinkEnd(module="region", entity="region", key="region_id", field="regions", many=True),
    right=LinkEnd(
        module="payment",
        entity="payment_provider",
        key="payment_provider_id",
        field="payment_providers",
        many=True,
    ),
)
