"""Ticket queries for the agent workspace: prefetch clocks for a page, breaching-soon order, filters.

tickets = with_sla_clocks(Ticket.objects.for_list())      # + 1 query per page, whatever its size
tickets = breaching_soon(visible_tickets(user))           # running clocks first, soonest due first
tickets = with_running_clock(tickets)                     # the same tickets, unordered (to count them)
tickets = breached(tickets) / at_risk(tickets)            # filters, combinable with any other
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from sla.models import SlaClock, TargetKind

Rows = TypeVar("Rows", bound=QuerySet[Any, Any])

# Where the badges find a ticket's clocks after with_sla_clocks().
PREFETCH_ATTR = "sla_open_clocks"


def open_clocks() -> QuerySet[SlaClock]:
    """Clocks not yet met: running, paused, or overdue."""
    return SlaClock.objects.filter(met_at__isnull=True)


def shown_clocks(*, now: dt.datetime | None = None) -> QuerySet[SlaClock]:
    """What the badges show: open clocks, and customer waits still under way (their end is met_at)."""
    now = now or timezone.now()
    return SlaClock.objects.filter(Q(met_at__isnull=True) | Q(kind=TargetKind.WAIT, met_at__gt=now))


def customer_wait_until(ticket: Any, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the customer's wait ends (e.g. 15 minutes for a payment to go through), while it runs; None
    when the ticket has no wait, or it ended, or it is paused. For the acknowledgement and status page."""
    now = now or timezone.now()
    end: dt.datetime | None = (
        SlaClock.objects.filter(ticket=ticket, kind=TargetKind.WAIT, met_at__gt=now, due_at=F("met_at"))
        .order_by("-met_at")
        .values_list("met_at", flat=True)
        .first()
    )
    return end


def running_clocks() -> QuerySet[SlaClock]:
    """Clocks that can still fall due (the partial index slaclock_due_running holds exactly these)."""
    return SlaClock.objects.filter(met_at__isnull=True, breached_at__isnull=True, due_at__isnull=False)


def with_sla_clocks(tickets: Rows) -> Rows:
    """Prefetch each ticket's unmet clocks (and running waits) into ``ticket.sla_open_clocks`` in one query for the page."""
    return tickets.prefetch_related(
        Prefetch("sla_clocks", queryset=shown_clocks().order_by("due_at", "pk"), to_attr=PREFETCH_ATTR)
    )


def with_running_clock(tickets: Rows) -> Rows:
    """Tickets with a clock that can still fall due: the rows breaching_soon lists, unordered (to count)."""
    return tickets.filter(Exists(running_clocks().filter(ticket=OuterRef("pk"))))


def breaching_soon(tickets: Rows) -> Rows:
    """Tickets with a running clock, the soonest due first (annotated ``sla_next_due``).

    Each ticket is joined to its soonest running clock (no running clock of the same ticket comes
    before it), so the database can walk the partial index slaclock_due_running in due order and stop
    after a page, instead of working out every open ticket's next due time and sorting them all.
    """
    running = Q(
        sla_clocks__met_at__isnull=True,
        sla_clocks__breached_at__isnull=True,
        sla_clocks__due_at__isnull=False,
    )
    sooner = running_clocks().filter(
        Q(due_at__lt=OuterRef("sla_next_due"))
        | Q(due_at=OuterRef("sla_next_due"), pk__lt=OuterRef("sla_next_id")),
        ticket=OuterRef("pk"),
    )
    return (
        tickets.alias(
            sla_next=FilteredRelation("sla_clocks", condition=running), sla_next_id=F("sla_next__id")
        )
        .annotate(sla_next_due=F("sla_next__due_at"))
        .filter(sla_next_id__isnull=False)
        .filter(~Exists(sooner))
        .order_by("sla_next_due", "pk")
    )


def breached(tickets: Rows, *, now: dt.datetime | None = None) -> Rows:
    """Tickets with a clock past its due time and still unmet (whether or not the sweeper got to it)."""
    now = now or timezone.now()
    return tickets.filter(Exists(open_clocks().filter(ticket=OuterRef("pk"), due_at__lte=now)))


def at_risk(tickets: Rows, *, now: dt.datetime | None = None) -> Rows:
    """Tickets with a clock past its warning time but not yet due: the ones to pick up now."""
    now = now or timezone.now()
    return tickets.filter(
        Exists(
            open_clocks().filter(
                ticket=OuterRef("pk"), warn_at__lte=now, due_at__gt=now, paused_at__isnull=True
            )
        )
    )
