"""Mutation resolvers: arguments in, one service or link call, the result loaded through the query graph."""

from collections.abc import Sequence
from typing import Any

from paymentgraph.resolvers import (
    account_holders,
    carts,
    checkout,
    collections,
    events,
    identity,
    order_payments,
    orders,
    payments,
    providers,
    regions,
    sessions,
    webhook_endpoints,
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
    *identity.MUTATIONS,
    *events.MUTATIONS,
    *webhook_endpoints.MUTATIONS,
)
# Who may read the hand-written result types (entity types declare theirs in the registries).
TYPE_REACH = {**identity.TYPE_REACH, **webhook_endpoints.TYPE_REACH}


def mutation_definitions(types: Any, extra: Sequence[MutationDef] = ()) -> list[MutationDef]:
    """Every mutation: the static ones, the link mutations of ``types.registry`` and ``extra`` (plugins')."""
    return [*STATIC_MUTATIONS, *link_mutations(types.registry.links), *extra]


def build_mutation(types: Any, extra: Sequence[MutationDef] = ()) -> type:
    """The Mutation root type of :func:`mutation_definitions` (``extra``: plugins' mutations)."""
    return mutation_type(mutation_definitions(types, extra), types)


__all__ = ["STATIC_MUTATIONS", "TYPE_REACH", "build_mutation", "mutation_definitions"]
