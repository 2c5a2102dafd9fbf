"""Staff replies to residents who came through WeChat: customer-service messages within the window."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.cases.types import CaseDetail
from bot.channels.wechat.sender import WeChatSender
from bot.channels.wechat.texts import split_long
from bot.channels.wechat.window import ContactWindow
from bot.staff.delivery import DeliveryResult, Reach

WINDOW_CLOSED = (
    "居民超过48小时没有发消息，或者本次可发的条数已经用完，微信不允许再发。请用电话、短信或上门等其他方式联系。"
)
NOT_CONFIGURED = "微信接口没有配置（BOT_WECHAT_APP_ID、BOT_WECHAT_APP_SECRET），回复已保存，没有发出。"
_REASONS = {
    "window": WINDOW_CLOSED,
    "quota": WINDOW_CLOSED,
    "rate_limited": "微信暂时限制发送，回复已保存，请稍后再试。",
    "unavailable": "暂时连不上微信，回复已保存，请稍后再试。",
    "rejected": "微信拒绝了这条消息，回复已保存。请换一种说法再试，或用其他方式联系。",
}


class WeChatStaffDelivery:
    def __init__(
        self, window: ContactWindow, sender: WeChatSender | None, clock: Callable[[], float] = time.time
    ) -> None:
        self.window = window
        self.sender = sender
        self.clock = clock

    async def reach(self, channel: str, user_ref: str) -> Reach:
        status = await self.window.status(user_ref, self.clock())
        if not status.can_send:
            return Reach(can_send=False, remaining=0, closes_at=None, reason=WINDOW_CLOSED)
        return Reach(can_send=True, remaining=status.remaining, closes_at=status.closes_at)

    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        if self.sender is None:
            return DeliveryResult(ok=False, detail=NOT_CONFIGURED)
        pieces = split_long(text)
        report = await self.sender.send_texts(case.user_ref, pieces)
        if report.complete:
            return DeliveryResult(ok=True, detail="已通过微信发给居民。", remaining=report.remaining)
        detail = _REASONS.get(report.reason, _REASONS["rejected"])
        if report.sent:
            detail = f"只发出了前{report.sent}段。" + detail
        return DeliveryResult(ok=False, detail=detail, remaining=report.remaining)
