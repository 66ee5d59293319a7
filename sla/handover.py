"""Handing recorded warnings and breaches to escalation, after the sweeper's commit, one task each.

The sweeper queues sla.tasks.hand_over_warning / hand_over_breach with the record's id once its batch
commits. The task locks the record, calls escalation.hooks.sla_warning / sla_breached (escalation's own
unique constraint per ticket, reason and level keeps an escalation once) and stamps handed_over_at in the
same transaction, so a retried or duplicated task does nothing twice. A record whose task was lost
(broker down) or failed still has handed_over_at empty: the sweep queues it again once its
handover_due_at passed, with a growing back-off.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from escalation import hooks
from sla.models import SlaBreach, SlaWarning
from supportdesk.queue import enqueue_on_commit

log = logging.getLogger(__name__)

Record = type[SlaWarning] | type[SlaBreach]

# How long a freshly queued hand-over may take before the sweep queues it again; then 2, 4 … minutes.
GRACE = dt.timedelta(minutes=2)
MAX_DELAY = dt.timedelta(hours=1)


def queue(model: Record, ids: list[int]) -> None:
    """Queue the hand-over of these records once the current transaction commits."""
    from sla import tasks  # local: the tasks module imports this one

    task = tasks.hand_over_breach if model is SlaBreach else tasks.hand_over_warning
    for record_id in ids:
        enqueue_on_commit(task, record_id)


def hand_over(model: Record, record_id: int) -> bool:
    """Tell escalation about one record, once. False: handed over already, or another task has it now,
    or escalation failed (logged; the sweep queues it again)."""
    try:
        with transaction.atomic():
            record = (
                model.objects.select_for_update(skip_locked=True)
                .filter(pk=record_id, handed_over_at__isnull=True)
                .first()
            )
            if record is None:
                return False
            if isinstance(record, SlaBreach):
                hooks.sla_breached(ticket_id=record.ticket_id, target=record.target, breach_id=record.pk)
            else:
                hooks.sla_warning(ticket_id=record.ticket_id, target=record.target, warning_id=record.pk)
            model.objects.filter(pk=record.pk).update(handed_over_at=timezone.now())
    except Exception:
        log.exception(
            "SLA %s %s: escalation failed; the sweep hands it over again.", model.__name__, record_id
        )
        return False
    return True


def requeue(*, now: dt.datetime, batch: int) -> int:
    """Queue again the hand-overs that are overdue (at most ``batch`` of each kind); how many."""
    total = 0
    for model in (SlaWarning, SlaBreach):
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(handed_over_at__isnull=True, handover_due_at__lte=now)
                .order_by("handover_due_at")
                .values_list("pk", "handover_attempts")[:batch]
            )
            by_attempts: dict[int, list[int]] = defaultdict(list)
            for pk, attempts in rows:
                by_attempts[attempts].append(pk)
            for attempts, ids in by_attempts.items():
                delay = min(GRACE * 2 ** (attempts + 1), MAX_DELAY)
                model.objects.filter(pk__in=ids).update(
                    handover_due_at=now + delay, handover_attempts=F("handover_attempts") + 1
                )
            if rows:
                log.warning("SLA: handing %d %s rows to escalation again.", len(rows), model.__name__)
                queue(model, [pk for pk, _attempts in rows])
        total += len(rows)
    return total
