"""Refusing state-changing staff requests that a browser sent on behalf of another site (CSRF).

The SameSite=Strict cookie keeps other *sites'* requests anonymous, but a page on a sibling subdomain is
the same site, and a bodiless POST (``claim``, ``queues/{team}/next``) needs no JSON to act. So, as Go's
``net/http.CrossOriginProtection`` does: a browser's ``Sec-Fetch-Site`` decides when sent (only
``same-origin``, or ``none`` for what the user did themself, pass); otherwise ``Origin`` must name this
very host; a request with neither came from no browser (curl, scripts) and carries no ambient risk.

The host is the request's ``Host``, or the ``X-Forwarded-Host`` of a trusted proxy (``bot/proxies.py``
puts it in place); a client elsewhere cannot choose the host it is compared with.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_cross_origin(request: web.Request) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in _ALLOWED_FETCH_SITES
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return not _same_host(origin, request.host)


def _same_host(origin: str, host: str) -> bool:
    try:
        parts = urlsplit(origin.strip())
        origin_port = parts.port
        request_host = urlsplit(f"//{host}")
        request_port = request_host.port
    except ValueError:
        return False  # "null", a malformed port: not this host
    default = _DEFAULT_PORTS.get(parts.scheme.lower())
    if default is None or not parts.hostname or request_host.hostname is None:
        return False
    return (parts.hostname, origin_port or default) == (request_host.hostname, request_port or default)
