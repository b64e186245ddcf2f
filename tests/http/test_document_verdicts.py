"""What was decided about a document (limits, reach) is kept with it, and never answers another request
differently than walking it again would."""

from __future__ import annotations

from http_helpers import GraphQL

PAGE = "query($take: Int) { paymentCollections(take: $take) { items { id } } }"
ADMIN_ONLY = "{ apiKeys { id } }"


async def test_a_kept_limits_verdict_follows_the_variables_that_decide_it(gql: GraphQL) -> None:
    for take, refused in ((10, False), (5000, True), (10, False), (None, False), (5000, True)):
        body = await gql.post(PAGE, {"take": take} if take is not None else {})
        if refused:
            assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", take
        else:
            assert "errors" not in body, (take, body)


async def test_a_kept_reach_verdict_is_per_scope(gql: GraphQL) -> None:
    for admin, code in ((False, "UNAUTHENTICATED"), (True, None), (False, "UNAUTHENTICATED"), (True, None)):
        body = await gql.post(ADMIN_ONLY, admin=admin)
        if code is None:
            assert "errors" not in body, body
        else:
            assert body["errors"][0]["extensions"]["code"] == code
