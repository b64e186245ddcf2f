"""Mutation resolvers: arguments in, one service or link call, the result loaded through the query graph."""

from typing import Any

from paymentgraph.resolvers import (
    account_holders,
    carts,
    checkout,
    collections,
    order_payments,
    orders,
    payments,
    providers,
    regions,
    sessions,
)
from paymentgraph.resolvers.base import MutationDef, mutation_type
from paymentgraph.resolvers.links import link_mutations

STATIC_MUTATIONS: tuple[MutationDef, ...] = (
    *collections.MUTATIONS,
    *sessions.MUTATIONS,
    *payments.MUTATIONS,
    *providers.MUTATIONS,
    *account_holders.MUTATIONS,
    *regions.MUTATIONS,
    *orders.MUTATIONS,
    *order_payments.MUTATIONS,
    *carts.MUTATIONS,
    *checkout.MUTATIONS,
)


def build_mutation(types: Any) -> type:
    """The Mutation root type: the static mutations plus the link mutations of ``types.registry``."""
    return mutation_type([*STATIC_MUTATIONS, *link_mutations(types.registry.links)], types)


__all__ = ["STATIC_MUTATIONS", "build_mutation"]
