"""SLA compliance over a period, per team, channel and category, per kind of target.

A clock counts in the period it started in. It is *finished* once met or once its due time passed; it was
*met* when met no later than its due time. Compliance is met / finished, separately for first response,
next response and resolution (one mixed number said little: 15-minute chats and 2-day refunds differ).
Counts are grouped in SQL (one query per dimension); times are the business time taken (pauses
excluded) by met first-response and resolution clocks, median and 90th percentile, computed in Python
(percentiles are not portable SQL). Customer waits are no targets for agents and are left out.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sla.models import MEASURED_KINDS, SlaClock, TargetKind
from tickets.models import Category, Channel

DIMENSIONS = ("team", "channel", "category")
COLUMNS = {"team": "ticket__team__name", "channel": "ticket__channel", "category": "ticket__category_id"}
KIND_LABELS = {
    TargetKind.FIRST_RESPONSE: gettext_lazy("First response"),
    TargetKind.NEXT_RESPONSE: gettext_lazy("Next response"),
    TargetKind.RESOLUTION: gettext_lazy("Resolution"),
}


@dataclass
class Counts:
    finished: int = 0
    met: int = 0

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.finished if self.finished else None


@dataclass
class Group:
    label: str
    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in MEASURED_KINDS})
    first_response: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return sum(c.finished for c in self.counts.values())

    def met_percent(self, kind: str) -> float | None:
        return self.counts[kind].percent

    @property
    def first_response_met_percent(self) -> float | None:
        return self.met_percent(TargetKind.FIRST_RESPONSE)

    @property
    def next_response_met_percent(self) -> float | None:
        return self.met_percent(TargetKind.NEXT_RESPONSE)

    @property
    def resolution_met_percent(self) -> float | None:
        return self.met_percent(TargetKind.RESOLUTION)

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


def _clocks(since: dt.datetime, until: dt.datetime) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(
        started_at__gte=since,
        started_at__lt=until,
        ticket__merged_into__isnull=True,
        kind__in=MEASURED_KINDS,
    )


def compliance(start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> Report:
    """Counts per dimension and kind in SQL (4 queries), business times in one more."""
    now = now or timezone.now()
    since, until = period_bounds(start, end)
    clocks = _clocks(since, until)
    finished = Q(met_at__isnull=False) | Q(due_at__lte=now)
    on_time = Q(met_at__isnull=False, due_at__isnull=False, met_at__lte=F("due_at"))
    counted = {"finished": Count("pk", filter=finished), "met": Count("pk", filter=on_time)}
    categories = {c.pk: c.name for c in Category.objects.all()}
    channels = dict(Channel.choices)
    names = {
        "team": lambda value: value or _("No team"),
        "channel": lambda value: str(channels.get(value, value)),
        "category": lambda value: categories.get(value, _("No category")) if value else _("No category"),
    }
    total = Group(_("All tickets"))
    for row in clocks.values("kind").annotate(**counted).order_by():
        total.counts[row["kind"]] = Counts(row["finished"], row["met"])
    groups: dict[str, dict[str, Group]] = {dimension: {} for dimension in DIMENSIONS}
    for dimension in DIMENSIONS:
        column = COLUMNS[dimension]
        for row in clocks.values(column, "kind").annotate(**counted).order_by():
            label = names[dimension](row[column])
            group = groups[dimension].setdefault(label, Group(label))
            counts = group.counts[row["kind"]]  # two raw values may share a label ("No category")
            counts.finished += row["finished"]
            counts.met += row["met"]
    times = clocks.filter(
        met_at__isnull=False,
        elapsed_seconds__isnull=False,
        kind__in=[TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION],
    ).values_list("kind", "elapsed_seconds", *COLUMNS.values())
    for kind, elapsed, *values in times.iterator(chunk_size=5000):
        targets = [total] + [
            groups[d].setdefault(names[d](value), Group(names[d](value)))
            for d, value in zip(DIMENSIONS, values, strict=True)
        ]
        for group in targets:
            (group.first_response if kind == TargetKind.FIRST_RESPONSE else group.resolution).append(elapsed)
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
    header = [_("Dimension"), _("Group")]
    for kind in MEASURED_KINDS:
        label = str(KIND_LABELS[kind])
        header += [
            _("%(target)s: finished") % {"target": label},
            _("%(target)s: met on time") % {"target": label},
            _("%(target)s: met %%") % {"target": label},
        ]
    header += [
        _("First response median (business hours)"),
        _("First response p90 (business hours)"),
        _("Resolution median (business hours)"),
        _("Resolution p90 (business hours)"),
    ]
    names = {"total": _("Total"), "team": _("Team"), "channel": _("Channel"), "category": _("Category")}
    result = [header]
    for dimension, group_list in [("total", [report.total]), *report.groups.items()]:
        for group in group_list:
            row = [names[dimension], group.label]
            for kind in MEASURED_KINDS:
                counts = group.counts[kind]
                percent = counts.percent
                row += [str(counts.finished), str(counts.met), "" if percent is None else f"{percent:.1f}"]
            row += [
                hours(group.first_response_median),
                hours(group.first_response_p90),
                hours(group.resolution_median),
                hours(group.resolution_p90),
            ]
            result.append(row)
    return result
