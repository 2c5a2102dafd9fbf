"""The dashboard page (统计): supervisors and admins only, charts a screen reader can read, and the same
numbers in tables."""

from __future__ import annotations

import re

import pytest

from tests.bot.staff.console.conftest import Console


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """These pages and forms run on SQLite only, to keep the suite quick:
    the figures' SQL runs on both in tests/bot/staff/dashboard."""
    return sqlite_database_url


async def test_an_agent_is_refused_the_dashboard(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    response = await console.client.get("/staff/stats")
    assert response.status == 403
    assert "没有这个页面的权限" in await response.text()


async def test_a_supervisor_sees_charts_with_title_description_and_a_table(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.new_case("k1")
    await console.new_case("k2", team="hotline", urgent=True)
    await console.login("sara")
    response = await console.client.get("/staff/stats")
    page = await response.text()
    assert response.status == 200
    assert "<h1>统计</h1>" in page
    assert "共 2 件申请" in page
    svg = re.search(r'<svg class="chart"[^>]*aria-labelledby="by-service-title by-service-desc"', page)
    assert svg is not None
    assert '<title id="by-service-title">按服务分的申请</title>' in page
    assert '<desc id="by-service-desc">这段时间按服务分，共 2 件，最多的是重度残疾人护理补贴，2 件。</desc>' in page
    assert '<th scope="row">重度残疾人护理补贴</th><td>2 件</td>' in page
    assert "这段时间有紧急案件 1 件，超过认领时限（15 分钟）才认领或还没认领的 0 件。" in page
    assert "规划目标进度" in page


async def test_a_period_that_is_not_a_date_is_answered_plainly(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.login("sara")
    response = await console.client.get("/staff/stats?from=yesterday")
    assert response.status == 400
    assert "日期格式不对" in await response.text()
    response = await console.client.get("/staff/stats?from=2026-11-30&to=2026-11-01")
    assert response.status == 400
    assert "开始日期不能晚于结束日期" in await response.text()


async def test_figures_are_kept_for_a_minute(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.login("sara")
    first = await (await console.client.get("/staff/stats")).text()
    assert "共 0 件申请" in first
    await console.new_case("k1")
    again = await (await console.client.get("/staff/stats")).text()
    assert "共 0 件申请" in again  # the same minute's figures
