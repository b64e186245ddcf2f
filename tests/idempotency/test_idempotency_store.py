"""The idempotency key store through the database: claim, replay, reuse, in-use, expiry, pruning."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from paymentgraph.db.session import read_session
from paymentgraph.db.types import utcnow
from paymentgraph.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidData
from paymentgraph.idempotency import IdempotencyStore, StoredResponse
from paymentgraph.idempotency.models import IdempotencyKey
from paymentgraph.idempotency.store import STALE_AFTER


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(pg: Any, clock: Clock) -> IdempotencyStore:
    return IdempotencyStore(pg.sessionmaker, clock=clock)


async def test_a_completed_key_replays_its_response(store: IdempotencyStore) -> None:
    assert await store.begin("store", "k1", "fp") is None
    await store.complete("store", "k1", "fp", 200, {"data": {"x": 1}})
    assert await store.begin("store", "k1", "fp") == StoredResponse(200, {"data": {"x": 1}})


async def test_the_same_key_with_another_request_is_refused(store: IdempotencyStore) -> None:
    await store.begin("store", "k1", "fp")
    await store.complete("store", "k1", "fp", 200, {"data": {}})
    with pytest.raises(IdempotencyKeyReused):
        await store.begin("store", "k1", "other")


async def test_a_key_still_running_is_in_use(store: IdempotencyStore) -> None:
    await store.begin("store", "k1", "fp")
    with pytest.raises(IdempotencyKeyInUse):
        await store.begin("store", "k1", "fp")


async def test_scopes_do_not_share_keys(store: IdempotencyStore) -> None:
    assert await store.begin("store", "k1", "fp") is None
    assert await store.begin("admin:abc", "k1", "other") is None


async def test_of_concurrent_claims_exactly_one_wins(store: IdempotencyStore) -> None:
    results = await asyncio.gather(
        *(store.begin("store", "k1", "fp") for _ in range(8)), return_exceptions=True
    )
    assert results.count(None) == 1
    assert all(isinstance(r, IdempotencyKeyInUse) for r in results if r is not None)


async def test_a_released_key_can_be_used_again(store: IdempotencyStore) -> None:
    await store.begin("store", "k1", "fp")
    await store.release("store", "k1", "fp")
    assert await store.begin("store", "k1", "other") is None


async def test_an_expired_key_is_treated_as_absent(store: IdempotencyStore, clock: Clock) -> None:
    await store.begin("store", "k1", "fp")
    await store.complete("store", "k1", "fp", 200, {"data": {"first": True}})
    clock.now += timedelta(hours=24, seconds=1)
    assert await store.begin("store", "k1", "other") is None  # a new request, not a reuse error
    await store.complete("store", "k1", "other", 200, {"data": {"second": True}})
    assert await store.begin("store", "k1", "other") == StoredResponse(200, {"data": {"second": True}})


async def test_an_abandoned_claim_is_taken_over(store: IdempotencyStore, clock: Clock) -> None:
    await store.begin("store", "k1", "fp")
    clock.now += timedelta(minutes=10)  # the first request's process died
    assert await store.begin("store", "k1", "fp") is None


async def test_a_claim_not_renewed_lapses_after_seconds_not_minutes(
    store: IdempotencyStore, clock: Clock
) -> None:
    await store.begin("store", "k1", "fp")
    clock.now += STALE_AFTER / 2
    with pytest.raises(IdempotencyKeyInUse):
        await store.begin("store", "k1", "fp")
    clock.now += STALE_AFTER / 2  # no heartbeat since the claim: its process is gone
    assert timedelta(seconds=10) >= STALE_AFTER
    assert await store.begin("store", "k1", "fp") is None


async def test_a_claim_renewed_by_its_live_request_stays_in_use(pg: Any, clock: Clock) -> None:
    # A short expiry so the heartbeat beats every 0.1 s of real time; the clock says what time it is.
    store = IdempotencyStore(pg.sessionmaker, clock=clock, stale_after=timedelta(seconds=0.3))
    assert await store.begin("store", "k1", "fp") is None
    async with store.keep_alive("store", "k1", "fp"):
        clock.now += timedelta(minutes=10)  # the request is slow, but alive
        for _ in range(400):
            if await _locked_at(pg) == clock.now:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the heartbeat never renewed the claim")
        with pytest.raises(IdempotencyKeyInUse):
            await store.begin("store", "k1", "fp")
    clock.now += timedelta(seconds=1)  # the request ended without completing: its claim lapses
    assert await store.begin("store", "k1", "fp") is None


async def _locked_at(pg: Any) -> datetime:
    async with read_session(pg.sessionmaker) as session:
        locked_at: datetime = (await session.execute(select(IdempotencyKey.locked_at))).scalar_one()
        return locked_at


async def test_prune_deletes_only_expired_keys(store: IdempotencyStore, clock: Clock) -> None:
    await store.begin("store", "old", "fp")
    clock.now += timedelta(hours=23)
    await store.begin("store", "young", "fp")
    clock.now += timedelta(hours=2)
    assert await store.prune() == 1
    with pytest.raises(IdempotencyKeyReused):  # still stored
        await store.begin("store", "young", "other")
    assert await store.begin("store", "old", "other") is None  # gone


async def test_keys_longer_than_255_characters_are_refused(store: IdempotencyStore) -> None:
    assert await store.begin("store", "k" * 255, "fp") is None
    with pytest.raises(InvalidData):
        await store.begin("store", "k" * 256, "fp")
