"""query.graph: field selection over entities and links, loaded level by level."""

from paymentgraph.query.graph import QueryGraph
from paymentgraph.query.selection import Child, Request, Selection

__all__ = ["Child", "QueryGraph", "Request", "Selection"]
