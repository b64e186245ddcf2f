"""Server-side request forgery guard: merchant webhooks go to the public internet only.

An admin (or whoever steals an admin key) could otherwise point an endpoint at the cloud's metadata
service (169.254.169.254), the database, or anything else listening on loopback or the private
network, and read the answers' status codes in ``deliveries``. A URL is refused when its host is, or
resolves to, any address that is not globally routable (loopback, link-local, private, shared, unspecified,
multicast, reserved). It is checked when an endpoint is created or its URL changed, and again at every
connection (:class:`CheckedNetworkBackend`): DNS may answer differently later, so the connection goes to
the very address that was checked. ``PAYMENTGRAPH_WEBHOOK_ALLOW_PRIVATE_URLS=true`` turns the guard off
(development, a receiver on localhost).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore

from paymentgraph.errors import InvalidData

ALLOW_SETTING = "PAYMENTGRAPH_WEBHOOK_ALLOW_PRIVATE_URLS"
MAX_URL_LENGTH = 2048
# A create or update waits at most this long for DNS (the resolver's own timeouts can be much longer).
RESOLVE_SECONDS = 5.0
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressRefused(Exception):
    """A webhook URL's host is, or resolves to, an address that is not on the public internet."""


def why_refused(address: IPAddress) -> str | None:
    """What kind of non-public address ``address`` is, or None when it is a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return why_refused(address.ipv4_mapped)
    kinds = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    )
    for kind, matches in kinds:
        if matches:
            return kind
    return None if address.is_global else "reserved"


def refusal(host: str, addresses: Iterable[IPAddress]) -> str | None:
    """The message refusing ``host`` when any of its addresses is not public (None when all are)."""
    for address in addresses:
        kind = why_refused(address)
        if kind is not None:
            where = f"{host} is" if host.strip("[]") == str(address) else f"{host} resolves to {address},"
            return (
                f"{where} a {kind} address: webhooks are sent only to public addresses. "
                f"For development, set {ALLOW_SETTING}=true to allow private ones."
            )
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (itself when it is an IP literal)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone
        if address not in found:
            found.append(address)
    return found


async def check_url(url: str, *, allow_private: bool) -> str:
    """``url`` if it may receive webhooks; INVALID_DATA (field ``url``) saying why not otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidData(f"url is longer than {MAX_URL_LENGTH} characters", field="url")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidData(f"url must be an http:// or https:// URL with a host, got {url!r}", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidData(f"url has an invalid port: {url!r}", field="url") from None
    if parts.username or parts.password:
        raise InvalidData("url must not carry a user name or password", field="url")
    if allow_private:
        return url.strip()
    host = parts.hostname
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            addresses = await resolve(host, port)
    except (OSError, TimeoutError) as exc:
        reason = f"no answer within {RESOLVE_SECONDS:g} s" if isinstance(exc, TimeoutError) else str(exc)
        raise InvalidData(f"the host of url ({host}) does not resolve: {reason}", field="url") from None
    message = refusal(host, addresses)
    if message is not None:
        raise InvalidData(message, field="url", setting=ALLOW_SETTING)
    return url.strip()


class CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to public addresses: resolves the host, checks every address, then connects to
    a checked one (so DNS cannot answer differently between the check and the connection). TLS still
    verifies the certificate against the URL's host name: only the TCP connection uses the address."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.inner = inner or httpcore.AnyIOBackend()

    # The parameters are httpcore's interface (its ``timeout`` is the connect timeout it passes on).
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:  # as httpx reports any other failure to connect
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from exc
        message = refusal(host, addresses)
        if message is not None:
            raise PrivateAddressRefused(message)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # resolve() returns at least one address or raises
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise PrivateAddressRefused("webhooks are never sent to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
