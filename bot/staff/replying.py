"""A staff reply, from the staff API or the console: saved, then delivered, queued, or reported failed.

A reply is ``delivered`` only when the channel accepted it. One the channel cannot take now but can once
the resident writes again (WeChat: outside the 48-hour window, or this message's quota used) is kept in
the reply queue (``bot/reply_queue.py``) with its reason and goes out with the resident's next message;
staff are told so in plain words. Any other failure is recorded on the case as undelivered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.exceptions import RedisError

from bot.cases.errors import CaseConflict
from bot.cases.store import CaseStore
from bot.cases.types import StaffUser
from bot.reply_queue import ReplyQueue
from bot.staff.delivery import DeliveryResult, Reach, ReplyDelivery
from bot.staff.delivery_texts import QUEUE_REASONS
from bot.staff_talk import StaffTalk

log = logging.getLogger(__name__)

DELIVERED = "delivered"
QUEUED = "queued"
FAILED = "failed"
CANNOT_REACH = "现在无法通过这个渠道联系居民，请用其他方式联系。"


@dataclass(frozen=True)
class SentReply:
    event_id: int
    status: str  # delivered, queued or failed
    detail: str  # for staff, plain Chinese
    reason: str  # why not delivered: outside_window, quota, rejected…; empty when delivered
    remaining: int | None

    @property
    def delivered(self) -> bool:
        return self.status == DELIVERED


class Replier:
    def __init__(
        self,
        cases: CaseStore,
        delivery: ReplyDelivery,
        *,
        talk: StaffTalk | None = None,
        queue: ReplyQueue | None = None,
    ) -> None:
        self.cases = cases
        self.delivery = delivery
        self.talk = talk
        self.queue = queue

    async def reach(self, channel: str, user_ref: str) -> Reach:
        try:
            return await self.delivery.reach(channel, user_ref)
        except Exception:
            # Not knowing is not a refusal: the reply is tried and its delivery result recorded.
            log.exception("staff reply: reach check failed")
            return Reach(can_send=True, reason="无法确认能否送达")

    async def reply(self, case_id: int, *, staff: StaffUser, text: str, await_resident: bool = False) -> SentReply:
        """Save and send a reply. Raises ``CaseConflict('cannot_reach')`` only when the channel can neither
        send nor queue it (the case then records ``contact_required``)."""
        # Only someone who may reply learns whether the resident can be reached or leaves a trace of trying.
        await self.cases.check_may(case_id, staff=staff, action="reply")
        channel, user_ref = await self.cases.contact_of(case_id)
        reach = await self.reach(channel, user_ref)
        if not reach.can_send and not self._queues(reach.code):
            await self.cases.record_event(
                case_id, kind="contact_required", actor=staff.username, detail={"reason": reach.reason}
            )
            raise CaseConflict("cannot_reach", reach.reason or CANNOT_REACH)
        event = await self.cases.add_reply(case_id, staff=staff, text=text, await_resident=await_resident)
        await self.talk_opened(channel, user_ref)
        if reach.can_send:
            result = await self.deliver(case_id, staff, text)
        else:
            result = DeliveryResult(ok=False, detail=reach.reason, remaining=0, code=reach.code)
        if result.ok:
            await self.cases.record_delivery(case_id, event_id=event.id, ok=True, detail=result.detail)
            return SentReply(event.id, DELIVERED, result.detail, "", result.remaining)
        if self.queue is not None and self._queues(result.code):
            try:
                detail = await self.queue.queue(
                    case_id=case_id,
                    event_id=event.id,
                    channel=channel,
                    user_ref=user_ref,
                    text=text,
                    reason=result.code,
                )
            except RedisError as error:
                # Saved in SQL before Redis was asked: it waits, but the next push may not look for it.
                log.warning("queued reply without its marker: Redis (%s)", type(error).__name__)
                detail = self.queue.texts.for_queued(result.code)
            except Exception:
                log.exception("staff reply could not be queued case=%s", case_id)
            else:
                log.info("staff reply queued case=%s reason=%s", case_id, result.code)
                return SentReply(event.id, QUEUED, detail, result.code, result.remaining)
        await self.cases.record_delivery(case_id, event_id=event.id, ok=False, detail=result.detail)
        log.info("staff reply not delivered case=%s staff=%s", case_id, staff.username)
        return SentReply(event.id, FAILED, result.detail, result.code or "rejected", result.remaining)

    def _queues(self, code: str) -> bool:
        return self.queue is not None and code in QUEUE_REASONS

    async def deliver(self, case_id: int, staff: StaffUser, text: str) -> DeliveryResult:
        # The reply is already saved; whatever goes wrong from here on (reading the case back, a broken
        # channel adapter) must reach the staff as an undelivered reply, not as a 500.
        try:
            case = await self.cases.get(case_id, actor=staff.username)
            return await self.delivery.deliver(case, text)
        except Exception:
            log.exception("staff reply delivery raised for case %s", case_id)
            return DeliveryResult(ok=False, detail="发送出错，回复已保存，请稍后再试或电话联系", code="error")

    async def talk_opened(self, channel: str, user_ref: str) -> None:
        """From now on the resident's words go to this case (``bot/staff_talk.py``)."""
        if self.talk is None:
            return
        try:
            await self.talk.staff_replied(channel, user_ref)
        except RedisError as error:
            log.warning("resident's words will reach the assistant, not the case: Redis (%s)", type(error).__name__)
