"""Server-Sent Events: each open console page hears the case changes of the teams its user may see.

A change is rendered to its event bytes once per process and the same bytes go to every page; a page
writes everything that waited in one go. A page that fell too far behind (its connection stalled) gets
one ``reload`` event instead of the changes it missed, so nothing is lost silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json

from aiohttp import web

from bot.staff.console import present
from bot.staff.console.guard import SECURITY_HEADERS
from bot.staff.console.pages import Refusal, current_user, visible_teams
from bot.staff.dashboard import sla
from bot.staff.live import Batch, CaseChange, CaseFeed

FEED = web.AppKey("console_feed", CaseFeed)
CLOSING = web.AppKey("console_closing", asyncio.Event)
HEARTBEAT_SECONDS = 20.0
RELOAD_MESSAGE = "案件有很多变化，列表已重新载入。"
_RELOAD = (
    "event: reload\ndata: " + json.dumps({"kind": "reload", "message": RELOAD_MESSAGE}, ensure_ascii=False) + "\n\n"
).encode()


def describe(change: CaseChange) -> str:
    """The sentence a screen reader says for a change."""
    team = present.label(present.TEAM_LABELS, change.team)
    if change.kind == "created":
        return f"{'新的紧急案件' if change.urgent else '新案件'}：{change.case_id} 号，{team}。"
    if change.kind == "claimed":
        return f"{change.case_id} 号案件已被认领。"
    if change.kind == "transferred":
        return f"{change.case_id} 号案件转到了{team}。"
    if change.kind == "resolved":
        return f"{change.case_id} 号案件已办结。"
    if change.kind == "delivered":
        return f"{change.case_id} 号案件等待的回复已经送到居民。"
    if change.kind == "delivery_failed":
        return f"{change.case_id} 号案件有一条回复没能送到居民。"
    if change.kind == "resident_said":
        return f"{change.case_id} 号案件的居民发来了新消息。"
    if change.kind == "handed_back":
        return f"{change.case_id} 号案件的对话已交回给智能助手。"
    if change.kind == "escalated":
        within = present.duration(sla.urgent_claim_within(change.team))
        return f"紧急案件 {change.case_id} 号超过 {within}没人认领，请主管安排。"
    return f"{change.case_id} 号案件有新动态。"


@functools.lru_cache(maxsize=4096)
def encoded(change: CaseChange) -> bytes:
    """The event for ``change``, made once however many pages show it (equal changes, equal bytes)."""
    data = {
        "kind": change.kind,
        "case_id": change.case_id,
        "team": change.team,
        "status": change.status,
        "urgent": change.urgent,
        "message": describe(change),
    }
    return f"event: case\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def rendered(batch: Batch, visible: frozenset[str] | None) -> bytes:
    """What one page is sent for ``batch``: the changes of the teams it may see, or one reload."""
    if batch.lost:
        return _RELOAD
    return b"".join(encoded(change) for change in batch.changes if visible is None or change.team in visible)


async def events(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    if user is None:
        raise Refusal(401, "请先登录。")
    visible = visible_teams(user)
    teams = None if visible is None else frozenset(visible)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **SECURITY_HEADERS})
    closing = request.app[CLOSING]
    async with request.app[FEED].subscribe() as changes:
        await response.prepare(request)
        # Reconnect after 3 s if the connection drops (e.g. a worker restarts).
        await response.write(b"retry: 3000\n\n")
        quiet = 0.0
        while not closing.is_set():
            # Short waits, so that a shutting-down server ends the stream within a second.
            batch = await changes.take(wait=1.0)
            if not batch.changes and not batch.lost:
                quiet += 1.0
                if quiet >= HEARTBEAT_SECONDS:
                    quiet = 0.0
                    if not await _write(response, b": still here\n\n"):
                        break
                continue
            payload = rendered(batch, teams)
            if payload and not await _write(response, payload):
                break
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response


async def _write(response: web.StreamResponse, payload: bytes) -> bool:
    """False when the page has gone."""
    try:
        await response.write(payload)
    except (ConnectionResetError, RuntimeError):
        return False
    return True
