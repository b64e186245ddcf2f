"""GraphiQL, served entirely by this process (no CDN): the page and its assets.

The assets (GraphiQL 2, React 18) come from the ``graphene-django-graphiql-static`` wheel, which ships
them as plain files and needs nothing else installed (Django is not imported): reading its files keeps
GraphiQL working on a machine without internet.
"""

from __future__ import annotations

import html
from importlib import resources
from importlib.resources.abc import Traversable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

ASSETS_PACKAGE = "graphene_django_graphiql_static"
# The only files served, with their content types; anything else is 404.
ASSETS = {
    "react.production.min.js": "text/javascript; charset=utf-8",
    "react-dom.production.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
}
ASSETS_PATH = "/graphql/assets"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>paymentgraph GraphiQL</title>
  <style>html, body, #graphiql {{ height: 100%; margin: 0; width: 100%; overflow: hidden; }}</style>
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script>
    const endpoint = {endpoint};
    const fetcher = GraphiQL.createFetcher({{ url: endpoint }});
    const props = {{
      fetcher,
      headerEditorEnabled: true,
      // The admin's Authorization header survives reloads (kept in this browser's localStorage).
      shouldPersistHeaders: true,
      defaultQuery:
        "# Admin fields need an admin key in the Headers tab (kept across reloads):\\n" +
        "#   {{\\"Authorization\\": \\"Bearer <key>\\"}}\\n" +
        "# A key is a token listed in PAYMENTGRAPH_ADMIN_TOKENS when the server starts,\\n" +
        "# or an API key created with the paymentgraph command line (see paymentgraph --help).\\n" +
        "# Store fields (cart, order, createCart ...) need none.\\n\\n" +
        "query Regions {{\\n  regions(take: 5) {{\\n    count\\n" +
        "    items {{ id name currencyCode }}\\n  }}\\n}}\\n",
    }};
    const element = React.createElement(GraphiQL, props);
    const container = document.getElementById("graphiql");
    if (ReactDOM.createRoot) ReactDOM.createRoot(container).render(element);
    else ReactDOM.render(element, container);
  </script>
</body>
</html>
"""


def wants_html(request: Request) -> bool:
    """A browser navigating to /graphql (``Accept: text/html``), not a GraphQL client."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


def page(endpoint: str = "/graphql") -> HTMLResponse:
    body = _PAGE.format(assets=html.escape(ASSETS_PATH), endpoint=_js_string(endpoint))
    return HTMLResponse(body)


def _js_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\u003c")
    return f'"{escaped}"'


def _asset_file(name: str) -> Traversable:
    return resources.files(ASSETS_PACKAGE) / "static" / ASSETS_PACKAGE / name


async def asset(request: Request) -> Response:
    """One of :data:`ASSETS`, cached by the browser for a day."""
    name = request.path_params["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    content = _asset_file(name).read_bytes()
    return Response(content, media_type=content_type, headers={"Cache-Control": "public, max-age=86400"})
