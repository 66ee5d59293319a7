"""Small server-rendered SVG charts for the supervisor dashboard: no JavaScript, nothing from a CDN."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

ROW = 26
LABEL_WIDTH = 170
BAR_WIDTH = 260
VALUE_WIDTH = 50


def bar_chart(title: str, bars: Sequence[tuple[str, int]], *, highlight: Sequence[str] = ()) -> SafeString:
    """A horizontal bar chart, one labelled row per (label, value); labels in ``highlight`` are drawn red."""
    top = max((value for _label, value in bars), default=0) or 1
    height = ROW * max(len(bars), 1) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    rows = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="{}" y="17" text-anchor="end">{}</text>'
        '<rect x="{}" y="4" width="{}" height="18" class="{}"><title>{}: {}</title></rect>'
        '<text x="{}" y="17">{}</text></g>',
        (
            (
                index * ROW + 4,
                LABEL_WIDTH - 8,
                label,
                LABEL_WIDTH,
                round(BAR_WIDTH * value / top) if value else 0,
                "bar bar-alert" if label in highlight else "bar",
                label,
                value,
                LABEL_WIDTH + (round(BAR_WIDTH * value / top) if value else 0) + 6,
                value,
            )
            for index, (label, value) in enumerate(bars)
        ),
    )
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" '
        'width="{}" height="{}" viewBox="0 0 {} {}"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        rows,
    )


def column_chart(title: str, columns: Sequence[tuple[str, int]]) -> SafeString:
    """Vertical columns (e.g. breaches per hour of today), labels under every third column."""
    count = max(len(columns), 1)
    step = 18
    chart_height = 120
    top = max((value for _label, value in columns), default=0) or 1
    width = step * count + 10
    height = chart_height + 30
    cols = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar"><title>{}: {}</title></rect>{}',
        (
            (
                5 + index * step,
                chart_height - round(chart_height * value / top),
                step - 4,
                round(chart_height * value / top),
                label,
                value,
                format_html(
                    '<text x="{}" y="{}" font-size="10">{}</text>', 5 + index * step, chart_height + 14, label
                )
                if index % 3 == 0
                else "",
            )
            for index, (label, value) in enumerate(columns)
        ),
    )
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" '
        'width="{}" height="{}" viewBox="0 0 {} {}"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        cols,
    )
