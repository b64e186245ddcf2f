"""``PaymentModuleService``: Medusa's payment module service, one concern per file."""

from __future__ import annotations

from paymentgraph.modules.payment.service.account_holders import AccountHoldersMixin
from paymentgraph.modules.payment.service.authorization_holds import AuthorizationHoldsMixin
from paymentgraph.modules.payment.service.authorize import AuthorizeMixin
from paymentgraph.modules.payment.service.captures import CapturesMixin
from paymentgraph.modules.payment.service.collection_cancel import CollectionCancelMixin
from paymentgraph.modules.payment.service.collections import CollectionsMixin
from paymentgraph.modules.payment.service.listing import ListingMixin
from paymentgraph.modules.payment.service.payments import PaymentsMixin
from paymentgraph.modules.payment.service.providers import ProvidersMixin
from paymentgraph.modules.payment.service.recovery import RecoveryMixin
from paymentgraph.modules.payment.service.refund_reasons import RefundReasonsMixin
from paymentgraph.modules.payment.service.refunds import RefundsMixin
from paymentgraph.modules.payment.service.sessions import SessionsMixin
from paymentgraph.modules.payment.service.soft_delete import SoftDeletionMixin
from paymentgraph.modules.payment.service.webhooks import WebhooksMixin


class PaymentModuleService(
    ListingMixin,
    SoftDeletionMixin,
    CollectionsMixin,
    CollectionCancelMixin,
    SessionsMixin,
    AuthorizeMixin,
    CapturesMixin,
    RefundsMixin,
    PaymentsMixin,
    RefundReasonsMixin,
    ProvidersMixin,
    AccountHoldersMixin,
    WebhooksMixin,
    RecoveryMixin,
    AuthorizationHoldsMixin,
):
    """The payment module: ``PaymentModuleService(sessionmaker, providers)``; returns DTOs."""


__all__ = ["PaymentModuleService"]
