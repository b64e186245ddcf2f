"""Stub: replaced by the real link service."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.links.registry import Registry


class LinkService:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], registry: Registry) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
