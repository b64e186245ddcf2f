"""A document's fragments, for the walkers that look at a parsed operation before it runs.

A ~1 KB document can spread a fragment 2^24 times (``fragment F1 on Cart { ...F0 ...F0 }`` up to
``F24``); a walker that expands every spread where it appears does that much work. Walkers use this
instead: :meth:`DocumentFragments.fields` expands each fragment at most once per call (a fragment spread
twice selects its fields once, as GraphQL execution merges them), and :meth:`DocumentFragments.nesting`
measures how deeply a selection nests through fragments with each fragment measured once and no
recursion, so a walker can refuse a document before its own recursion goes that deep. Walkers that
must count every occurrence (the cost in ``limits.py``) memoise per fragment on top of this.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


class DocumentFragments:
    """The fragment definitions of one document, with linear-time expansion and nesting."""

    def __init__(self, document: DocumentNode) -> None:
        self.definitions: dict[str, FragmentDefinitionNode] = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._nesting: dict[str, int] = {}

    def fields(self, selection_set: SelectionSetNode) -> Iterator[FieldNode]:
        """The fields of ``selection_set`` through inline fragments and spreads (not into sub-selections).

        Each fragment is expanded at most once: work is linear in the size of the document.
        """
        expanded: set[str] = set()
        pending = [iter(selection_set.selections)]
        while pending:
            for selection in pending[-1]:
                if isinstance(selection, FieldNode):
                    yield selection
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(iter(selection.selection_set.selections))
                    break
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.definitions.get(name)
                    if fragment is not None and name not in expanded:
                        expanded.add(name)
                        pending.append(iter(fragment.selection_set.selections))
                        break
            else:
                pending.pop()

    def nesting(self, selection_set: SelectionSetNode) -> int:
        """How many selection sets deep ``selection_set`` nests (itself 1), through fragment spreads.

        A spread nests its fragment's selection set one level below the selection set it is in. A
        spread closing a cycle adds nothing (validation refuses cycles). No recursion: safe at any depth.
        """
        depth, spreads = _local_nesting(selection_set)
        return max([depth, *(at + self._fragment_nesting(name) for name, at in spreads)])

    def _fragment_nesting(self, root: str) -> int:
        if root in self._nesting or root not in self.definitions:
            return self._nesting.get(root, 0)
        local = {root: _local_nesting(self.definitions[root].selection_set)}
        path = [(root, iter(local[root][1]))]
        on_path = {root}
        while path:
            name, spreads = path[-1]
            for spread, _at in spreads:
                if spread in self.definitions and spread not in self._nesting and spread not in on_path:
                    local[spread] = _local_nesting(self.definitions[spread].selection_set)
                    path.append((spread, iter(local[spread][1])))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                depth, inner = local[name]
                self._nesting[name] = max([depth, *(at + self._nesting.get(s, 0) for s, at in inner)])
        return self._nesting[root]


def _local_nesting(selection_set: SelectionSetNode) -> tuple[int, list[tuple[str, int]]]:
    """The nesting of one definition's selection set, and its spreads with the depth they are at."""
    deepest = 0
    spreads: list[tuple[str, int]] = []
    pending = [(selection_set, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        for selection in current.selections:
            if isinstance(selection, FragmentSpreadNode):
                spreads.append((selection.name.value, depth))
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                pending.append((selection.selection_set, depth + 1))
    return deepest, spreads
