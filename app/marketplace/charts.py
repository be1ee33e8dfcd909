"""Server-rendered SVG bar charts: plain markup, no script, no external service.

Every bar carries its label and value as data attributes and a <title>, so screen readers, tests and
people hovering all read the same figures the bars are drawn from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

ROW_HEIGHT, BAR_HEIGHT, LABEL_WIDTH, VALUE_WIDTH, TOP = 28, 18, 190, 230, 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # what the bar's length is drawn from; never negative
    shown: str = ""  # how the value reads beside the bar; defaults to the number


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def bar_chart(title: str, bars: Sequence[Bar], *, width: int = 720, chart_id: str = "chart") -> str:
    """A horizontal bar chart as an <svg> element; bars are scaled to the largest value."""
    safe_id = "".join(ch for ch in chart_id if ch.isalnum() or ch in "-_") or "chart"
    plot_width = width - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + ROW_HEIGHT * max(1, len(bars))
    largest = max((bar.value for bar in bars), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{safe_id}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-labelledby="{safe_id}-title">',
        f'<title id="{safe_id}-title">{escape(title)}</title>',
    ]
    if not bars:
        parts.append(f'<text x="0" y="{TOP + BAR_HEIGHT}" class="chart-empty">No data yet</text>')
    for index, bar in enumerate(bars):
        value = max(0.0, float(bar.value))
        length = round(plot_width * value / largest, 1) if largest > 0 else 0
        y = TOP + index * ROW_HEIGHT
        shown = bar.shown or _number(value)
        label = escape(bar.label)
        parts.append(
            f'<g class="bar" data-label="{escape(bar.label, quote=True)}" data-value="{_number(value)}">'
            f"<title>{label}: {escape(shown)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 4}" text-anchor="end" class="chart-label">'
            f"{label}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + BAR_HEIGHT - 4}" class="chart-value">'
            f"{escape(shown)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
