"""Identity: customers' credentials and sessions, admin API keys, and who is asking for every request."""

from paymentgraph.identity.principal import GUEST, IN_PROCESS_ADMIN, Principal
from paymentgraph.identity.service import IdentityService, SessionDTO

__all__ = ["GUEST", "IN_PROCESS_ADMIN", "IdentityService", "Principal", "SessionDTO"]
