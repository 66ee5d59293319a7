"""The SLA side of a ticket, read for supervisors: its warnings and breaches, and breaches today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tickets.models import Ticket, TicketEvent


@dataclass(frozen=True)
class SlaEntry:
    at: dt.datetime
    kind: str
    target: str
    due: dt.datetime | None


def sla_history(ticket: Ticket) -> list[SlaEntry]:
    """SLA events on the ticket's timeline, oldest first."""
    entries = []
    for event in TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SLA).order_by(
        "created_at", "pk"
    ):
        after = event.after if isinstance(event.after, dict) else {}
        entries.append(
            SlaEntry(event.created_at, str(after.get("kind", "")), str(after.get("target", "")), None)
        )
    return entries


def breaches_today_by_hour(now: dt.datetime | None = None) -> list[tuple[str, int]]:
    """SLA breaches recorded since local midnight, per local hour (0..current hour)."""
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hours = [0] * (now.hour + 1)
    for created in TicketEvent.objects.filter(
        kind=TicketEvent.Kind.SLA, created_at__gte=midnight, after__kind="breach"
    ).values_list("created_at", flat=True):
        hours[timezone.localtime(created).hour] += 1
    return [(f"{hour:02d}", count) for hour, count in enumerate(hours)]
