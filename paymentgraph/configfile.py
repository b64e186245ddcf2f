"""The configuration file: providers with their options, and plugins (TOML, read with ``tomllib``).

Found through ``PAYMENTGRAPH_CONFIG`` or ``paymentgraph.toml`` in the working directory (none: the
environment alone configures, as before). Medusa's ``providers: [{resolve, id, options}]``::

    plugins = ["my_store.payments"]          # import paths (entry points "paymentgraph.plugins" load too)

    [[providers]]
    resolve = "stripe"                       # a built-in ("system", "stripe") or "package.module:Class"
    id = "eu"                                # served as pp_<identifier>_<id>: pp_stripe_eu
    options = { api_key = "sk_...", api_base = "https://...", webhook_secret = "whsec_...", capture = false }

Each configured provider is loaded (a row of ``paymentProviders``, enabled) and receives its webhooks at
``/hooks/payment/<identifier>_<id>`` verified with its own secret. Environment variables still override
what they name: ``PAYMENTGRAPH_STRIPE_API_KEY`` (with ``..._API_BASE`` and ``..._WEBHOOK_SECRET``) is
the provider ``pp_stripe_stripe``, replacing a file entry with that id. A file that does not parse, or
names a provider that cannot be loaded, is a :class:`ConfigError`: one line that says where and why.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paymentgraph.config import Settings
from paymentgraph.modules.payment.providers.base import AbstractPaymentProvider
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider

CONFIG_ENV = "PAYMENTGRAPH_CONFIG"
DEFAULT_FILE = "paymentgraph.toml"
BUILT_IN = ("system", "stripe")
_TOP_LEVEL = {"plugins", "providers"}
_STRIPE_OPTIONS = {"api_key", "api_base", "webhook_secret", "capture"}


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class ProviderConfig:
    resolve: str
    id: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileConfig:
    path: Path | None = None
    providers: tuple[ProviderConfig, ...] = ()
    plugins: tuple[str, ...] = ()


def config_path(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """``$PAYMENTGRAPH_CONFIG`` (which must exist), else ``./paymentgraph.toml`` when there is one."""
    environ = os.environ if environ is None else environ
    named = environ.get(CONFIG_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}={named}: no such file")
        return path
    default = (cwd or Path.cwd()) / DEFAULT_FILE
    return default if default.is_file() else None


def load_config(path: Path | None = None) -> FileConfig:
    """The file at ``path`` (default: :func:`config_path`), checked; an empty config when there is none."""
    path = path if path is not None else config_path()
    if path is None:
        return FileConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    unknown = set(raw) - _TOP_LEVEL
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r} (expected plugins, providers)")
    plugins = raw.get("plugins", [])
    if not isinstance(plugins, list) or not all(isinstance(p, str) and p for p in plugins):
        raise ConfigError(f"{path}: plugins must be a list of import paths")
    entries = raw.get("providers", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: providers must be an array of tables ([[providers]])")
    providers = tuple(_provider(path, i, entry) for i, entry in enumerate(entries))
    ids = [f"{p.resolve}:{p.id}" for p in providers]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: two providers have the same resolve and id")
    return FileConfig(path, providers, tuple(plugins))


def _provider(path: Path, index: int, entry: Any) -> ProviderConfig:
    where = f"{path}: providers[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table with resolve, id and options")
    resolve, id, options = entry.get("resolve"), entry.get("id"), entry.get("options", {})
    if not isinstance(resolve, str) or not resolve:
        raise ConfigError(f"{where}: resolve is required (system, stripe or package.module:Class)")
    if resolve not in BUILT_IN and ":" not in resolve:
        raise ConfigError(
            f"{where}: unknown provider {resolve!r} (use system, stripe or package.module:Class)"
        )
    if not isinstance(id, str) or not id or not id.replace("_", "").isalnum():
        raise ConfigError(f"{where}: id is required (letters, digits and _; served as pp_<identifier>_<id>)")
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: options must be a table")
    extra = set(entry) - {"resolve", "id", "options"}
    if extra:
        raise ConfigError(f"{where}: unknown key {sorted(extra)[0]!r}")
    return ProviderConfig(resolve, id, dict(options))


def build_providers(config: FileConfig, settings: Settings) -> list[AbstractPaymentProvider]:
    """The system provider, the file's providers, then ``PAYMENTGRAPH_STRIPE_*`` (which wins its id)."""
    providers: dict[str, AbstractPaymentProvider] = {}
    system = SystemPaymentProvider()
    providers[system.id] = system
    for index, entry in enumerate(config.providers):
        provider = _instantiate(config.path, index, entry)
        providers[provider.id] = provider
    if settings.stripe_api_key:
        from paymentgraph.modules.payment.providers.stripe import StripeProvider

        stripe = StripeProvider(
            settings.stripe_api_key,
            api_base=settings.stripe_api_base,
            webhook_secret=settings.stripe_webhook_secret,
        )
        providers[stripe.id] = stripe
    return list(providers.values())


def _instantiate(path: Path | None, index: int, entry: ProviderConfig) -> AbstractPaymentProvider:
    where = f"{path}: providers[{index}] ({entry.resolve})"
    if entry.resolve == "system":
        if entry.options:
            raise ConfigError(f"{where}: the system provider takes no options")
        return SystemPaymentProvider(config_id=entry.id)
    if entry.resolve == "stripe":
        from paymentgraph.modules.payment.providers.stripe import StripeProvider

        unknown = set(entry.options) - _STRIPE_OPTIONS
        if unknown:
            raise ConfigError(f"{where}: unknown option {sorted(unknown)[0]!r}")
        if not isinstance(entry.options.get("api_key"), str) or not entry.options["api_key"]:
            raise ConfigError(f"{where}: options.api_key is required")
        return StripeProvider(
            entry.options["api_key"],
            api_base=entry.options.get("api_base"),
            webhook_secret=entry.options.get("webhook_secret"),
            capture=bool(entry.options.get("capture", False)),
            config_id=entry.id,
        )
    cls = import_object(entry.resolve, where)
    if not (isinstance(cls, type) and issubclass(cls, AbstractPaymentProvider)):
        raise ConfigError(f"{where}: is not a subclass of AbstractPaymentProvider")
    try:
        return cls(config_id=entry.id, **entry.options)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def import_object(reference: str, where: str) -> Any:
    """``package.module:attribute`` (or a module path when there is no colon)."""
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{where}: cannot import {module_name}: {exc}") from None
    if not attribute:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"{where}: {module_name} has no {attribute}") from None
