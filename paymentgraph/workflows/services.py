"""What a workflow uses: the modules' services, the link service, the query graph and the database.

Workflows are given this protocol rather than ``PaymentGraph``. The connection builds the services and
registers the workflows' webhook hook, so it imports workflows; were workflows to name ``PaymentGraph``
back, the two would form a circle. ``PaymentGraph`` satisfies the protocol, and so does any object a
store assembles with the same members (a test double, a service container of its own).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.links.service import LinkService
from paymentgraph.modules.cart.service import CartModuleService
from paymentgraph.modules.customer.service import CustomerModuleService
from paymentgraph.modules.order.service import OrderModuleService
from paymentgraph.modules.payment.service import PaymentModuleService
from paymentgraph.modules.region.service import RegionModuleService
from paymentgraph.query.graph import QueryGraph


class Services(Protocol):
    """The collaborators of every workflow step (``ctx.pg``)."""

    payment: PaymentModuleService
    cart: CartModuleService
    customer: CustomerModuleService
    order: OrderModuleService
    region: RegionModuleService
    link: LinkService
    query: QueryGraph
    sessionmaker: async_sessionmaker[AsyncSession]
