"""SLA compliance over a period, per team, channel and category.

A clock counts in the period it started in. It is *finished* once met or once its due time passed; it was
*met* when met no later than its due time. Compliance is met / finished. Times are the business time
taken (pauses excluded) by met first-response and resolution clocks: median and 90th percentile.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from sla.models import SlaClock, TargetKind
from tickets.models import Category, Channel

DIMENSIONS = ("team", "channel", "category")


@dataclass
class Group:
    label: str
    finished: int = 0
    met: int = 0
    first_response: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)

    @property
    def met_percent(self) -> float | None:
        return 100 * self.met / self.finished if self.finished else None

    @property
    def first_response_median(self) -> float | None:
        return statistics.median(self.first_response) if self.first_response else None

    @property
    def first_response_p90(self) -> int | None:
        return percentile(self.first_response, 90)

    @property
    def resolution_median(self) -> float | None:
        return statistics.median(self.resolution) if self.resolution else None

    @property
    def resolution_p90(self) -> int | None:
        return percentile(self.resolution, 90)


def percentile(values: list[int], rank: int) -> int | None:
    """Nearest-rank percentile: a value that really occurred."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


@dataclass
class Report:
    start: dt.date
    end: dt.date
    total: Group
    groups: dict[str, list[Group]]  # dimension -> groups, by label


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of ``start`` to local midnight after ``end`` (the period includes ``end``)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


def compliance(start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> Report:
    """One query over the period's clocks, grouped in Python (medians are not portable SQL)."""
    now = now or timezone.now()
    since, until = period_bounds(start, end)
    rows = (
        SlaClock.objects.filter(started_at__gte=since, started_at__lt=until, ticket__merged_into__isnull=True)
        .values_list(
            "kind",
            "due_at",
            "met_at",
            "elapsed_seconds",
            "ticket__team__name",
            "ticket__channel",
            "ticket__category_id",
        )
        .iterator(chunk_size=5000)
    )
    categories = {c.pk: c.name for c in Category.objects.all()}
    channels = dict(Channel.choices)
    no_team, no_category = _("No team"), _("No category")
    total = Group(_("All tickets"))
    groups: dict[str, dict[str, Group]] = {dimension: {} for dimension in DIMENSIONS}
    for kind, due_at, met_at, elapsed, team, channel, category_id in rows:
        labels = {
            "team": team or no_team,
            "channel": str(channels.get(channel, channel)),
            "category": categories.get(category_id, no_category) if category_id else no_category,
        }
        targets = [total] + [groups[d].setdefault(labels[d], Group(labels[d])) for d in DIMENSIONS]
        finished = met_at is not None or (due_at is not None and due_at <= now)
        on_time = met_at is not None and due_at is not None and met_at <= due_at
        for group in targets:
            group.finished += finished
            group.met += on_time
            if met_at is not None and elapsed is not None:
                if kind == TargetKind.FIRST_RESPONSE:
                    group.first_response.append(elapsed)
                elif kind == TargetKind.RESOLUTION:
                    group.resolution.append(elapsed)
    return Report(
        start=start,
        end=end,
        total=total,
        groups={d: sorted(groups[d].values(), key=lambda g: g.label.lower()) for d in DIMENSIONS},
    )


def hours(seconds: float | None) -> str:
    """Business time for tables and CSV: hours with one decimal ("" when unknown)."""
    return "" if seconds is None else f"{seconds / 3600:.1f}"


def csv_rows(report: Report) -> list[list[str]]:
    header = [
        _("Dimension"),
        _("Group"),
        _("Finished clocks"),
        _("Met on time"),
        _("Met %"),
        _("First response median (business hours)"),
        _("First response p90 (business hours)"),
        _("Resolution median (business hours)"),
        _("Resolution p90 (business hours)"),
    ]
    names = {"total": _("Total"), "team": _("Team"), "channel": _("Channel"), "category": _("Category")}
    result = [header]
    for dimension, group_list in [("total", [report.total]), *report.groups.items()]:
        for group in group_list:
            percent = group.met_percent
            result.append(
                [
                    names[dimension],
                    group.label,
                    str(group.finished),
                    str(group.met),
                    "" if percent is None else f"{percent:.1f}",
                    hours(group.first_response_median),
                    hours(group.first_response_p90),
                    hours(group.resolution_median),
                    hours(group.resolution_p90),
                ]
            )
    return result
