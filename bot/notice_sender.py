"""Send case notices the conversation could not deliver, in every worker, until each has arrived once.

The notices themselves live in SQL (``bot/cases/notices.py``); this is the loop that claims the due ones
and sends them through the case's channel (WeChat's customer-service API, the terminal chat's outbox).
When Redis or the channel is down, a notice is tried again later with a growing delay, so the number
goes out once the stores are back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.cases.notices import NOTICE_FILED, DueNotice, NoticeStore
from bot.observability import metrics
from bot.staff.delivery import DeliveryResult, ReplyDelivery
from dialogs.schema import Catalog

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0


def notice_text(notice: DueNotice, catalog: Catalog) -> str:
    prompts = catalog.prompts
    prompt = prompts.notice_filed if notice.kind == NOTICE_FILED else prompts.notice_claimed
    service = catalog.services.get(notice.service)
    name = service.short_name if service is not None else ""
    return prompt.for_mode(notice.mode).replace("{service}", name).replace("{case_id}", str(notice.case_id))


async def send_due(notices: NoticeStore, delivery: ReplyDelivery, catalog: Catalog) -> int:
    """Send every notice due now; how many arrived."""
    arrived = 0
    for notice in await notices.claim_due():
        try:
            result = await delivery.notify(notice.channel, notice.user_ref, notice_text(notice, catalog))
        except Exception as error:  # a channel adapter that raises (Redis down under it) is a failed try
            result = DeliveryResult(ok=False, detail=f"发送出错（{type(error).__name__}）")
        if result.ok:
            await notices.sent(notice)
            arrived += 1
            log.info("case notice sent case=%s kind=%s", notice.case_id, notice.kind)
        elif await notices.not_sent(notice, result.detail):
            log.warning("case notice given up case=%s after %d tries", notice.case_id, notice.attempts)
        else:
            log.info("case notice not sent yet case=%s kind=%s try=%d", notice.case_id, notice.kind, notice.attempts)
    return arrived


async def keep_sending(
    notices: NoticeStore,
    delivery: ReplyDelivery,
    catalog: Catalog,
    stop: asyncio.Event,
    *,
    every: float = POLL_SECONDS,
) -> None:
    """Until ``stop`` is set: send what is due, then wait ``every`` seconds."""
    while not stop.is_set():
        try:
            await send_due(notices, delivery, catalog)
            metrics.set_outbox_backlog(await notices.backlog())
        except Exception as error:  # the database is down: the notices wait in it, nothing is lost
            log.warning("case notices not read: %s", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(every):
                await stop.wait()
