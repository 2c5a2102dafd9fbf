"""SVG bar charts: announced by title and description, text escaped, no style attributes (strict CSP)."""

from __future__ import annotations

from bot.staff.dashboard.charts import Bar, Chart


def test_a_chart_is_an_image_named_by_its_title_and_described_by_its_sentence() -> None:
    chart = Chart("c", "按服务分", "共 3 件。", "服务", "件数", (Bar("补贴", 2, "2 件"), Bar("康复", 1, "1 件")))
    svg = str(chart.svg)
    assert 'role="img" aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">按服务分</title><desc id="c-desc">共 3 件。</desc>' in svg
    assert svg.count("<rect") == 2
    assert "style=" not in svg


def test_labels_are_escaped_and_long_ones_shortened() -> None:
    chart = Chart("c", "<b>", "x", "a", "b", (Bar("<script>很长很长很长很长很长的名字", 1, "1"),))
    svg = str(chart.svg)
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;很长很…" in svg


def test_an_empty_chart_says_there_is_no_data() -> None:
    assert "没有数据" in str(Chart("c", "t", "d", "a", "b", ()).svg)


def test_bars_in_alert_are_red_and_goals_grey() -> None:
    svg = str(Chart("c", "t", "d", "a", "b", (Bar("x", 1, "1", alert=True), Bar("y", 2, "2", goal=True))).svg)
    assert 'fill="#a4001d"' in svg
    assert 'fill="#6b7280"' in svg
