"""Horizontal bar charts as geometry for an inline SVG template (templates/sla/_bar_chart.html).

No JavaScript and nothing from a CDN: the server computes every rectangle, the template draws them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sla.models import MEASURED_KINDS
from sla.reports import KIND_LABELS, Group

LABEL_WIDTH = 170
PLOT_WIDTH = 380
RIGHT_MARGIN = 60
ROW_HEIGHT = 26
TOP = 8
AXIS_HEIGHT = 22


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    height: float
    css: str
    colour: str
    text: str  # value printed after the bar
    title: str

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 4

    @property
    def text_y(self) -> float:
        return self.y + self.height - 1


@dataclass(frozen=True)
class Row:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    plot_x: int
    plot_width: int
    axis_y: float
    rows: list[Row]
    ticks: list[tuple[float, str]]
    legend: list[tuple[str, str]]  # (colour, text)

    @property
    def label_x(self) -> int:
        return self.plot_x - 8

    @property
    def axis_end(self) -> int:
        return self.plot_x + self.plot_width

    @property
    def tick_end(self) -> float:
        return self.axis_y + 4

    @property
    def tick_text_y(self) -> float:
        return self.axis_y + 16


def _nice_max(value: float, ticks: int = 4) -> float:
    """The smallest ``ticks`` × (1, 2, 2.5 or 5 × 10ⁿ) that reaches ``value``: round tick labels."""
    if value <= 0:
        return float(ticks)
    magnitude = 10 ** math.floor(math.log10(value / ticks))
    step = next(s * magnitude for s in (1, 2, 2.5, 5, 10) if value <= ticks * s * magnitude)
    return ticks * step


def _chart(
    title: str,
    labels: Sequence[str],
    series: list[tuple[str, str, list[float | None]]],  # (name, colour, values per label)
    *,
    maximum: float,
    fmt: Callable[[float], str],
    colour_for: Callable[[float], str] | None = None,
) -> Chart:
    bar_height = (ROW_HEIGHT - 8) / len(series)
    rows = []
    for index, label in enumerate(labels):
        top = TOP + index * ROW_HEIGHT
        bars = []
        for number, (name, colour, values) in enumerate(series):
            value = values[index]
            if value is None:
                continue
            shade = colour_for(value) if colour_for else colour
            bars.append(
                Bar(
                    y=top + 4 + number * bar_height,
                    width=max(1.0, PLOT_WIDTH * min(value, maximum) / maximum),
                    height=bar_height - 1,
                    css=name,
                    colour=shade,
                    text=fmt(value),
                    title=f"{label} — {name}: {fmt(value)}",
                )
            )
        rows.append(Row(label=label, label_y=top + ROW_HEIGHT / 2 + 4, bars=bars))
    if not any(row.bars for row in rows):
        rows = []  # the template says "no data" instead of empty rows
    axis_y = TOP + max(len(rows), 1) * ROW_HEIGHT
    ticks = [(LABEL_WIDTH + PLOT_WIDTH * i / 4, fmt(maximum * i / 4)) for i in range(5)]
    return Chart(
        title=title,
        width=LABEL_WIDTH + PLOT_WIDTH + RIGHT_MARGIN,
        height=int(axis_y + AXIS_HEIGHT),
        plot_x=LABEL_WIDTH,
        plot_width=PLOT_WIDTH,
        axis_y=axis_y,
        rows=rows,
        ticks=ticks,
        legend=[(colour, name) for name, colour, _values in series] if len(series) > 1 else [],
    )


def _compliance_colour(percent: float) -> str:
    if percent >= 90:
        return "#12b76a"
    if percent >= 75:
        return "#f79009"
    return "#d92d20"


KIND_COLOURS = {"first_response": "#12b76a", "next_response": "#2e90fa", "resolution": "#7a5af8"}


def compliance_chart(title: str, groups: list[Group]) -> Chart:
    """Met % per kind of target: one bar each for first response, next response and resolution (kinds
    nobody had in the period are left out)."""
    series = [
        (str(KIND_LABELS[kind]), KIND_COLOURS[kind], [g.met_percent(kind) for g in groups])
        for kind in MEASURED_KINDS
        if any(g.met_percent(kind) is not None for g in groups)
    ]
    return _chart(
        title,
        [g.label for g in groups],
        series or [(_("Met %"), "#12b76a", [None for _g in groups])],
        maximum=100,
        fmt=lambda v: f"{v:.0f}%",
        colour_for=_compliance_colour if len(series) == 1 else None,
    )


def times_chart(title: str, groups: list[Group], which: str) -> Chart:
    """Median and p90 business time of first response (``which="first_response"``) or resolution, in
    minutes when everything is under two hours, else in hours."""
    medians = [getattr(g, f"{which}_median") for g in groups]
    p90s = [getattr(g, f"{which}_p90") for g in groups]
    longest = max((v for v in [*medians, *p90s] if v is not None), default=0)
    unit = 60 if longest < 7200 else 3600

    def fmt(value: float) -> str:
        if unit == 60:
            return _("%(minutes)s min") % {"minutes": f"{value:.0f}"}
        return _("%(hours)s h") % {"hours": f"{value:.1f}"}

    return _chart(
        title,
        [g.label for g in groups],
        [
            (_("Median"), "#2e90fa", [None if v is None else v / unit for v in medians]),
            (_("90th percentile"), "#84caff", [None if v is None else v / unit for v in p90s]),
        ],
        maximum=_nice_max(longest / unit),
        fmt=fmt,
    )
