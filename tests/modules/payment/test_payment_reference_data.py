"""Refund reasons, payment providers and the provider registry."""

from __future__ import annotations

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.config import Settings
from paymentgraph.errors import InvalidData, NotAllowed, NotFound
from paymentgraph.modules.payment import ProviderRegistry, SystemPaymentProvider, default_providers


async def test_default_refund_reasons_are_seeded(pg: PaymentGraph) -> None:
    reasons = await pg.payment.list_refund_reasons()
    assert sorted(r.code for r in reasons) == ["customer_care_adjustment", "pricing_error", "shipping_issue"]
    assert {r.label for r in reasons} >= {"Shipping Issue", "Pricing Error"}
    # Syncing again does not duplicate them.
    await pg.sync_providers()
    assert len(await pg.payment.list_refund_reasons()) == 3


async def test_refund_reason_crud(pg: PaymentGraph) -> None:
    one = await pg.payment.create_refund_reasons({"label": "Late Delivery", "description": "d"})
    assert one.id.startswith("refr_") and one.code == "late_delivery" and one.description == "d"
    two = await pg.payment.create_refund_reasons([{"label": "A", "code": "a_code"}])
    assert [r.code for r in two] == ["a_code"]
    updated = await pg.payment.update_refund_reasons({"id": one.id, "label": "Late", "metadata": {"x": 1}})
    assert (updated.label, updated.code, updated.metadata) == ("Late", "late_delivery", {"x": 1})
    assert (await pg.payment.retrieve_refund_reason(one.id)).label == "Late"
    await pg.payment.delete_refund_reasons(one.id)
    with pytest.raises(NotFound, match=f"RefundReason with id: {one.id} was not found"):
        await pg.payment.retrieve_refund_reason(one.id)
    assert len(await pg.payment.list_refund_reasons()) == 4


async def test_refund_reason_errors(pg: PaymentGraph) -> None:
    with pytest.raises(InvalidData, match=r"RefundReason\.label is required"):
        await pg.payment.create_refund_reasons({"code": "x"})
    with pytest.raises(InvalidData, match="non-empty"):
        await pg.payment.create_refund_reasons({"label": "  "})
    with pytest.raises(InvalidData, match="Unknown refund reason fields"):
        await pg.payment.create_refund_reasons({"label": "x", "colour": "red"})
    with pytest.raises(NotFound):
        await pg.payment.update_refund_reasons({"id": "refr_x", "label": "y"})
    with pytest.raises(InvalidData, match="id is required"):
        await pg.payment.update_refund_reasons({"label": "y"})
    with pytest.raises(NotFound):
        await pg.payment.delete_refund_reasons(["refr_x"])


async def test_deleted_reason_stays_on_past_refunds(pg: PaymentGraph, make_payment) -> None:
    reason = await pg.payment.create_refund_reasons({"label": "Damaged"})
    payment = await make_payment(pg)
    await pg.payment.capture_payment({"payment_id": payment.id})
    await pg.payment.refund_payment({"payment_id": payment.id, "amount": "1", "refund_reason_id": reason.id})
    await pg.payment.delete_refund_reasons([reason.id])
    assert (await pg.payment.list_refunds())[0].refund_reason_id == reason.id


async def test_providers_list_and_enable(pg: PaymentGraph) -> None:
    assert [(p.id, p.is_enabled) for p in await pg.payment.list_payment_providers()] == [
        ("pp_system_default", True)
    ]
    disabled = await pg.payment.update_payment_provider("pp_system_default", False)
    assert disabled.is_enabled is False
    assert await pg.payment.list_payment_providers({"is_enabled": True}) == []
    assert (await pg.payment.update_payment_provider("pp_system_default", True)).is_enabled
    assert (await pg.payment.retrieve_payment_provider("pp_system_default")).is_enabled
    with pytest.raises(NotFound, match="PaymentProvider with id: pp_x_default was not found"):
        await pg.payment.update_payment_provider("pp_x_default", True)
    with pytest.raises(InvalidData, match="boolean"):
        await pg.payment.update_payment_provider("pp_system_default", "yes")  # type: ignore[arg-type]


async def test_sync_disables_providers_no_longer_loaded(database_url: str) -> None:
    from payment_fakes import FAILING_ID, FailingProvider

    async with PaymentGraph.connect(
        database_url, providers=[SystemPaymentProvider(), FailingProvider()]
    ) as pg:
        await pg.sync_providers()
        assert {p.id for p in await pg.payment.list_payment_providers({"is_enabled": True})} == {
            "pp_system_default",
            FAILING_ID,
        }
    async with PaymentGraph.connect(database_url) as pg:
        await pg.sync_providers()
        providers = {p.id: p.is_enabled for p in await pg.payment.list_payment_providers()}
        assert providers == {"pp_system_default": True, FAILING_ID: False}
        with pytest.raises(NotAllowed, match="not loaded"):
            await pg.payment.update_payment_provider(FAILING_ID, True)


async def test_registry_get_and_register() -> None:
    registry = ProviderRegistry(default_providers(Settings()))
    assert registry.ids() == ["pp_system_default"]
    assert isinstance(registry.get("pp_system_default"), SystemPaymentProvider)
    with pytest.raises(NotFound, match="Unable to retrieve the payment provider with id: pp_nope"):
        registry.get("pp_nope")
    with pytest.raises(InvalidData):
        registry.register(SystemPaymentProvider())
    await registry.close()


async def test_sync_tolerates_missing_tables_only_when_asked(tmp_path) -> None:
    from sqlalchemy.exc import OperationalError

    from paymentgraph.db.session import create_engine, create_sessionmaker

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    registry = ProviderRegistry([SystemPaymentProvider()])
    await registry.sync(create_sessionmaker(engine), missing_tables_ok=True)
    with pytest.raises(OperationalError):
        await registry.sync(create_sessionmaker(engine))
    await engine.dispose()
