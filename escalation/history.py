"""The SLA side of a ticket, read from the sla app for supervisors: its clocks, and breaches today."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from sla.models import SlaBreach, SlaClock
from tickets.models import Ticket


def sla_history(ticket: Ticket) -> QuerySet[SlaClock]:
    """Every clock the ticket has had (per target and cycle): when it started, was due, met, warned, breached."""
    return SlaClock.objects.filter(ticket=ticket).order_by("started_at", "pk")


def breaches_today_by_hour(now: dt.datetime | None = None) -> list[tuple[str, int]]:
    """SLA breaches recorded since local midnight, per local hour (0..current hour)."""
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hours = [0] * (now.hour + 1)
    for created in SlaBreach.objects.filter(created_at__gte=midnight, created_at__lte=now).values_list(
        "created_at", flat=True
    ):
        hours[timezone.localtime(created).hour] += 1
    return [(f"{hour:02d}", count) for hour, count in enumerate(hours)]
