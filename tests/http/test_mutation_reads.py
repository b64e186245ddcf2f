"""A mutation reads back only what its selection needs: its id alone costs no read."""

from __future__ import annotations

from typing import Any

import pytest
from http_helpers import ADMIN_TOKEN, GraphQL
from starlette.applications import Starlette

from paymentgraph.config import Settings

CREATE = """mutation($fields: Boolean!) {
  createPaymentCollection(input: {currencyCode: "usd", amount: "5"}) { id amount @include(if: $fields) }
}"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No background worker: its subscribers' statements would be counted with the request's.
    return Settings(database_url=database_url, admin_tokens=ADMIN_TOKEN, worker=False)


async def test_a_mutation_selecting_its_id_alone_is_not_read_back(
    app: Starlette, gql: GraphQL, count_statements: Any
) -> None:
    counter = count_statements(app.state.pg.engine)
    sent = []
    for fields in (True, False, True, False):
        counter.reset()
        created = (await gql.data(CREATE, {"fields": fields}))["createPaymentCollection"]
        assert created["id"].startswith("pay_col_")
        assert ("amount" in created) is fields
        sent.append(counter.count)
    with_amount, id_only = sent[2], sent[3]  # the second round: caches warm, as a server runs
    assert id_only == with_amount - 1
