"""Staff replies and notices to web chat residents: stored in the outbox (the record), then the resident's
open pages are woken to show them. Staff are told which of the two happened."""

from __future__ import annotations

from bot.cases.types import CaseDetail
from bot.channels.web.live import LivePages
from bot.outbox import Outbox
from bot.staff.delivery import DeliveryResult, Reach

SHOWN_LIVE = "居民正开着对话页面，回复马上就会显示出来。"
KEPT_FOR_LATER = "居民现在没有打开对话页面。回复已经存好，居民下次打开时会看到。"


class WebDelivery:
    """The staff API's ``ReplyDelivery`` for the ``web`` channel."""

    def __init__(self, outbox: Outbox, live: LivePages) -> None:
        self._outbox = outbox
        self._live = live

    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        return await self.notify(case.summary.channel, case.user_ref, text)

    async def notify(self, channel: str, user_ref: str, text: str, *, mode: str = "text") -> DeliveryResult:
        # The notice joins the conversation as text (already in words for the ear for a voice resident);
        # the web chat does not speak it yet.
        stored = await self._outbox.notify(channel, user_ref, text)
        if not stored.ok:
            return stored
        await self._live.ring(user_ref)
        return DeliveryResult(ok=True, detail=SHOWN_LIVE if await self._live.is_open(user_ref) else KEPT_FOR_LATER)

    async def reach(self, channel: str, user_ref: str) -> Reach:
        return await self._outbox.reach(channel, user_ref)
