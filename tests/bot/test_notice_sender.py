"""The notice sender tells due case numbers through the case's channel, once, in plain words, and keeps
trying while the channel or Redis under it is down."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import utcnow
from bot.cases.notices import FIRST_TRY_AFTER, NoticeStore, retry_delay
from bot.cases.store import CaseStore
from bot.notice_sender import keep_sending, send_due
from bot.observability import metrics
from bot.staff.delivery import DeliveryResult
from dialogs.loader import load_catalog
from dialogs.schema import Catalog
from tests.bot.cases.factories import new_case
from tests.bot.observability.scrape import Scrape
from tests.bot.staff.fakes import RecordingDelivery
from tests.paths import CONTENT_DIR


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONTENT_DIR)


class Later:
    """The notices' clock, some time after the cases were filed."""

    def __init__(self, after: timedelta = FIRST_TRY_AFTER + timedelta(seconds=1)) -> None:
        self.after = after

    def __call__(self) -> datetime:
        return utcnow() + self.after


@pytest.fixture
def later() -> Later:
    return Later()


@pytest.fixture
def notices(sessionmaker: async_sessionmaker[AsyncSession], later: Later) -> NoticeStore:
    return NoticeStore(sessionmaker, clock=later)


async def test_a_due_number_is_told_once_in_plain_words(
    case_store: CaseStore, notices: NoticeStore, catalog: Catalog
) -> None:
    case_id, _ = await case_store.create(new_case(service="living-allowance", mode="text", user_ref="o6_zhang"))
    delivery = RecordingDelivery()

    assert await send_due(notices, delivery, catalog) == 1
    assert await send_due(notices, delivery, catalog) == 0

    ((user_ref, text),) = delivery.notices
    assert user_ref == "o6_zhang"
    assert text == f"您的生活补贴申请已经提交了，编号{case_id}。刚才系统忙，没能马上告诉您。有新消息会在这里告诉您。"


async def test_simple_mode_gets_the_short_form(case_store: CaseStore, notices: NoticeStore, catalog: Catalog) -> None:
    case_id, _ = await case_store.create(new_case(service="nursing-allowance", mode="simple"))
    delivery = RecordingDelivery()

    await send_due(notices, delivery, catalog)

    assert delivery.notices[0][1] == f"护理补贴申请已经提交了。编号{case_id}。"


async def test_a_channel_that_refuses_or_raises_is_tried_again_later(
    case_store: CaseStore, notices: NoticeStore, catalog: Catalog, later: Later
) -> None:
    case_id, _ = await case_store.create(new_case(service="living-allowance"))
    refusing = RecordingDelivery(result=DeliveryResult(ok=False, detail="暂时连不上微信"))
    assert await send_due(notices, refusing, catalog) == 0

    later.after += retry_delay(1)
    assert await send_due(notices, RaisingDelivery(), catalog) == 0

    later.after += retry_delay(2)
    working = RecordingDelivery()
    assert await send_due(notices, working, catalog) == 1
    assert len(working.notices) == 1
    assert await notices.status_of(case_id) == "sent"


@dataclass
class RaisingDelivery(RecordingDelivery):
    """A channel adapter whose Redis is down under it."""

    async def notify(self, channel: str, user_ref: str, text: str, *, mode: str = "text") -> DeliveryResult:
        raise ConnectionError("the channel's Redis is down")


async def test_the_sender_runs_until_told_to_stop(
    case_store: CaseStore, notices: NoticeStore, catalog: Catalog
) -> None:
    delivery = RecordingDelivery()
    stop = asyncio.Event()
    sender = asyncio.create_task(keep_sending(notices, delivery, catalog, stop, every=0.02))

    await case_store.create(new_case(service="living-allowance"))
    for _ in range(200):
        if delivery.notices:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(sender, 2)

    assert len(delivery.notices) == 1


async def _backlog_after_one_pass(notices: NoticeStore, delivery: RecordingDelivery, catalog: Catalog) -> float:
    stop = asyncio.Event()
    tries_before = len(delivery.notices)
    sender = asyncio.create_task(keep_sending(notices, delivery, catalog, stop, every=0.02))
    for _ in range(200):
        if len(delivery.notices) > tries_before:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # the pass ends by counting what is left
    stop.set()
    await asyncio.wait_for(sender, 2)
    return Scrape(metrics.exposition().decode()).value("bot_outbox_backlog")


async def test_each_pass_reports_the_notices_still_waiting_to_the_metrics(
    case_store: CaseStore, notices: NoticeStore, catalog: Catalog, later: Later
) -> None:
    metrics.set_enabled(True)
    await case_store.create(new_case(service="living-allowance", user_ref="o6_first"))
    await case_store.create(new_case(service="living-allowance", user_ref="o6_second"))

    refusing = RecordingDelivery(result=DeliveryResult(ok=False, detail="暂时连不上微信"))
    assert await _backlog_after_one_pass(notices, refusing, catalog) == 2

    later.after += retry_delay(1)
    assert await _backlog_after_one_pass(notices, RecordingDelivery(), catalog) == 0
