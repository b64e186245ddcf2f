"""Customer - account holder, one-to-many: one customer per holder, a holder per provider."""

from paymentgraph.links.definition import LinkDefinition, LinkEnd

LINK = LinkDefinition(
    table_name="customer_account_holder",
    id_prefix="custacchldr",
    left=LinkEnd(module="customer", entity="customer", key="customer_id", field="customer"),
    right=LinkEnd(
        module="payment", entity="account_holder", key="account_holder_id", field="account_holders", many=True
    ),
    owner="left",  # a customer's account holders are theirs alone
)
