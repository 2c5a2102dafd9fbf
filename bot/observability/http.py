"""``GET /metrics``: the Prometheus text exposition, with the case counts read from SQL at scrape time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.models import CaseRow
from bot.observability import metrics

log = logging.getLogger(__name__)

ENGINE = web.AppKey("metrics_engine", AsyncEngine)
# The speech workers' streams and their live slots, when speech workers are used.
SpeechBacklog = Callable[[], Awaitable[tuple[list[metrics.SpeechStream], int]]]
SPEECH_BACKLOG: web.AppKey[SpeechBacklog] = web.AppKey("metrics_speech_backlog")
COUNT_TIMEOUT_SECONDS = 1.0  # a slow database must not hold the scrape past Prometheus's own timeout


async def count_cases_by_status(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(CaseRow.status, func.count()).group_by(CaseRow.status))
        return {str(status): int(count) for status, count in rows}


async def serve_metrics(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(COUNT_TIMEOUT_SECONDS):
            counts = await count_cases_by_status(request.app[ENGINE])
    except Exception as error:  # the rest of the metrics are worth more than the case counts
        log.warning("metrics: cases not counted: %s", type(error).__name__)
    else:
        metrics.set_cases_by_status(counts)
    if (speech_backlog := request.app.get(SPEECH_BACKLOG)) is not None:
        try:
            async with asyncio.timeout(COUNT_TIMEOUT_SECONDS):
                streams, workers = await speech_backlog()
        except Exception as error:
            log.warning("metrics: speech streams not read: %s", type(error).__name__)
        else:
            metrics.set_speech_streams(streams, workers)
    response = web.Response(body=metrics.exposition())
    response.headers["Content-Type"] = metrics.CONTENT_TYPE
    response.headers["Cache-Control"] = "no-store"
    return response


def add_routes(app: web.Application, engine: AsyncEngine, speech_backlog: SpeechBacklog | None = None) -> None:
    """Serve ``/metrics`` unless ``BOT_METRICS=off``."""
    if not metrics.is_enabled():
        return
    app[ENGINE] = engine
    if speech_backlog is not None:
        app[SPEECH_BACKLOG] = speech_backlog
    app.router.add_get("/metrics", serve_metrics, allow_head=False)
