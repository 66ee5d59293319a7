"""Ticket queries for the agent workspace: prefetch clocks for a page, breaching-soon order, filters.

tickets = with_sla_clocks(Ticket.objects.for_list())      # + 1 query per page, whatever its size
tickets = breaching_soon(visible_tickets(user))           # running clocks first, soonest due first
tickets = breached(tickets) / at_risk(tickets)            # filters, combinable with any other
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from sla.models import SlaClock

# Where the badges find a ticket's clocks after with_sla_clocks().
PREFETCH_ATTR = "sla_open_clocks"


def open_clocks() -> QuerySet[SlaClock]:
    """Clocks not yet met: running, paused, or overdue."""
    return SlaClock.objects.filter(met_at__isnull=True)


def running_clocks() -> QuerySet[SlaClock]:
    """Clocks that can still fall due (the partial index slaclock_due_running holds exactly these)."""
    return SlaClock.objects.filter(met_at__isnull=True, breached_at__isnull=True, due_at__isnull=False)


def with_sla_clocks(tickets: QuerySet[Any]) -> QuerySet[Any]:
    """Prefetch each ticket's unmet clocks into ``ticket.sla_open_clocks`` in one query for the page."""
    return tickets.prefetch_related(
        Prefetch("sla_clocks", queryset=open_clocks().order_by("due_at", "pk"), to_attr=PREFETCH_ATTR)
    )


def breaching_soon(tickets: QuerySet[Any]) -> QuerySet[Any]:
    """Tickets with a running clock, the soonest due first (annotated ``sla_next_due``)."""
    next_due = running_clocks().filter(ticket=OuterRef("pk")).order_by("due_at").values("due_at")[:1]
    return (
        tickets.filter(Exists(running_clocks().filter(ticket=OuterRef("pk"))))
        .annotate(sla_next_due=Subquery(next_due))
        .order_by("sla_next_due", "pk")
    )


def breached(tickets: QuerySet[Any], *, now: dt.datetime | None = None) -> QuerySet[Any]:
    """Tickets with a clock past its due time and still unmet (whether or not the sweeper got to it)."""
    now = now or timezone.now()
    return tickets.filter(Exists(open_clocks().filter(ticket=OuterRef("pk"), due_at__lte=now)))


def at_risk(tickets: QuerySet[Any], *, now: dt.datetime | None = None) -> QuerySet[Any]:
    """Tickets with a clock past its warning time but not yet due: the ones to pick up now."""
    now = now or timezone.now()
    return tickets.filter(
        Exists(
            open_clocks().filter(
                ticket=OuterRef("pk"), warn_at__lte=now, due_at__gt=now, paused_at__isnull=True
            )
        )
    )
