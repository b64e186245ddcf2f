"""Verdicts about a parsed document, kept with it: who may run it, and whether it is within the limits.

The parser cache hands back the same document object for the same text, so what was decided about
that document (which fields a scope may not select; whether an operation is within the limits for the
variables that decide its takes) is decided once and looked up after that, instead of walking the
document again on every request. Entries keep their document alive, so an id is never reused while its
entry exists; the cache is a bounded LRU, as the parser cache is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from graphql import DocumentNode

MISSING: Any = object()
_SIZE = 1024


class DocumentVerdicts:
    """``get``/``put`` a verdict about ``document`` under ``key`` (what else it depends on)."""

    def __init__(self, size: int = _SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], tuple[DocumentNode, Any]] = OrderedDict()

    def get(self, document: DocumentNode, key: Hashable) -> Any:
        """The verdict, or :data:`MISSING`."""
        entry = self._entries.get((id(document), key))
        if entry is None or entry[0] is not document:
            return MISSING
        self._entries.move_to_end((id(document), key))
        return entry[1]

    def put(self, document: DocumentNode, key: Hashable, verdict: Any) -> None:
        self._entries[(id(document), key)] = (document, verdict)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
