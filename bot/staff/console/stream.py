"""Server-Sent Events: each open console page hears the case changes of the teams its user may see."""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import web

from bot.staff.console import present
from bot.staff.console.guard import SECURITY_HEADERS
from bot.staff.console.pages import Refusal, current_user, visible_teams
from bot.staff.live import CaseChange, CaseFeed

FEED = web.AppKey("console_feed", CaseFeed)
CLOSING = web.AppKey("console_closing", asyncio.Event)
HEARTBEAT_SECONDS = 20.0


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
    if change.kind == "escalated":
        return f"紧急案件 {change.case_id} 号超过 15 分钟没人认领，请主管安排。"
    return f"{change.case_id} 号案件有新动态。"


async def events(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    if user is None:
        raise Refusal(401, "请先登录。")
    visible = visible_teams(user)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **SECURITY_HEADERS})
    closing = request.app[CLOSING]
    async with request.app[FEED].subscribe() as changes:
        await response.prepare(request)
        # Reconnect after 3 s if the connection drops (e.g. a worker restarts).
        await response.write(b"retry: 3000\n\n")
        quiet = 0.0
        while not closing.is_set():
            try:
                # Short waits, so that a shutting-down server ends the stream within a second.
                change = await asyncio.wait_for(changes.get(), timeout=1.0)
            except TimeoutError:
                quiet += 1.0
                if quiet >= HEARTBEAT_SECONDS:
                    quiet = 0.0
                    await response.write(b": still here\n\n")
                continue
            if visible is not None and change.team not in visible:
                continue
            data = {
                "kind": change.kind,
                "case_id": change.case_id,
                "team": change.team,
                "status": change.status,
                "urgent": change.urgent,
                "message": describe(change),
            }
            payload = json.dumps(data, ensure_ascii=False)
            try:
                await response.write(f"event: case\ndata: {payload}\n\n".encode())
            except (ConnectionResetError, RuntimeError):
                break
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response
