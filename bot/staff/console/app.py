"""The staff console: server-rendered pages at ``/staff/``, on the same stores and sessions as the staff
JSON API (whose application it is given), with live queue updates over Server-Sent Events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from jinja2 import Environment

from bot.cases.errors import CaseError
from bot.staff.api import SERVICES
from bot.staff.console import accounts, audit_page, case_extras, erase, pages, reports, stats
from bot.staff.console.guard import CsrfRefused, guard
from bot.staff.console.stream import CLOSING, FEED, events
from bot.staff.dashboard.cache import FiguresCache, shared_when_real
from bot.staff.dashboard.codec import dump_figures, load_figures
from bot.staff.live import CaseFeed
from bot.templating import html_templates

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def templates() -> Environment:
    return html_templates(_HERE / "templates")


@web.middleware
async def _refusals(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Refusals and unexpected failures become pages with a plain message, never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        messages = {404: "找不到这个页面。", 405: "不支持这种操作。", 413: "提交的内容太长。"}
        return await pages.refusal_page(request, error.status, messages.get(error.status, "请求有误。"))
    except (pages.Refusal, CsrfRefused, CaseError) as error:
        status, message = pages.refusal_of(error)
        return await pages.refusal_page(request, status, message)
    except Exception:
        log.exception("console: unexpected error in %s %s", request.method, request.path)
        try:
            return await pages.refusal_page(request, 500, "出了点问题，没有完成。请稍后再试。")
        except Exception:
            log.exception("console: could not draw the error page either")
            return web.Response(status=500, text="出了点问题，没有完成。请稍后再试。")


def create_console_app(staff_api: web.Application, feed: CaseFeed) -> web.Application:
    """Mount with ``app.add_subapp("/staff", create_console_app(staff_api, feed))`` after the API at
    ``/staff/api``; ``staff_api`` is the application ``create_staff_app`` made."""
    app = web.Application(
        middlewares=[guard(secure_cookies=staff_api[SERVICES].secure_cookies), _refusals],
        client_max_size=64 * 1024,
    )
    app[pages.STAFF_API] = staff_api
    app[pages.TEMPLATES] = templates()
    app[FEED] = feed
    app[CLOSING] = asyncio.Event()
    sessions = staff_api[SERVICES].sessions
    shared = shared_when_real(sessions.redis, f"{sessions.prefix}:dashboard-figures", dump_figures, load_figures)
    app[stats.FIGURES] = FiguresCache(shared=shared)

    async def stop_streams(_app: web.Application) -> None:
        app[CLOSING].set()

    app.on_shutdown.append(stop_streams)
    app.router.add_routes(
        [
            web.get("/", pages.index, allow_head=False),
            web.post("/login", pages.login),
            web.post("/logout", pages.logout),
            web.post("/claim-next", pages.claim_next),
            web.get("/cases/{id}", pages.show_case, allow_head=False),
            web.post("/cases/{id}/claim", pages.claim),
            web.post("/cases/{id}/reply", pages.reply),
            web.post("/cases/{id}/handback", pages.hand_back),
            web.post("/cases/{id}/transfer", pages.transfer),
            web.post("/cases/{id}/resolve", pages.resolve),
            web.post("/cases/{id}/reveal", pages.reveal_numbers),
            web.post("/cases/{id}/notes", case_extras.add_note),
            web.post("/cases/{id}/contact-preference", case_extras.set_contact_preference),
            web.get("/cases/{id}/erase", erase.erase_page, allow_head=False),
            web.post("/cases/{id}/erase", erase.erase),
            web.get("/events", events, allow_head=False),
            web.get("/help", pages.help_page, allow_head=False),
            web.get("/stats", stats.stats_page, allow_head=False),
            web.get("/reports", reports.report_page, allow_head=False),
            web.post("/export", reports.export),
            *accounts.routes(),
            web.get("/audit", audit_page.audit_page, allow_head=False),
        ]
    )
    app.router.add_static("/static", _HERE / "static", append_version=False)
    return app
