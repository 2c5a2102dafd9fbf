"""The aiohttp application: health check and the staff API, wired to already-open services."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import hdrs, web

from bot.cases.retention import PersonalData
from bot.channels.web import add_chat
from bot.channels.wechat.webhook import add_routes as add_wechat_routes
from bot.escalation_job import keep_escalating
from bot.http_server import SERVER_HEADER
from bot.notice_sender import keep_sending
from bot.observability import http as metrics_http
from bot.observability import metrics, request_ids
from bot.profile_sync import keep_mirror_complete
from bot.proxies import TrustedProxies
from bot.retention_job import keep_erasing
from bot.security.secret import load_or_create_secret
from bot.services import Services
from bot.speech_status import speech_backlog_reader, speech_health
from bot.staff.api import create_staff_app
from bot.staff.audit import StaffAudit
from bot.staff.case_notices import staff_notices
from bot.staff.console import create_console_app
from bot.staff.dashboard.sealing_job import keep_sealing
from bot.staff.live import AnnouncingCaseStore, CaseFeed
from bot.staff.replies import load_replies
from bot.storage.db import check_database
from bot.storage.redis import check_redis
from bot.waiting_job import keep_closing

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)
HEALTH_TIMEOUT_SECONDS = 2.0


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    components: dict[str, dict[str, str]] = {}
    for name, check in (("redis", check_redis(services.redis)), ("database", check_database(services.engine))):
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                await check
            components[name] = {"state": "ok"}
        except Exception as error:  # a health check reports every failure, whatever its kind
            log.warning("health check failed component=%s error=%s", name, type(error).__name__)
            components[name] = {"state": "down", "detail": type(error).__name__}
    components["wechat"] = (
        {"state": "configured" if services.wechat.sender is not None else "receive-only"}
        if services.wechat.settings is not None
        else {"state": "disabled", "detail": "BOT_WECHAT_TOKEN unset: /wechat answers 503"}
    )
    components["speech"] = await speech_health(services.speech)
    components["redis"]["backend"] = "embedded" if services.settings.uses_embedded_redis else "redis"
    components["database"]["backend"] = (
        "sqlite" if "sqlite" in services.settings.effective_database_url else "postgresql"
    )
    healthy = all(c["state"] != "down" for c in components.values())
    return web.json_response(
        {"status": "ok" if healthy else "degraded", "process": os.getpid(), "components": components},
        status=200 if healthy else 503,
    )


async def _server_header(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers[hdrs.SERVER] = SERVER_HEADER


# Late answers still being sent at shutdown get this long; a case filed on the way is told by its notice.
SHUTDOWN_DRAIN_SECONDS = 15.0


def create_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=256 * 1024)
    app.on_response_prepare.append(_server_header)
    if services.settings.trusted_proxies:
        app.middlewares.append(TrustedProxies(services.settings.trusted_proxies).middleware)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz, allow_head=False)
    request_ids.install(app)
    metrics.set_enabled(services.settings.metrics)
    metrics_http.add_routes(app, services.engine, speech_backlog_reader(services.speech))
    add_wechat_routes(app, services.wechat)
    add_chat(app, services)

    async def finish_deliveries(_app: web.Application) -> None:
        await services.wechat.drain(SHUTDOWN_DRAIN_SECONDS)

    async def profile_copy(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        keeper = asyncio.create_task(keep_mirror_complete(services.profiles, services.profile_mirror, stop))
        yield
        stop.set()
        await keeper

    async def case_notices(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        sender = asyncio.create_task(keep_sending(services.notices, services.delivery, services.catalog, stop))
        yield
        stop.set()
        await sender

    async def retention(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        data = PersonalData(services.cases.sessionmaker, services.cases.cipher)
        audit = StaffAudit(services.cases.sessionmaker, services.cases.cipher)
        keep_for = timedelta(days=services.settings.retention_days)
        eraser = asyncio.create_task(keep_erasing(data, audit, keep_for, stop))
        yield
        stop.set()
        await eraser

    async def waiting_cases(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        notice = services.catalog.prompts.notice_closed_no_reply.text if services.settings.notify_residents else ""
        days = services.settings.waiting_close_days
        closer = asyncio.create_task(keep_closing(services.cases.sessionmaker, services.delivery, notice, days, stop))
        yield
        stop.set()
        await closer

    app.on_shutdown.append(finish_deliveries)
    app.cleanup_ctx.append(profile_copy)
    app.cleanup_ctx.append(waiting_cases)
    app.cleanup_ctx.append(case_notices)
    app.cleanup_ctx.append(retention)
    staff_api = create_staff_app(
        cases=services.cases,
        users=services.staff_users,
        sessions=services.staff_sessions,
        delivery=services.delivery,
        secure_cookies=False,
        notices=staff_notices(services.catalog.prompts) if services.settings.notify_residents else {},
        log_key=load_or_create_secret(services.settings)[0].encode("utf-8"),
        talk=services.staff_talk,
        replies=services.replies,
        audio=services.case_audio,
        canned_replies=load_replies(services.settings.effective_content_dir),
    )
    app.add_subapp("/staff/api", staff_api)
    # After the API, so that /staff/api/... is never taken for a console page.
    feed = services.cases.feed if isinstance(services.cases, AnnouncingCaseStore) else CaseFeed(None)
    app.add_subapp("/staff", create_console_app(staff_api, feed))

    async def close_feed(_app: web.Application) -> None:
        await feed.close()

    async def escalation(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        checker = asyncio.create_task(keep_escalating(services.cases.sessionmaker, feed, stop))
        yield
        stop.set()
        await checker

    async def sealing(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        sealer = asyncio.create_task(keep_sealing(services.cases.sessionmaker, stop))
        yield
        stop.set()
        await sealer

    app.cleanup_ctx.append(escalation)
    app.cleanup_ctx.append(sealing)
    app.on_cleanup.append(close_feed)
    return app
