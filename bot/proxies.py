"""Behind a reverse proxy: who the client is, and whether it came over HTTPS.

Behind nginx every request comes from the proxy's address, so the staff login throttle would count
every staff member's failures as one client's, and the session cookie could not tell that the browser
used HTTPS. When the connection comes from one of ``BOT_TRUSTED_PROXIES``, the client is found the way
nginx's realip module finds it (``real_ip_recursive on``): ``X-Forwarded-For`` read from the right,
skipping trusted proxies; the first other address is the client. Everything left of it was written by
the client and is ignored, so garbage there (Squid sends ``unknown``) does no harm. The scheme comes
from the last ``X-Forwarded-Proto`` value, the host (compared with a browser's ``Origin`` by the staff
API) from the last ``X-Forwarded-Host`` value. A request from anywhere else keeps its own address and
scheme whatever headers it sends.

(aiohttp-remotes does this too, but answers 400 to any entry that is not an address, including the
client-written ones, or demands an exact number of hops.)
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import hdrs, web

Network = IPv4Network | IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_FORWARDED_ENTRIES = 32  # more hops than any real chain; a longer header is read only this far
# A host name or address with an optional port, as a browser puts it in Host: nothing else is passed on.
_HOST = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


class TrustedProxies:
    """An aiohttp middleware (``.middleware``) that believes the forwarding headers of trusted proxies only."""

    def __init__(self, networks: Sequence[Network]) -> None:
        if not networks:
            raise ValueError("at least one trusted proxy network is needed")
        self._networks = tuple(networks)

    def trusts(self, address: IPv4Address | IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in self._networks)

    def client(self, peer: str | None, forwarded_for: Sequence[str]) -> str | None:
        """The client's address, or None when ``peer`` is not a trusted proxy (then it is the client)."""
        hop = _address(peer)
        if hop is None or not self.trusts(hop):
            return None
        entries = [entry for header in forwarded_for for entry in header.split(",")]
        for entry in reversed(entries[-MAX_FORWARDED_ENTRIES:]):
            address = _address(entry.strip())
            if address is None:
                break  # written by someone we do not trust: the last trusted hop is as far as we can see
            hop = address
            if not self.trusts(address):
                break
        return str(hop)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        peername = request.transport.get_extra_info("peername") if request.transport is not None else None
        client = self.client(
            peername[0] if isinstance(peername, tuple) else None, request.headers.getall(hdrs.X_FORWARDED_FOR, [])
        )
        if client is None:
            return await handler(request)
        scheme = request.headers.get(hdrs.X_FORWARDED_PROTO, "").rsplit(",", 1)[-1].strip().lower()
        host = request.headers.get(hdrs.X_FORWARDED_HOST, "").rsplit(",", 1)[-1].strip()
        return await handler(
            request.clone(
                remote=client,
                scheme=scheme if scheme in ("http", "https") else request.scheme,
                host=host if _HOST.fullmatch(host) else request.host,
            )
        )


def _address(text: str | None) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text or "")
    except ValueError:
        return None
