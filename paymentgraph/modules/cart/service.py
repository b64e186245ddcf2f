"""Stub: replaced by the module's real service."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class CartModuleService:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
