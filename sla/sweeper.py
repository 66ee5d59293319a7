"""The SLA sweeper: records warnings and breaches of clocks whose time has come, a batch at a time.

Shaped like healthchecks' sendalerts, in bulk. One batch is one short transaction:

1. candidates: up to ``batch`` (clock, ticket) ids from the partial index, soonest first, leaving out
   clocks that failed lately (``retry_at`` still ahead);
2. claim: lock their tickets, then the clocks, skipping rows someone else holds
   (``select_for_update(skip_locked=True)`` on PostgreSQL, tickets first as tickets.actions does, so a
   sweeper and an agent's change never deadlock; SQLite runs one writer at a time), the clocks re-checked
   under the lock, and stamp them with one UPDATE;
3. record: bulk-insert the SlaWarning / SlaBreach rows (ignore_conflicts: the unique constraint per ticket,
   target and cycle keeps each once, a clock recorded before is skipped) and their TicketEvents;
4. after commit: one task per new record (sla.tasks.hand_over_*) tells escalation (sla.handover). A record
   whose task was lost is queued again by the same sweep (``handover_due_at``).

A batch that raises is rolled back and retried clock by clock, so one failing clock costs only itself; it
then waits with a growing back-off (``retry_at``) and cannot hold up the clocks due after it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from sla import handover
from sla.models import SlaBreach, SlaClock, SlaWarning
from tickets.actions import record_events
from tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

# A failing clock is tried again after 1, 2, 4 … minutes, at most every MAX_RETRY_DELAY.
FIRST_RETRY_DELAY = dt.timedelta(minutes=1)
MAX_RETRY_DELAY = dt.timedelta(minutes=15)


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    skipped: int = 0  # another worker had it, or it was recorded already
    failed: int = 0
    candidates: int = 0
    requeued: int = 0  # records handed to escalation again (their task was lost or failed)

    def add(self, other: SweepResult) -> None:
        for name in ("warned", "breached", "skipped", "failed", "candidates", "requeued"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Kind:
    """What a sweep records: warnings (at warn_at) or breaches (at due_at)."""

    name: str
    time: str  # the clock column that says when
    stamp: str  # the clock column the sweeper sets
    model: type[SlaWarning] | type[SlaBreach]
    counter: str  # SweepResult field


WARNING = Kind("warning", "warn_at", "warned_at", SlaWarning, "warned")
BREACH = Kind("breach", "due_at", "breached_at", SlaBreach, "breached")


def qualifying(kind: Kind, now: dt.datetime) -> Q:
    """Clocks ``kind`` must still be recorded for (served by the partial indexes slaclock_*_running)."""
    condition = Q(**{f"{kind.time}__lte": now}, breached_at__isnull=True, met_at__isnull=True)
    return condition & Q(warned_at__isnull=True) if kind is WARNING else condition


def candidates(kind: Kind, now: dt.datetime) -> QuerySet[SlaClock]:
    """The sweep's candidate query, soonest first; clocks in back-off are left out."""
    return (
        SlaClock.objects.filter(qualifying(kind, now))
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .order_by(kind.time)
    )


def sweep(
    *, now: dt.datetime | None = None, batch: int | None = None, deadline: float | None = None
) -> SweepResult:
    """One pass: at most ``batch`` warnings, ``batch`` breaches and ``batch`` re-queued hand-overs.

    ``deadline`` (time.monotonic()) stops the clock-by-clock retry of a failed batch when reached.
    """
    now = now or timezone.now()
    batch = batch or settings.SLA_SWEEP_BATCH
    result = SweepResult()
    for kind in (WARNING, BREACH):
        ids = list(candidates(kind, now).values_list("pk", "ticket_id")[:batch])
        result.candidates += len(ids)
        if ids:
            _sweep_batch(kind, ids, now, result, deadline)
        if deadline is not None and time.monotonic() >= deadline:
            return result
    result.requeued = handover.requeue(now=now, batch=batch)
    return result


def sweep_until_done(*, max_seconds: float | None = None, batch: int | None = None) -> SweepResult:
    """Sweep batch after batch while full batches keep coming, within ``max_seconds``: cost follows what
    is due, and a burst (10,000 clocks falling due at once) is cleared by one run. The limit is checked
    between batches and inside the clock-by-clock retry of a failed batch; a batch takes well under a
    second (docs/PERFORMANCE.md §4)."""
    max_seconds = settings.SLA_SWEEP_MAX_SECONDS if max_seconds is None else max_seconds
    batch = batch or settings.SLA_SWEEP_BATCH
    deadline = time.monotonic() + max_seconds
    total = SweepResult()
    while True:
        result = sweep(batch=batch, deadline=deadline)
        total.add(result)
        progressed = result.warned + result.breached + result.skipped
        if result.candidates < batch or not progressed or time.monotonic() >= deadline:
            return total


def _sweep_batch(
    kind: Kind, ids: list[tuple[int, int]], now: dt.datetime, result: SweepResult, deadline: float | None
) -> None:
    try:
        with transaction.atomic():
            recorded = _claim_and_record(kind, ids, now)
    except Exception:
        log.exception(
            "SLA sweep: a batch of %d %s candidates failed; trying them one by one.", len(ids), kind.name
        )
    else:
        _count(kind, result, recorded, len(ids))
        return
    for pair in ids:
        if deadline is not None and time.monotonic() >= deadline:
            return
        try:
            with transaction.atomic():
                recorded = _claim_and_record(kind, [pair], now)
        except Exception:
            log.exception("SLA sweep: clock %s failed; it is tried again after a back-off.", pair[0])
            result.failed += 1
            _back_off(pair[0], now)
        else:
            _count(kind, result, recorded, 1)


def _count(kind: Kind, result: SweepResult, recorded: int, tried: int) -> None:
    setattr(result, kind.counter, getattr(result, kind.counter) + recorded)
    result.skipped += tried - recorded


def _claim_and_record(kind: Kind, ids: list[tuple[int, int]], now: dt.datetime) -> int:
    """Claim the clocks that still qualify, record them, and queue their hand-over after commit.

    Call inside a transaction. Returns how many records were written.
    """
    ticket_ids = {ticket_id for _clock_id, ticket_id in ids}
    if connection.features.has_select_for_update_skip_locked:
        ticket_ids = set(
            Ticket.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(pk__in=ticket_ids)
            .values_list("pk", flat=True)
        )
    clocks = list(
        SlaClock.objects.select_for_update(skip_locked=True)
        .filter(
            qualifying(kind, now), pk__in=[clock_id for clock_id, _ticket_id in ids], ticket_id__in=ticket_ids
        )
        .order_by("pk")
    )
    if not clocks:
        return 0
    SlaClock.objects.filter(pk__in=[c.pk for c in clocks]).update(
        **{kind.stamp: now}, sweep_attempts=0, retry_at=None
    )
    if kind is WARNING:
        # Already due as well: the breach says it all, a warning now is noise.
        clocks = [c for c in clocks if c.due_at is None or c.due_at > now]
    already = set(
        kind.model.objects.filter(ticket_id__in={c.ticket_id for c in clocks}).values_list(
            "ticket_id", "target", "cycle"
        )
    )
    fresh = [c for c in clocks if (c.ticket_id, c.target, c.cycle) not in already]
    if not fresh:
        return 0
    model: Any = kind.model  # SlaWarning or SlaBreach: the same fields
    model.objects.bulk_create(
        [
            model(
                ticket_id=c.ticket_id,
                clock=c,
                target=c.target,
                name=c.name,
                cycle=c.cycle,
                due_at=c.due_at or now,
                created_at=now,
                handover_due_at=now + handover.GRACE,
            )
            for c in fresh
        ],
        ignore_conflicts=True,  # the unique constraint decides, whatever raced us
    )
    by_key = {(c.ticket_id, c.target, c.cycle): c for c in fresh}
    written = [
        (pk, by_key[(ticket_id, target, cycle)])
        for pk, ticket_id, target, cycle in kind.model.objects.filter(
            clock_id__in=[c.pk for c in fresh], created_at=now
        ).values_list("pk", "ticket_id", "target", "cycle")
        if (ticket_id, target, cycle) in by_key
    ]
    record_events(
        TicketEvent(
            ticket_id=clock.ticket_id,
            kind=TicketEvent.Kind.SLA,
            after=event_data(kind.name, clock),
            created_at=now,
        )
        for _pk, clock in written
    )
    handover.queue(kind.model, [pk for pk, _clock in written])
    return len(written)


def _back_off(clock_id: int, now: dt.datetime) -> None:
    attempts = SlaClock.objects.filter(pk=clock_id).values_list("sweep_attempts", flat=True).first()
    if attempts is None:
        return
    delay = min(FIRST_RETRY_DELAY * 2**attempts, MAX_RETRY_DELAY)
    SlaClock.objects.filter(pk=clock_id).update(sweep_attempts=F("sweep_attempts") + 1, retry_at=now + delay)


def event_data(what: str, clock: SlaClock) -> dict[str, object]:
    """The timeline entry: {"sla": "warning" | "breach", "target", "name", "cycle", "due_at"}."""
    return {
        "sla": what,
        "target": clock.target,
        "name": clock.name,
        "cycle": clock.cycle,
        "due_at": clock.due_at.isoformat() if clock.due_at is not None else None,
    }
