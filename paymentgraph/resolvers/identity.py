"""Identity over GraphQL: customers' sign-up, sign-in and their own things; admin API keys.

Each field declares its reach where it is registered (``scopes``, ``acts_as``, ``acts_on``); the checks
run on the parsed operation (schema/auth.py) and in the query graph's SQL (ownership), not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.tools import create_type
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.reach import ADMIN_ONLY, EVERYONE, Scope
from paymentgraph.errors import NotAllowed
from paymentgraph.identity import principal as principals
from paymentgraph.identity.api_keys import ApiKeyDTO
from paymentgraph.identity.service import SessionDTO
from paymentgraph.resolvers.base import Acts, MutationDef, load, mutation, static
from paymentgraph.schema.context import principal_of
from paymentgraph.schema.reach import RootReach
from paymentgraph.schema.selection import load_nested, load_one
from paymentgraph.schema.types import Namespace

MUTATIONS: list[MutationDef] = []
CUSTOMER_ONLY = frozenset({Scope.CUSTOMER})


@strawberry.type(description="An admin API key; its token was shown once, when it was created.")
class ApiKey:
    id: strawberry.ID
    title: str
    redacted: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@strawberry.type(description="A new API key and its token: store the token now, it is never shown again.")
class CreatedApiKey:
    api_key: ApiKey
    token: str


@strawberry.input
class RegisterCustomerInput:
    email: str
    password: str
    first_name: str | None = UNSET
    last_name: str | None = UNSET


# Who may read these hand-written types. A CustomerSession is returned only to the customer who just
# signed in, and its subtree is read in that customer's scope (``acts_as``).
TYPE_REACH = {"CustomerSession": EVERYONE, "ApiKey": ADMIN_ONLY, "CreatedApiKey": ADMIN_ONLY}


def customer_session_type(types: Any) -> type:
    """``CustomerSession { token expiresAt customer }`` over the generated Customer type (built once)."""
    existing = types.ns.get("CustomerSession")
    if existing is not None:
        return existing
    fields = [
        StrawberryField(python_name="token", graphql_name="token", type_annotation=StrawberryAnnotation(str)),
        StrawberryField(
            python_name="expires_at", graphql_name="expiresAt", type_annotation=StrawberryAnnotation(datetime)
        ),
        StrawberryField(
            python_name="customer",
            graphql_name="customer",
            type_annotation=StrawberryAnnotation(types.object_type("customer")),
        ),
    ]
    description = "A signed-in customer's session: send the token as 'Authorization: Bearer <token>'."
    return types.ns.add("CustomerSession", create_type("CustomerSession", fields, description=description))


async def _session(info: strawberry.Info, session: SessionDTO) -> dict[str, Any]:
    # The response belongs to the customer who just signed in: read their data in their scope.
    principal = principals.customer(session.customer_id, session.session_id)
    customer = await load_nested(info, "customer", "customer", session.customer_id, principal=principal)
    return {"token": session.token, "expires_at": session.expires_at, "customer": customer}


@mutation(MUTATIONS, "registerCustomer", customer_session_type, scopes=EVERYONE, acts_as=Scope.CUSTOMER)
async def register_customer(info: strawberry.Info, input: RegisterCustomerInput) -> Any:
    """Register a customer with an email and password and sign them in; CONFLICT if the email is taken."""
    session = await info.context.pg.identity.register(
        input.email,
        input.password,
        first_name=input.first_name or None,
        last_name=input.last_name or None,
    )
    return await _session(info, session)


@mutation(MUTATIONS, "login", customer_session_type, scopes=EVERYONE, acts_as=Scope.CUSTOMER)
async def login(info: strawberry.Info, email: str, password: str) -> Any:
    """Sign in: a new session token. Wrong email or password: UNAUTHENTICATED; too many: TOO_MANY_REQUESTS."""
    request = info.context.request
    address = request.client.host if request is not None and request.client is not None else None
    session = await info.context.pg.identity.login(email, password, address=address)
    return await _session(info, session)


@mutation(MUTATIONS, "logout", static(bool), scopes=EVERYONE)
async def logout(info: strawberry.Info) -> bool:
    """Revoke the calling session (its token is UNAUTHENTICATED from now on); false without one."""
    return bool(await info.context.pg.identity.logout(principal_of(info.context).session_id))


@mutation(MUTATIONS, "transferCart", lambda types: types.object_type("cart"), scopes=CUSTOMER_ONLY,
          acts_on=(Acts("cart_id", "cart"),))  # fmt: skip
async def transfer_cart(info: strawberry.Info, cart_id: strawberry.ID) -> Any:
    """A guest cart becomes the signed-in customer's (their email too); their own cart stays theirs."""
    pg = info.context.pg
    customer_id = principal_of(info.context).customer_id
    cart = await pg.cart.retrieve_cart(cart_id)
    if cart.customer_id != customer_id:
        if cart.completed_at is not None:
            raise NotAllowed(f"Cart {cart.id} is completed; it cannot change hands", cart_id=cart.id)
        customer = await pg.customer.retrieve_customer(customer_id)
        await pg.cart.update_carts(cart.id, {"customer_id": customer.id, "email": customer.email})
    return await load(info, "cart", cart.id)


@mutation(MUTATIONS, "deleteMyPaymentMethod", static(bool), scopes=CUSTOMER_ONLY,
          acts_on=(Acts("account_holder_id", "account_holder"),))  # fmt: skip
async def delete_my_payment_method(
    info: strawberry.Info, account_holder_id: strawberry.ID, payment_method_id: strawberry.ID
) -> bool:
    """Remove one of the signed-in customer's saved payment methods (detached at the provider)."""
    await info.context.pg.payment.delete_payment_method(
        {"id": payment_method_id, "context": {"account_holder": {"id": account_holder_id}}}
    )
    return True


@mutation(MUTATIONS, "createApiKey", static(CreatedApiKey))
async def create_api_key(info: strawberry.Info, title: str) -> CreatedApiKey:
    """A new admin API key; its token is in this response only (only a hash is stored)."""
    created = await info.context.pg.identity.api_keys.create(
        title, created_by=principal_of(info.context).actor
    )
    return CreatedApiKey(api_key=_api_key(created.api_key), token=created.token)


@mutation(MUTATIONS, "revokeApiKey", static(ApiKey))
async def revoke_api_key(info: strawberry.Info, id: strawberry.ID) -> ApiKey:
    """Revoke an API key: requests with its token are UNAUTHENTICATED from now on."""
    return _api_key(await info.context.pg.identity.api_keys.revoke(id))


def _api_key(dto: ApiKeyDTO) -> ApiKey:
    return ApiKey(
        id=strawberry.ID(dto.id),
        title=dto.title,
        redacted=dto.redacted,
        created_at=dto.created_at,
        last_used_at=dto.last_used_at,
        revoked_at=dto.revoked_at,
    )


async def resolve_me(_root: Any, info: Any) -> dict[str, Any] | None:
    customer_id = principal_of(info.context).customer_id
    return None if customer_id is None else await load_one(info, "customer", customer_id)


async def resolve_api_keys(_root: Any, info: Any) -> list[ApiKey]:
    return [_api_key(key) for key in await info.context.pg.identity.api_keys.list()]


def query_fields(ns: Namespace) -> list[tuple[StrawberryField, Any, RootReach]]:
    """``me`` (anyone: null unless a customer is signed in) and ``apiKeys`` (admin)."""
    me = StrawberryField(
        python_name="me",
        graphql_name="me",
        type_annotation=ns.annotation("Customer | None"),
        description="The signed-in customer; null for a guest.",
    )
    api_keys = StrawberryField(
        python_name="api_keys",
        graphql_name="apiKeys",
        type_annotation=StrawberryAnnotation(list[ApiKey]),
        description="Every admin API key, revoked ones included (tokens are never shown again).",
    )
    return [(me, resolve_me, RootReach(EVERYONE)), (api_keys, resolve_api_keys, RootReach(ADMIN_ONLY))]
