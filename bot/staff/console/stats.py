"""The supervisors' dashboard page (``统计``): figures for a chosen period, cached for at most a minute."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bot.cases.types import StaffUser
from bot.staff.console.dashboard_view import build
from bot.staff.console.pages import Refusal, nav, render, require_user, services
from bot.staff.dashboard.cache import FiguresCache
from bot.staff.dashboard.figures import Figures, collect
from bot.staff.dashboard.period import BadPeriod, parse_period

FIGURES = web.AppKey("console_figures", FiguresCache[Figures])
SUPERVISING = frozenset({"admin", "supervisor"})


async def require_role(request: web.Request, roles: frozenset[str]) -> StaffUser:
    """The logged-in staff member, if their role is one of ``roles``; else the page is refused (403)."""
    user = await require_user(request)
    if user.role not in roles:
        raise Refusal(403, "你的账号没有这个页面的权限。")
    return user


async def stats_page(request: web.Request) -> web.StreamResponse:
    user = await require_role(request, SUPERVISING)
    now = datetime.now(UTC)
    try:
        period = parse_period(request.query.get("from"), request.query.get("to"), now)
    except BadPeriod as error:
        raise Refusal(400, str(error)) from None
    sessionmaker = services(request).cases.sessionmaker
    figures = await request.app[FIGURES].get(period.key(), lambda: collect(sessionmaker, period, now))
    return render(request, "stats.html", board=build(figures), period=period, **nav(request, user, "stats"))
