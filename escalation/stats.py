"""Numbers for the supervisor dashboard, each in one query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from escalation.models import Escalation, Level

# (label, at least this old, younger than this)
AGE_BUCKETS: list[tuple[Any, dt.timedelta | None, dt.timedelta | None]] = [
    (_("under 4 hours"), None, dt.timedelta(hours=4)),
    (_("4–24 hours"), dt.timedelta(hours=4), dt.timedelta(hours=24)),
    (_("1–2 days"), dt.timedelta(days=1), dt.timedelta(days=2)),
    (_("2–5 days"), dt.timedelta(days=2), dt.timedelta(days=5)),
    (_("over 5 days"), dt.timedelta(days=5), None),
]


def open_by_level() -> list[tuple[str, int]]:
    counts = dict(
        Escalation.objects.active().values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    return [(str(Level(level).label), counts.get(level, 0)) for level in Level.values]


def open_by_age(now: dt.datetime) -> list[tuple[str, int]]:
    aggregates = {}
    for index, (_label, older, younger) in enumerate(AGE_BUCKETS):
        condition = Q()
        if older is not None:
            condition &= Q(created_at__lte=now - older)
        if younger is not None:
            condition &= Q(created_at__gt=now - younger)
        aggregates[f"b{index}"] = Count("pk", filter=condition)
    counts = Escalation.objects.active().aggregate(**aggregates)
    return [(str(label), counts[f"b{index}"]) for index, (label, _o, _y) in enumerate(AGE_BUCKETS)]


def overdue(now: dt.datetime, *, limit: int = 50) -> tuple[int, list[Escalation]]:
    rows = Escalation.objects.overdue(now).for_queue().order_by("review_due", "pk")
    return rows.count(), list(rows[:limit])
