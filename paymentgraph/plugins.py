"""Plugins: what a store adds to paymentgraph, loaded from the configuration file or entry points.

A plugin is a module with ``register(plugin: Plugin) -> None``. It is named in the configuration file
(``plugins = ["my_store.payments"]``) or installed with an entry point in the group
``paymentgraph.plugins`` (``[project.entry-points."paymentgraph.plugins"] my_store = "my_store.payments"``).
``register`` adds what the plugin contributes:

- ``plugin.add(subscriber_or_job, ...)``: subscribers and scheduled jobs (:mod:`paymentgraph.events`);
- ``plugin.add(provider)``: a payment provider instance (or name its class in ``[[providers]]``);
- ``plugin.add(link_definition)``: a link between two modules' entities (its table is created by
  ``plugin.on_start`` or a migration of the store's own);
- ``plugin.add(workflow)``: a workflow, kept by name in ``plugin.workflows`` for the store's code;
- ``@plugin.mutation("name", returns)``: a GraphQL mutation (admin scope: only admin tokens may call it);
- ``plugin.on_start(fn)``: ``await fn(pg)`` once the app is connected (create the plugin's tables, ...).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from paymentgraph.configfile import ConfigError, FileConfig
from paymentgraph.events.registry import Handlers, Job, Subscriber
from paymentgraph.links.definition import LinkDefinition
from paymentgraph.modules.payment.providers.base import AbstractPaymentProvider
from paymentgraph.workflows.engine import Workflow

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.resolvers.base import MutationDef

ENTRY_POINT_GROUP = "paymentgraph.plugins"
StartHook = Callable[["PaymentGraph"], Awaitable[None]]


@dataclass
class Plugin:
    """What every loaded plugin contributed (one collector for all of them)."""

    names: list[str] = field(default_factory=list)
    handlers: Handlers = field(default_factory=Handlers)
    providers: list[AbstractPaymentProvider] = field(default_factory=list)
    links: list[LinkDefinition] = field(default_factory=list)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    mutations: list[MutationDef] = field(default_factory=list)
    start_hooks: list[StartHook] = field(default_factory=list)

    def add(self, *items: Any) -> None:
        for item in items:
            if isinstance(item, Subscriber | Job):
                self.handlers.add(item)
            elif isinstance(item, AbstractPaymentProvider):
                self.providers.append(item)
            elif isinstance(item, LinkDefinition):
                self.links.append(item)
            elif isinstance(item, Workflow):
                if item.name in self.workflows:
                    raise ValueError(f"a workflow named {item.name!r} is already registered")
                self.workflows[item.name] = item
            else:
                raise TypeError(
                    f"a plugin cannot add a {type(item).__name__}: expected a subscriber, job, provider, "
                    "link definition or workflow"
                )

    def mutation(
        self, name: str, returns: Any, description: str | None = None
    ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
        """Declare ``async def resolver(info, ...)`` as ``Mutation.<name>`` returning ``returns``.

        ``returns`` is a strawberry type or ``lambda types: types.object_type("payment_collection")``.
        Plugin mutations are in the admin scope.
        """
        from paymentgraph.resolvers.base import mutation, static

        spec = returns if callable(returns) and not isinstance(returns, type) else static(returns)
        return mutation(self.mutations, name, spec, description)

    def on_start(self, hook: StartHook) -> StartHook:
        self.start_hooks.append(hook)
        return hook

    async def start(self, pg: PaymentGraph) -> None:
        """Give ``pg`` the plugins' subscribers and jobs, then run their start hooks."""
        pg.handlers.add(*self.handlers.subscribers.values(), *self.handlers.jobs.values())
        for hook in self.start_hooks:
            await hook(pg)


def load_plugins(config: FileConfig, *, entry_point_group: str = ENTRY_POINT_GROUP) -> Plugin:
    """Import and register the configured plugins, then those installed under ``entry_point_group``."""
    plugin = Plugin()
    modules: list[tuple[str, str]] = [(name, f"{config.path}: plugins") for name in config.plugins]
    modules += [(ep.value, f"entry point {ep.name}") for ep in entry_points(group=entry_point_group)]
    for name, where in _unique(modules):
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"{where}: cannot import {name}: {exc}") from None
        register = getattr(module, "register", None)
        if not callable(register):
            raise ConfigError(f"{where}: {name} has no register(plugin) function")
        register(plugin)
        plugin.names.append(name)
    return plugin


def _unique(modules: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    result = []
    for name, where in modules:
        if name not in seen:
            seen.add(name)
            result.append((name, where))
    return result
