"""Read-only links: module columns that hold another module's id. No table; one direction."""

from paymentgraph.links.definition import ReadOnlyLink

READ_ONLY_LINKS = (
    ReadOnlyLink(source="cart", source_key="region_id", target="region", field="region", nullable=False),
    ReadOnlyLink(
        source="cart", source_key="customer_id", target="customer", field="customer", reverse_field="carts"
    ),
    ReadOnlyLink(source="order", source_key="region_id", target="region", field="region", nullable=False),
    ReadOnlyLink(
        source="order", source_key="customer_id", target="customer", field="customer", reverse_field="orders"
    ),
)
