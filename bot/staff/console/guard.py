"""The console's browser defences: a strict Content-Security-Policy and friends on every answer, and a
CSRF token on every form.

The token is a random value in a SameSite=Strict, HttpOnly cookie that each form repeats in a hidden field
(double submit); a POST whose field does not match, or whose Origin header names another site, is refused.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware

CSRF_COOKIE = "bot_staff_csrf"
CSRF_FIELD = "csrf"
CSRF_KEY = web.RequestKey("console_csrf", str)

# No inline script or style anywhere: every script and style sheet is a file the service serves.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",  # residents' voice messages (the staff API's audio)
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on the console's own forms.
    "Referrer-Policy": "same-origin",
    hdrs.CACHE_CONTROL: "no-store",
}

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CsrfRefused(Exception):
    """A form arrived without the page's token, or from another site."""


def csrf_token(request: web.Request) -> str:
    """The token this request's forms carry (the cookie's, or a fresh one the response will set)."""
    return request[CSRF_KEY]


async def check_csrf(request: web.Request) -> None:
    """Refuse a POST from another site or without the page's token; the form is read (and cached) here."""
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise CsrfRefused
    cookie = request.cookies.get(CSRF_COOKIE, "")
    form = await request.post()
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise CsrfRefused


def guard(*, secure_cookies: bool) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: _Handler) -> web.StreamResponse:
        existing = request.cookies.get(CSRF_COOKIE, "")
        fresh = not (16 <= len(existing) <= 100 and existing.isascii())
        request[CSRF_KEY] = secrets.token_urlsafe(32) if fresh else existing
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        if fresh and not response.prepared:
            response.set_cookie(
                CSRF_COOKIE,
                request[CSRF_KEY],
                path="/staff",
                httponly=True,
                samesite="Strict",
                secure=secure_cookies or request.secure,
            )
        return response

    return middleware
