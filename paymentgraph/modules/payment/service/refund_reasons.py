"""Refund reasons: create, update, delete (soft, so past refunds keep their reason), list, retrieve."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.repository import soft_delete
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import InvalidData, not_found
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.service.inputs import require_dict
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import refund_reason_dto


def _text(data: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidData(f"Value for RefundReason.{key} is required, 'undefined' found", field=key)
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidData(f"RefundReason.{key} must be a non-empty string", field=key)
    return value.strip() if required else value


def _reason_values(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    data = require_dict(data, "data")
    unknown = set(data) - {"id", "label", "code", "description", "metadata"}
    if unknown:
        raise InvalidData(
            f"Unknown refund reason fields: {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    values: dict[str, Any] = {}
    if creating or "label" in data:
        values["label"] = _text(data, "label", required=True)
    if "code" in data or creating:
        code = _text(data, "code", required=False) if creating else _text(data, "code", required=True)
        # Medusa back-filled codes from labels the same way ("Pricing Error" -> "pricing_error").
        values["code"] = code or re.sub(r"\s+", "_", str(values["label"]).strip().lower())
    if "description" in data:
        values["description"] = _text(data, "description", required=False)
    if "metadata" in data:
        values["metadata"] = require_dict(data["metadata"], "metadata") or None
    return values


class RefundReasonService:
    """Refund reasons: reference data that refunds name."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    @overload
    async def create_refund_reasons(self, data: Mapping[str, Any]) -> dto.RefundReason: ...
    @overload
    async def create_refund_reasons(self, data: Sequence[Mapping[str, Any]]) -> list[dto.RefundReason]: ...
    async def create_refund_reasons(
        self, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> dto.RefundReason | list[dto.RefundReason]:
        """Create reasons from ``{label, code?, description?, metadata?}`` (code defaults from label)."""
        items = [data] if isinstance(data, Mapping) else list(data)
        values = [
            {"id": item.get("id") or new_id("refr"), **_reason_values(item, creating=True)} for item in items
        ]
        async with write_transaction(self._sessionmaker) as session:
            rows = [await common.insert(session, models.RefundReason, v) for v in values]
            result = [refund_reason_dto(r) for r in rows]
        return result[0] if isinstance(data, Mapping) else result

    @overload
    async def update_refund_reasons(self, data: Mapping[str, Any]) -> dto.RefundReason: ...
    @overload
    async def update_refund_reasons(self, data: Sequence[Mapping[str, Any]]) -> list[dto.RefundReason]: ...
    async def update_refund_reasons(
        self, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> dto.RefundReason | list[dto.RefundReason]:
        """Update reasons given as ``{id, label?, code?, description?, metadata?}``."""
        items = [data] if isinstance(data, Mapping) else list(data)
        async with write_transaction(self._sessionmaker) as session:
            result = []
            for item in items:
                id = item.get("id")
                if not isinstance(id, str) or not id:
                    raise InvalidData("id is required", field="id")
                values = _reason_values(item, creating=False)
                row = await common.get(session, models.RefundReason, id)
                if row is None:
                    raise not_found("RefundReason", id)
                await common.update(session, row, values)
                result.append(refund_reason_dto(row))
        return result[0] if isinstance(data, Mapping) else result

    async def delete_refund_reasons(self, ids: str | Sequence[str]) -> None:
        """Soft-delete reasons; refunds that used them keep the reference."""
        id_list = [ids] if isinstance(ids, str) else list(ids)
        async with write_transaction(self._sessionmaker) as session:
            rows = {r.id: r for r in await common.get_many(session, models.RefundReason, id_list)}
            for id in id_list:
                if id not in rows:
                    raise not_found("RefundReason", id)
            await soft_delete(session, rows.values())

    async def retrieve_refund_reason(self, id: str) -> dto.RefundReason:
        async with read_session(self._sessionmaker) as session:
            row = await common.get(session, models.RefundReason, id)
            if row is None:
                raise not_found("RefundReason", id)
            return refund_reason_dto(row)

    async def list_refund_reasons(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.RefundReason]:
        async with read_session(self._sessionmaker) as session:
            rows = await common.list_rows(session, models.RefundReason, filters, skip=skip, take=take)
            return [refund_reason_dto(r) for r in rows]

    async def list_and_count_refund_reasons(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.RefundReason], int]:
        return await list_and_count(
            self._sessionmaker, self.list_refund_reasons, models.RefundReason, filters, skip, take
        )
