"""Link mutations generated from the link definitions: ``create<Name>Link`` and ``dismiss<Name>Link``."""

import inspect
from collections.abc import Iterable
from typing import Annotated

import strawberry

from paymentgraph.links.definition import LinkDefinition
from paymentgraph.resolvers.base import MutationDef, static


def _parameters(link: LinkDefinition) -> list[inspect.Parameter]:
    def id_param(python: str, graphql: str) -> inspect.Parameter:
        annotation = Annotated[strawberry.ID, strawberry.argument(name=graphql)]
        return inspect.Parameter(python, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)

    info = inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info)
    return [info, id_param("left_id", link.left.argument), id_param("right_id", link.right.argument)]


def _noun(entity: str) -> str:
    words = entity.replace("_", " ")
    return ("an " if words[0] in "aeiou" else "a ") + words


def _create(link: LinkDefinition) -> MutationDef:
    async def create_link(info: strawberry.Info, *, left_id: str, right_id: str) -> bool:
        await info.context.pg.link.create_link(link, left_id, right_id)
        return True

    create_link.__signature__ = inspect.Signature(_parameters(link), return_annotation=bool)  # type: ignore[attr-defined]
    description = f"Link {_noun(link.left.entity)} and {_noun(link.right.entity)} ({link.table_name})."
    return MutationDef(f"create{link.name}Link", static(bool), create_link, description)


def _dismiss(link: LinkDefinition) -> MutationDef:
    async def dismiss_link(info: strawberry.Info, *, left_id: str, right_id: str) -> bool:
        return bool(await info.context.pg.link.dismiss_link(link, left_id, right_id))

    dismiss_link.__signature__ = inspect.Signature(_parameters(link), return_annotation=bool)  # type: ignore[attr-defined]
    description = (
        f"Dismiss the link of {_noun(link.left.entity)} and {_noun(link.right.entity)}; "
        "false when they were not linked."
    )
    return MutationDef(f"dismiss{link.name}Link", static(bool), dismiss_link, description)


def link_mutations(links: Iterable[LinkDefinition]) -> list[MutationDef]:
    """A create and a dismiss mutation for every link definition."""
    result: list[MutationDef] = []
    for link in links:
        result += [_create(link), _dismiss(link)]
    return result
