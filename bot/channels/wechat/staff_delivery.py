"""Staff replies to residents who came through WeChat: customer-service messages within the window."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.cases.types import CaseDetail
from bot.channels.wechat.sender import WeChatSender
from bot.channels.wechat.texts import split_long
from bot.channels.wechat.voice import VoiceIO
from bot.channels.wechat.window import ContactWindow
from bot.profiles import ProfileStore
from bot.staff.delivery import DeliveryResult, Reach
from dialogs.events import Reply

WINDOW_CLOSED = (
    "居民超过48小时没有发消息，或者本次可发的条数已经用完，微信不允许再发。请用电话、短信或上门等其他方式联系。"
)
NOT_CONFIGURED = "微信接口没有配置（BOT_WECHAT_APP_ID、BOT_WECHAT_APP_SECRET），回复已保存，没有发出。"
CHANNEL_NAME = "wechat"
# The sender's reasons (``sender.py``) as the staff side names them (``bot/staff/delivery.py``).
_CODES = {"window": "outside_window", "quota": "quota", "rate_limited": "rate_limited", "unavailable": "unavailable"}
_REASONS = {
    "window": WINDOW_CLOSED,
    "quota": WINDOW_CLOSED,
    "rate_limited": "微信暂时限制发送，回复已保存，请稍后再试。",
    "unavailable": "暂时连不上微信，回复已保存，请稍后再试。",
    "rejected": "微信拒绝了这条消息，回复已保存。请换一种说法再试，或用其他方式联系。",
}


class WeChatStaffDelivery:
    """Text always; for residents who asked for voice, the same words spoken as well."""

    def __init__(
        self,
        window: ContactWindow,
        sender: WeChatSender | None,
        *,
        voice: VoiceIO | None = None,
        profiles: ProfileStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.window = window
        self.sender = sender
        self.voice = voice
        self.profiles = profiles
        self.clock = clock

    async def reach(self, channel: str, user_ref: str) -> Reach:
        status = await self.window.status(user_ref, self.clock())
        if not status.can_send:
            # Within the 48 hours but nothing left (used up, or WeChat said so) is the quota; else the window.
            ends = await self.window.grant_ends(user_ref)
            code = "quota" if ends is not None and ends > self.clock() else "outside_window"
            return Reach(can_send=False, remaining=0, closes_at=None, reason=WINDOW_CLOSED, code=code)
        return Reach(can_send=True, remaining=status.remaining, closes_at=status.closes_at)

    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        return await self.send(case.user_ref, text, case.summary.mode)

    async def send(self, user_ref: str, text: str, case_mode: str) -> DeliveryResult:
        """A staff reply to ``user_ref``: text, and speech for a voice user (``case_mode`` when their
        profile is unknown)."""
        if self.sender is None:
            return DeliveryResult(ok=False, detail=NOT_CONFIGURED, code="not_configured")
        pieces = split_long(text)
        report = await self.sender.send_texts(user_ref, pieces)
        if report.complete:
            spoken = await self._speak(user_ref, case_mode, text)
            detail = "已通过微信发给居民。" + ("也发了语音。" if spoken else "")
            remaining = (await self.window.status(user_ref, self.clock())).remaining
            return DeliveryResult(ok=True, detail=detail, remaining=remaining)
        detail = _REASONS.get(report.reason, _REASONS["rejected"])
        # Part of a long reply already out: sending it again whole would repeat that part.
        code = _CODES.get(report.reason, "rejected") if not report.sent else "partial"
        if report.sent:
            detail = f"只发出了前{report.sent}段。" + detail
        return DeliveryResult(ok=False, detail=detail, remaining=report.remaining, code=code)

    async def notify(self, channel: str, user_ref: str, text: str, *, mode: str = "text") -> DeliveryResult:
        """The notice as text; for a voice resident (``mode`` when their profile is unknown) spoken as well."""
        if self.sender is None:
            return DeliveryResult(ok=False, detail=NOT_CONFIGURED)
        report = await self.sender.send_texts(user_ref, split_long(text))
        if report.complete:
            spoken = await self._speak(user_ref, mode, text)
            detail = "已通知居民。" + ("也发了语音。" if spoken else "")
            return DeliveryResult(ok=True, detail=detail, remaining=report.remaining)
        return DeliveryResult(ok=False, detail=_REASONS.get(report.reason, _REASONS["rejected"]))

    async def _speak(self, user_ref: str, case_mode: str, text: str) -> bool:
        if self.voice is None or self.sender is None or not self.voice.can_speak:
            return False
        profile = await self.profiles.get(CHANNEL_NAME, user_ref) if self.profiles is not None else None
        mode = profile.mode if profile is not None else case_mode
        if mode != "voice":
            return False
        rate = profile.speech_rate if profile is not None else 0
        report = await self.voice.speak(self.sender, user_ref, [Reply(text)], rate)
        return report.sent > 0
