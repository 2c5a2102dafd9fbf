"""Bar charts drawn on the server as SVG: a title and a description a screen reader announces, plain
shapes and text (no script, no style attribute, so the console's strict CSP holds), and the same numbers
always in a data table beside the chart."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

_WIDTH = 640
_LABEL_WIDTH = 190
_VALUE_WIDTH = 90
_ROW = 30
_BAR = 20
_TOP = 8
_INK = "#1b1b1b"
_BAR_FILL = "#0b50a8"
_ALERT_FILL = "#a4001d"
_GOAL_FILL = "#6b7280"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as written beside the bar and in the table
    alert: bool = False  # drawn in red, and marked in the table
    goal: bool = False  # a target to compare with, drawn in grey


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    sentence: str  # what the chart shows, in one plain sentence: also the SVG's description
    label_heading: str
    value_heading: str
    bars: tuple[Bar, ...]

    @property
    def svg(self) -> Markup:
        return bar_chart(self)


def bar_chart(chart: Chart) -> Markup:
    """Horizontal bars, one per row, labelled on the left and valued on the right."""
    rows = max(1, len(chart.bars))
    height = _TOP * 2 + rows * _ROW
    room = _WIDTH - _LABEL_WIDTH - _VALUE_WIDTH
    top = max((bar.value for bar in chart.bars), default=0.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{chart.id}-title {chart.id}-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.id}-desc">{escape(chart.sentence)}</desc>',
    ]
    if not chart.bars:
        parts.append(f'<text x="0" y="{_TOP + 20}" fill="{_INK}" font-size="15">没有数据</text>')
    for index, bar in enumerate(chart.bars):
        y = _TOP + index * _ROW
        length = 0.0 if top <= 0 else max(0.0, bar.value) / top * room
        fill = _ALERT_FILL if bar.alert else _GOAL_FILL if bar.goal else _BAR_FILL
        label = bar.label if len(bar.label) <= 12 else bar.label[:11] + "…"
        text = f'y="{y + 15}" fill="{_INK}" font-size="15"'
        parts += [
            f'<text x="{_LABEL_WIDTH - 8}" {text} text-anchor="end">{escape(label)}</text>',
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{_BAR}" fill="{fill}"></rect>',
            f'<text x="{_LABEL_WIDTH + length + 6:.1f}" {text}>{escape(bar.shown)}</text>',
        ]
    parts.append("</svg>")
    # Every piece of text in it was escaped above; the rest is numbers and fixed names.
    return Markup("".join(parts))  # noqa: S704
