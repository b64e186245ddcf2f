"""``PaymentModuleService``: Medusa's payment module service, a facade over one service per concern.

Each concern service is built once, here, with exactly the collaborators it uses: the database (a
sessionmaker, or ``Database`` where lone statements run in autocommit), the providers, and the other
concern services it calls. What depends on what reads off the constructors below. The public methods
are the concerns' own, bound one line each: a method's signature and docstring live once, in its
concern's file, and mypy sees them (overloads included) through the bound method.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.modules.payment.providers.registry import ProviderRegistry
from paymentgraph.modules.payment.service.account_holders import AccountHolderService
from paymentgraph.modules.payment.service.authorization_holds import AuthorizationHoldService
from paymentgraph.modules.payment.service.authorize import AuthorizationService
from paymentgraph.modules.payment.service.capture_settlement import CaptureSettlementService
from paymentgraph.modules.payment.service.captures import CaptureService
from paymentgraph.modules.payment.service.collection_cancel import CollectionCancelService
from paymentgraph.modules.payment.service.collections import CollectionService
from paymentgraph.modules.payment.service.database import Database
from paymentgraph.modules.payment.service.payments import PaymentService
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.provider_changes import ProviderChangeService
from paymentgraph.modules.payment.service.providers import ProviderService
from paymentgraph.modules.payment.service.recovery import RecoveryService
from paymentgraph.modules.payment.service.refund_reasons import RefundReasonService
from paymentgraph.modules.payment.service.refund_settlement import RefundSettlementService
from paymentgraph.modules.payment.service.refunds import RefundService
from paymentgraph.modules.payment.service.sessions import SessionService
from paymentgraph.modules.payment.service.settlement import SettlementService
from paymentgraph.modules.payment.service.soft_delete import SoftDeletionService
from paymentgraph.modules.payment.service.webhook_actions import WebhookActionService
from paymentgraph.modules.payment.service.webhooks import WebhookService


class PaymentModuleService:
    """The payment module: ``PaymentModuleService(sessionmaker, providers)``; returns DTOs."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], providers: ProviderRegistry) -> None:
        self.sessionmaker = sessionmaker
        self.providers = providers
        db = Database(sessionmaker)
        calls = ProviderCalls(providers)

        collections = CollectionService(db)
        sessions = SessionService(db, calls)
        authorization = AuthorizationService(db, calls)
        payments = PaymentService(sessionmaker, calls)
        collection_cancel = CollectionCancelService(sessionmaker, calls, payments)
        capture_settlement = CaptureSettlementService(db, calls)
        refund_settlement = RefundSettlementService(sessionmaker, calls)
        settlement = SettlementService(sessionmaker, calls, capture_settlement, refund_settlement)
        captures = CaptureService(db, settlement, capture_settlement)
        refunds = RefundService(sessionmaker, settlement, refund_settlement)
        recovery = RecoveryService(sessionmaker, settlement)
        refund_reasons = RefundReasonService(sessionmaker)
        provider_rows = ProviderService(sessionmaker, providers)
        account_holders = AccountHolderService(sessionmaker, calls)
        provider_changes = ProviderChangeService(sessionmaker, authorization)
        webhook_actions = WebhookActionService(sessionmaker, authorization, payments, provider_changes)
        webhooks = WebhookService(sessionmaker, calls, webhook_actions)
        holds = AuthorizationHoldService(sessionmaker)
        soft_deletion = SoftDeletionService(sessionmaker)

        self.create_payment_collections = collections.create_payment_collections
        self.update_payment_collections = collections.update_payment_collections
        self.delete_payment_collections = collections.delete_payment_collections
        self.complete_payment_collections = collections.complete_payment_collections
        self.retrieve_payment_collection = collections.retrieve_payment_collection
        self.list_payment_collections = collections.list_payment_collections
        self.list_and_count_payment_collections = collections.list_and_count_payment_collections
        self.cancel_payment_collection = collection_cancel.cancel_payment_collection

        self.create_payment_session = sessions.create_payment_session
        self.update_payment_session = sessions.update_payment_session
        self.delete_payment_session = sessions.delete_payment_session
        self.retrieve_payment_session = sessions.retrieve_payment_session
        self.list_payment_sessions = sessions.list_payment_sessions
        self.list_and_count_payment_sessions = sessions.list_and_count_payment_sessions
        self.authorize_payment_session = authorization.authorize_payment_session

        self.cancel_payment = payments.cancel_payment
        self.update_payment = payments.update_payment
        self.retrieve_payment = payments.retrieve_payment
        self.list_payments = payments.list_payments
        self.list_and_count_payments = payments.list_and_count_payments
        self.list_held_authorizations = holds.list_held_authorizations

        self.capture_payment = captures.capture_payment
        self.list_captures = captures.list_captures
        self.list_and_count_captures = captures.list_and_count_captures
        self.refund_payment = refunds.refund_payment
        self.list_refunds = refunds.list_refunds
        self.list_and_count_refunds = refunds.list_and_count_refunds
        self.recover_pending_operations = recovery.recover_pending_operations

        self.create_refund_reasons = refund_reasons.create_refund_reasons
        self.update_refund_reasons = refund_reasons.update_refund_reasons
        self.delete_refund_reasons = refund_reasons.delete_refund_reasons
        self.retrieve_refund_reason = refund_reasons.retrieve_refund_reason
        self.list_refund_reasons = refund_reasons.list_refund_reasons
        self.list_and_count_refund_reasons = refund_reasons.list_and_count_refund_reasons

        self.list_payment_providers = provider_rows.list_payment_providers
        self.list_and_count_payment_providers = provider_rows.list_and_count_payment_providers
        self.retrieve_payment_provider = provider_rows.retrieve_payment_provider
        self.update_payment_provider = provider_rows.update_payment_provider

        self.create_account_holder = account_holders.create_account_holder
        self.update_account_holder = account_holders.update_account_holder
        self.delete_account_holder = account_holders.delete_account_holder
        self.retrieve_account_holder = account_holders.retrieve_account_holder
        self.list_account_holders = account_holders.list_account_holders
        self.list_and_count_account_holders = account_holders.list_and_count_account_holders
        self.list_payment_methods = account_holders.list_payment_methods
        self.save_payment_method = account_holders.save_payment_method
        self.create_payment_methods = account_holders.create_payment_methods
        self.delete_payment_method = account_holders.delete_payment_method

        self.receive_webhook = webhooks.receive_webhook
        self.process_webhook_event = webhooks.process_webhook_event
        self.retry_failed_webhook_events = webhooks.retry_failed_webhook_events
        self.list_webhook_events = webhooks.list_webhook_events
        self.list_and_count_webhook_events = webhooks.list_and_count_webhook_events
        self.add_webhook_hook = webhook_actions.add_webhook_hook
        self.list_disputes = provider_changes.list_disputes

        self.soft_delete_payment_collections = soft_deletion.soft_delete_payment_collections
        self.restore_payment_collections = soft_deletion.restore_payment_collections
        self.soft_delete_refund_reasons = soft_deletion.soft_delete_refund_reasons
        self.restore_refund_reasons = soft_deletion.restore_refund_reasons
        self.soft_delete_account_holders = soft_deletion.soft_delete_account_holders
        self.restore_account_holders = soft_deletion.restore_account_holders


__all__ = ["PaymentModuleService"]
