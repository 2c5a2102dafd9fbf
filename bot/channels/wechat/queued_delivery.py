"""Staff replies that waited for the resident (``bot/reply_queue.py``) go out when the resident writes.

Any push that opens the customer-service window starts ``flush`` for its sender, next to the turn that
answers the push, so the waiting replies reach the resident first (the endpoint gives them a moment
before its passive answer). Each reply is sent as a customer-service message within the new window and
marked delivered only when WeChat accepted it; one the window or the platform refuses again waits for
the next push, in its place; one WeChat refuses for its content is marked failed for staff to see.
Each reply delivered or failed is announced to open staff consoles (``announce``), like any case change.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.cases.queued_replies import CLAIM_BATCH, QueuedReply
from bot.channels.wechat.staff_delivery import WeChatStaffDelivery
from bot.reply_queue import ReplyQueue
from bot.staff.delivery import DeliveryResult
from bot.storage.keys import UserKey

log = logging.getLogger(__name__)

CHANNEL = "wechat"
_FOR_GOOD = frozenset({"rejected", "partial"})  # sending again would not help, or would repeat a part

# (kind, case id): tell the open consoles; ``AnnouncingCaseStore.announce``.
Announce = Callable[[str, int], Awaitable[None]]


class QueuedDelivery:
    def __init__(self, queue: ReplyQueue, delivery: WeChatStaffDelivery, *, announce: Announce | None = None) -> None:
        self.queue = queue
        self.delivery = delivery
        self.announce = announce

    def marker_key(self, openid: str) -> str | None:
        """The Redis key saying whether replies wait for ``openid``, for the push's arrival to read in its own
        round trip (``ReplyQueue.marker_key``); None when it must be asked with ``flush``."""
        return self.queue.marker_key(UserKey(CHANNEL, openid))

    async def flush(self, openid: str, seen: bytes | None = None) -> int:
        """Send this resident's waiting replies, oldest first; how many WeChat accepted. Never raises.
        ``seen``: the marker as already read (``marker_key``); None to read it here."""
        try:
            return await self._flush(UserKey(CHANNEL, openid), seen)
        except Exception:  # a background task: the replies stay queued for the next push
            log.exception("queued staff replies not sent")
            return 0

    async def _flush(self, key: UserKey, seen: bytes | None) -> int:
        if seen is None:
            seen = await self.queue.seen(key)
        if seen is None:
            return 0
        store = self.queue.store
        sent = 0
        while True:
            batch = await store.claim(key.channel, key.user_id)
            outcomes = await self._send(batch)
            sent += sum(1 for outcome in outcomes if outcome)
            if not batch or len(batch) < CLAIM_BATCH or not all(outcomes):
                break
        await self.queue.settled(key, seen)
        if sent:
            log.info("queued staff replies delivered count=%d", sent)
        return sent

    async def _send(self, batch: list[QueuedReply]) -> list[bool]:
        """Whether each was delivered; after the first that must wait again, the rest wait too."""
        store = self.queue.store
        texts = self.queue.texts
        outcomes: list[bool] = []
        waiting_reason = ""
        for reply in batch:
            if waiting_reason:
                await store.wait_again(reply, waiting_reason)
                outcomes.append(False)
                continue
            result = await self._try(reply)
            if result.ok:
                delivered = await store.delivered(reply, texts.delivered_later)
                outcomes.append(delivered)
                if delivered:
                    await self._announce("delivered", reply.case_id)
            elif result.code in _FOR_GOOD:
                if await store.failed(reply, texts.failed if result.code == "rejected" else result.detail):
                    await self._announce("delivery_failed", reply.case_id)
                outcomes.append(False)
            else:
                waiting_reason = result.code or "unavailable"
                await store.wait_again(reply, waiting_reason)
                outcomes.append(False)
        return outcomes

    async def _announce(self, kind: str, case_id: int) -> None:
        if self.announce is None:
            return
        try:
            await self.announce(kind, case_id)
        except Exception:  # the reply went out; only the consoles' live view misses it
            log.exception("queued staff reply: could not announce case %s", case_id)

    async def _try(self, reply: QueuedReply) -> DeliveryResult:
        try:
            return await self.delivery.send(reply.user_ref, reply.text, reply.mode)
        except Exception as error:  # Redis under the window or the token: the reply waits
            log.warning("queued staff reply not sent: %s", type(error).__name__)
            return DeliveryResult(ok=False, detail="", code="unavailable")
