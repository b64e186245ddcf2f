"""What was worked out about a parsed document or one of its nodes, kept with it.

The parser cache hands back the same document object for the same text, so what is decided about a
document (which fields a scope may not select; whether an operation is within the limits for the
variables that decide its takes) or built from one of its field nodes (a query-graph selection) is done
once and looked up after that, instead of walking the document again on every request. Entries keep
their node alive, so an id is never reused while its entry exists; the cache is a bounded LRU, as the
parser cache is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from graphql import Node

MISSING: Any = object()
_SIZE = 1024


class NodeCache:
    """``get``/``put`` a value about ``node`` (a document, a field node) under ``key`` (what else it
    depends on)."""

    def __init__(self, size: int = _SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], tuple[Node, Any]] = OrderedDict()

    def get(self, node: Node, key: Hashable) -> Any:
        """The value, or :data:`MISSING`."""
        entry = self._entries.get((id(node), key))
        if entry is None or entry[0] is not node:
            return MISSING
        self._entries.move_to_end((id(node), key))
        return entry[1]

    def put(self, node: Node, key: Hashable, value: Any) -> None:
        self._entries[(id(node), key)] = (node, value)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
