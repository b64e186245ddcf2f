"""How a fetched row becomes the dict a caller gets: column-keyed, or already in the response's shape.

Column-keyed rows (the Python API's ``query.graph``) hold the selected columns under their names,
amounts quantized to their currency. Join keys nobody selected are read from the fetched row and
never copied into the dict.

Shaped rows (``Request.shaped``, what GraphQL asks for) are built from the fetched row in one step:
the response keys in response order, each value already as the response carries it (an amount's text,
an enum's name, ``__typename``), children stored under their response keys. The caller can then hand
the tree to a JSON encoder without walking it again: that second walk, with a call per field to
coerce each value, was the largest cost of a nested read above its SQL (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from paymentgraph.money import format_amount, quantum
from paymentgraph.query.selection import Output

Row = dict[str, Any]
RowBuilder = Callable[[Sequence[Any]], Row]


class Unshaped(Exception):
    """A value the requested output cannot represent: a null where the response allows none, or a value
    its conversion refuses. Nothing is returned; the caller reads again without an output, and its own
    layer reports the value the way it always does."""


def column_rows(names: list[str], selected: int, in_currency: list[tuple[str, str]]) -> RowBuilder:
    """Rows keyed by the first ``selected`` of ``names`` (the fetched columns, in order), amounts in
    ``in_currency`` quantized to the currency column named beside them."""
    keys = tuple(names[:selected])
    position = {name: i for i, name in enumerate(names)}
    money = [(name, position[name], position[currency]) for name, currency in in_currency]
    if not money:
        return lambda record: dict(zip(keys, record, strict=False))  # zip stops before the join keys

    def build(record: Sequence[Any]) -> Row:
        row = dict(zip(keys, record, strict=False))
        for name, index, currency in money:
            value = record[index]
            if value is not None:
                row[name] = format_amount(value, record[currency])
        return row

    return build


def shaped_rows(names: list[str], in_currency: list[tuple[str, str]], output: Output) -> RowBuilder:
    """Rows in the shape of ``output`` from records whose columns are ``names``.

    Each output gets a function of its own, written out and compiled once per plan: one dict display
    with every key in response order. Why generated: a row is built for every object of every read,
    and the same builder written as a loop over the fields took 2.4x as long per row (4.9 against
    2.1 µs for a four-field row, timeit on this machine kind), more than the completion walk it
    replaces. What goes into the source is only names this function makes up (``v0``, ``k0``, ``c0``)
    and column positions; the response keys, conversions and constants are bound as values, so no
    text from a request is ever compiled.
    """
    position = {name: i for i, name in enumerate(names)}
    currency_of = dict(in_currency)
    scope: dict[str, Any] = {"Unshaped": Unshaped, "quantum": quantum}
    reads: list[str] = []
    required: list[str] = []
    entries: list[str] = []
    for n, f in enumerate(output.fields):
        scope[f"k{n}"] = f.key
        if f.column is None:
            scope[f"t{n}"] = f.constant  # a constant, or None until the child is stored
            entries.append(f"k{n}: t{n}")
            continue
        reads.append(f"v{n} = record[{position[f.column]}]")
        value = f"v{n}"
        if f.column in currency_of:  # quantized to the row's currency (format_amount, without the call)
            value = f"{value}.quantize(quantum(record[{position[currency_of[f.column]]}]))"
        if f.convert is not None:
            scope[f"c{n}"] = f.convert
            value = f"c{n}({value})"
        if f.required:
            required.append(f"v{n} is None")
        elif value != f"v{n}":
            value = f"({value} if v{n} is not None else None)"
        entries.append(f"k{n}: {value}")
    lines = [
        "def build(record):",
        *(f"    {read}" for read in reads),
        *([f"    if {' or '.join(required)}:", "        raise Unshaped"] if required else []),
        "    try:",
        f"        return {{{', '.join(entries)}}}",
        "    except Exception as error:",
        "        raise Unshaped from error",
    ]
    exec("\n".join(lines), scope)  # only made-up names and positions: see the docstring
    build: RowBuilder = scope["build"]
    return build
