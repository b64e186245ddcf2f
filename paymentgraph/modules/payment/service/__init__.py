"""Stub: replaced by the real payment module service."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class PaymentModuleService:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], providers: object) -> None:
        self.sessionmaker = sessionmaker
        self.providers = providers
