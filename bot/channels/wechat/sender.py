"""Customer-service messages to one resident, within the platform's window and message budget.

The bot's late answers and the staff's replies draw on the same budget (5 messages per message the
resident sends, for 48 hours), so both go through here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.errors import WeChatApiError, WeChatUnavailable
from bot.channels.wechat.window import ContactWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendReport:
    sent: int
    wanted: int
    reason: str = ""  # why not everything was sent: "window", "quota", "rate_limited", "unavailable", "rejected"
    remaining: int | None = None

    @property
    def complete(self) -> bool:
        return self.sent == self.wanted


class WeChatSender:
    def __init__(self, api: WeChatApi, window: ContactWindow, clock: Callable[[], float] = time.time) -> None:
        self.api = api
        self.window = window
        self.clock = clock

    async def send_texts(self, openid: str, messages: list[str]) -> SendReport:
        """Send as many of ``messages`` as the budget allows, in order; never raises."""
        return await self._send(openid, [("text", m) for m in messages])

    async def send_voices(self, openid: str, media_ids: list[str]) -> SendReport:
        """Send uploaded voice clips, in order, within the same budget as text."""
        return await self._send(openid, [("voice", m) for m in media_ids])

    async def _send(self, openid: str, messages: list[tuple[str, str]]) -> SendReport:
        now = self.clock()
        granted = await self.window.reserve(openid, len(messages), now)
        if granted == 0:
            return SendReport(sent=0, wanted=len(messages), reason="window", remaining=0)
        sent = 0
        reason = "" if granted == len(messages) else "quota"
        for kind, message in messages[:granted]:
            try:
                if kind == "voice":
                    await self.api.send_voice(openid, message)
                else:
                    await self.api.send_text(openid, message)
            except WeChatApiError as error:
                reason = self._reason(error)
                if error.window_closed or error.quota_exceeded:
                    await self.window.close(openid)
                else:
                    await self.window.give_back(openid, granted - sent, now)
                log.warning("wechat send refused errcode=%s sent=%d of %d", error.errcode, sent, len(messages))
                break
            except WeChatUnavailable:
                await self.window.give_back(openid, granted - sent, now)
                reason = "unavailable"
                log.warning("wechat api unreachable sent=%d of %d", sent, len(messages))
                break
            sent += 1
        status = await self.window.status(openid, self.clock())
        return SendReport(sent=sent, wanted=len(messages), reason=reason, remaining=status.remaining)

    @staticmethod
    def _reason(error: WeChatApiError) -> str:
        if error.window_closed:
            return "window"
        if error.quota_exceeded:
            return "quota"
        if error.rate_limited:
            return "rate_limited"
        return "rejected"
