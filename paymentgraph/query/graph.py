"""Stub: replaced by the real query graph."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.links.registry import Registry


class QueryGraph:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], registry: Registry) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
