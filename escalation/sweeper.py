"""Escalations whose review fell due unacknowledged go up one level, once, however many sweepers run.

Model: healthchecks' sendalerts. A bounded batch of due rows; each row in its own transaction, locked
with SKIP LOCKED where the database has it, and claimed with a conditional UPDATE everywhere (SQLite);
the unique (ticket, reason, target, level) constraint stops a second next-level escalation regardless.
One failing row is logged and counted, and never stops the sweep; after MAX_FAILURES it is left for a
person (the queue still shows it overdue).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from escalation import actions
from escalation.models import CUSTOMER_REASONS, Escalation, EscalationStatus

log = logging.getLogger(__name__)
BATCH = 100
MAX_FAILURES = 5


def due(now: dt.datetime) -> list[int]:
    """Overdue, unacknowledged escalations whose ticket is still open (on a closed or merged ticket
    nothing climbs: see ended and docs/escalation.md)."""
    return list(
        Escalation.objects.filter(
            status=EscalationStatus.OPEN,
            overdue_handled_at__isnull=True,
            review_due__lte=now,
            sweep_failures__lt=MAX_FAILURES,
        )
        .on_open_tickets()
        .order_by("review_due", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def ended(batch: int = BATCH) -> list[int]:
    """Our own escalations (SLA, reopening, security, an agent's) still active on a closed or merged
    ticket: nothing is left to review. Those a customer asked for stay: they are owed a written answer."""
    return list(
        Escalation.objects.active()
        .on_closed_tickets()
        .exclude(reason__in=CUSTOMER_REASONS)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )


def sweep(*, now: dt.datetime | None = None) -> int:
    """Close up to BATCH ended escalations, then handle up to BATCH overdue ones; returns how many this
    call took further."""
    now = now or timezone.now()
    for pk in ended():
        try:
            actions.close_with_ticket(pk, now=now)
        except Exception:
            log.exception("Could not close escalation %s of a closed ticket; will try again.", pk)
    return sweep_rows(due(now), now=now)


def sweep_rows(ids: list[int], *, now: dt.datetime) -> int:
    """Handle the given candidates; rows another sweeper took meanwhile are skipped, not redone."""
    handled = 0
    for pk in ids:
        try:
            with transaction.atomic():
                if connection.features.has_select_for_update_skip_locked:
                    locked = Escalation.objects.select_for_update(skip_locked=True).filter(pk=pk).values("pk")
                    if not locked:
                        continue  # another sweeper is on it
                if actions.handle_overdue(pk, now=now):
                    handled += 1
        except Exception:
            log.exception("Could not escalate overdue escalation %s further; will try again.", pk)
            _count_failure(pk)
    return handled


def _count_failure(pk: int) -> None:
    try:
        Escalation.objects.filter(pk=pk).update(sweep_failures=F("sweep_failures") + 1)
    except Exception:  # the database itself is failing: the next sweep tries again
        log.exception("Could not record the failure of escalation %s.", pk)
