"""Test-only PostgreSQL check: a transaction that changes what a collection's numbers derive from also
writes the collection's row (a new row version).

The payment flow's optimistic steps (``modules/payment/service/recompute.py``: the collection guard)
decide on an unlocked read of a collection and its facts, then write only if the collection's row
version is still the one read. That is sound only if every committed change of a collection's sessions,
payments or disputes (as far as its recomputation sees them) comes with a new version of the collection
row, in the same transaction. The test database gets deferred constraint triggers that check exactly
that at every commit, so every test on PostgreSQL checks every path it takes; production pays nothing.
"""

from __future__ import annotations

# What the recomputation reads of each row (recompute.py): a change of any of these must bump.
_SESSION_FACTS = (
    "{r}.status = 'authorized', {r}.status = 'canceled', {r}.currency_code, {r}.amount, "
    "{r}.deleted_at IS NULL, {r}.payment_collection_id"
)
_PAYMENT_FACTS = (
    "{r}.payment_session_id, {r}.canceled_at IS NULL, {r}.captured_amount, {r}.refunded_amount, "
    "{r}.deleted_at IS NULL, {r}.payment_collection_id"
)
_DISPUTE_FACTS = "{r}.payment_id, {r}.withdrawn_amount, {r}.deleted_at IS NULL"

_FUNCTION = """
CREATE OR REPLACE FUNCTION test_collection_written() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
    cid text;
    mine boolean;
BEGIN
    -- Fixtures that seed tables directly (SEEDING below) are not a path of the service.
    IF current_setting('paymentgraph.test_seeding', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'dispute' THEN
        SELECT array_agg(payment_collection_id) INTO ids FROM payment
        WHERE id IN (OLD.payment_id, NEW.payment_id);
    ELSE
        ids := ARRAY[OLD.payment_collection_id, NEW.payment_collection_id];
    END IF;
    FOREACH cid IN ARRAY coalesce(ids, ARRAY[]::text[]) LOOP
        CONTINUE WHEN cid IS NULL;
        SELECT xmin = pg_current_xact_id()::xid INTO mine
        FROM payment_collection WHERE id = cid AND deleted_at IS NULL;
        IF mine IS NOT NULL AND NOT mine THEN
            RAISE EXCEPTION 'collection % not written by the transaction that changed its %',
                cid, TG_TABLE_NAME;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
"""


# Run first in a transaction that seeds tables with Core inserts (tests/query's fixture world): such rows
# were never written through a service, so there is no path to check.
SEEDING = "SET LOCAL paymentgraph.test_seeding = 'on'"


def _triggers(table: str, facts: str) -> list[str]:
    new, old = facts.format(r="NEW"), facts.format(r="OLD")
    head = f"CREATE CONSTRAINT TRIGGER test_collection_written_{{0}} AFTER {{1}} ON {table} "
    tail = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({2}) EXECUTE FUNCTION test_collection_written()"
    return [
        (head + tail).format("ins", "INSERT", "NEW.deleted_at IS NULL"),
        (head + tail).format("del", "DELETE", "OLD.deleted_at IS NULL"),
        (head + tail).format("upd", "UPDATE", f"ROW({new}) IS DISTINCT FROM ROW({old})"),
    ]


STATEMENTS = [
    _FUNCTION,
    *_triggers("payment_session", _SESSION_FACTS),
    *_triggers("payment", _PAYMENT_FACTS),
    *_triggers("dispute", _DISPUTE_FACTS),
]
