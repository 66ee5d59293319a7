"""The SLA sweeper: records warnings and breaches of clocks whose time has come.

Shaped like healthchecks' sendalerts: read a bounded batch of candidate ids from a partial index, then
claim each row in its own short transaction (``select_for_update(skip_locked=True)`` on the ticket, then
the clock, on PostgreSQL so workers never wait on each other or on an agent's change, plus a conditional
UPDATE that checks the row count, which is what makes it correct on SQLite too). The SlaWarning / SlaBreach unique constraint is the last guard: an
IntegrityError means another worker already recorded it. A ticket whose processing raises is logged and
rolled back (so the next sweep retries it) and the sweep goes on with the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from escalation import hooks
from sla.models import SlaBreach, SlaClock, SlaWarning
from tickets.actions import record_event
from tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    skipped: int = 0  # another worker had it, or it was recorded already
    failed: int = 0
    candidates: int = 0

    def add(self, other: SweepResult) -> None:
        for name in ("warned", "breached", "skipped", "failed", "candidates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def sweep(*, now: dt.datetime | None = None, batch: int | None = None) -> SweepResult:
    """One pass: at most ``batch`` warnings and ``batch`` breaches."""
    now = now or timezone.now()
    batch = batch or settings.SLA_SWEEP_BATCH
    result = SweepResult()
    warn_ids = list(
        SlaClock.objects.filter(
            warn_at__lte=now, warned_at__isnull=True, breached_at__isnull=True, met_at__isnull=True
        )
        .order_by("warn_at")
        .values_list("pk", "ticket_id")[:batch]
    )
    due_ids = list(
        SlaClock.objects.filter(due_at__lte=now, breached_at__isnull=True, met_at__isnull=True)
        .order_by("due_at")
        .values_list("pk", "ticket_id")[:batch]
    )
    result.candidates = len(warn_ids) + len(due_ids)
    for clock_id, ticket_id in warn_ids:
        _run(_warn, clock_id, ticket_id, now, result, "warned")
    for clock_id, ticket_id in due_ids:
        _run(_breach, clock_id, ticket_id, now, result, "breached")
    return result


def sweep_until_done(*, max_seconds: float | None = None, batch: int | None = None) -> SweepResult:
    """Sweep batch after batch while full batches keep coming, within ``max_seconds``: cost follows what
    is due, and a burst (10,000 clocks falling due at once) is cleared by one run."""
    max_seconds = settings.SLA_SWEEP_MAX_SECONDS if max_seconds is None else max_seconds
    batch = batch or settings.SLA_SWEEP_BATCH
    deadline = time.monotonic() + max_seconds
    total = SweepResult()
    while True:
        result = sweep(batch=batch)
        total.add(result)
        progressed = result.warned + result.breached + result.skipped
        if result.candidates < batch or not progressed or time.monotonic() >= deadline:
            return total


def _run(
    handler: Callable[[int, int, dt.datetime], bool],
    clock_id: int,
    ticket_id: int,
    now: dt.datetime,
    result: SweepResult,
    counter: str,
) -> None:
    try:
        done = handler(clock_id, ticket_id, now)
    except Exception:
        log.exception("SLA sweep: clock %s failed; it stays due and is retried on the next sweep.", clock_id)
        result.failed += 1
        return
    if done:
        setattr(result, counter, getattr(result, counter) + 1)
    else:
        result.skipped += 1


def _claim(
    clock_id: int, ticket_id: int, now: dt.datetime, stamp: str, **condition: object
) -> SlaClock | None:
    """Lock the ticket, then the clock, and set ``stamp`` (warned_at / breached_at) to ``now`` if the clock
    still qualifies; None when another worker or an action has it, or it was recorded already.

    The ticket is locked first, as tickets.actions does before it recomputes clocks: the same lock order
    everywhere, so a sweeper and an agent's change never deadlock; skip_locked leaves a ticket that is
    being changed to the next sweep.
    """
    ticket = Ticket.objects.select_for_update(skip_locked=True, no_key=True).filter(pk=ticket_id).first()
    if ticket is None:
        return None
    clock = (
        SlaClock.objects.select_for_update(skip_locked=True)
        .filter(pk=clock_id, ticket_id=ticket_id, met_at__isnull=True, breached_at__isnull=True, **condition)
        .first()
    )
    if clock is None:
        return None
    claimed = SlaClock.objects.filter(
        pk=clock_id, met_at__isnull=True, breached_at__isnull=True, **condition
    ).update(**{stamp: now})
    if claimed != 1:
        return None
    clock.ticket = ticket
    return clock


@transaction.atomic
def _warn(clock_id: int, ticket_id: int, now: dt.datetime) -> bool:
    clock = _claim(clock_id, ticket_id, now, "warned_at", warn_at__lte=now, warned_at__isnull=True)
    if clock is None:
        return False
    if clock.due_at is not None and clock.due_at <= now:
        return False  # already due as well: the breach says it all, a warning now is noise
    try:
        with transaction.atomic():
            warning = SlaWarning.objects.create(
                ticket_id=clock.ticket_id,
                clock=clock,
                target=clock.target,
                name=clock.name,
                cycle=clock.cycle,
                due_at=clock.due_at or now,
                created_at=now,
            )
    except IntegrityError:
        return False
    record_event(
        clock.ticket,
        TicketEvent.Kind.SLA,
        after=_event_data("warning", clock),
        at=now,
    )
    hooks.sla_warning(ticket_id=clock.ticket_id, target=clock.target, warning_id=warning.pk)
    return True


@transaction.atomic
def _breach(clock_id: int, ticket_id: int, now: dt.datetime) -> bool:
    clock = _claim(clock_id, ticket_id, now, "breached_at", due_at__lte=now)
    if clock is None or clock.due_at is None:
        return False
    try:
        with transaction.atomic():
            breach = SlaBreach.objects.create(
                ticket_id=clock.ticket_id,
                clock=clock,
                target=clock.target,
                name=clock.name,
                cycle=clock.cycle,
                due_at=clock.due_at,
                created_at=now,
            )
    except IntegrityError:
        return False
    record_event(
        clock.ticket,
        TicketEvent.Kind.SLA,
        after=_event_data("breach", clock),
        at=now,
    )
    hooks.sla_breached(ticket_id=clock.ticket_id, target=clock.target, breach_id=breach.pk)
    return True


def _event_data(what: str, clock: SlaClock) -> dict[str, object]:
    """The timeline entry: {"sla": "warning" | "breach", "target", "name", "cycle", "due_at"}."""
    return {
        "sla": what,
        "target": clock.target,
        "name": clock.name,
        "cycle": clock.cycle,
        "due_at": clock.due_at.isoformat() if clock.due_at is not None else None,
    }
