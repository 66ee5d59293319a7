"""Celery tasks of the SLA app. Beat runs ``sla.tasks.sweep`` every 30 seconds (settings: SLA block)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from sla import handover, reconfigure, sweeper
from sla.models import SlaBreach, SlaWarning


@shared_task(name="sla.tasks.sweep")
def sweep() -> dict[str, int]:
    """Record due warnings and breaches. Safe to overlap with itself and to retry: see sla.sweeper."""
    return asdict(sweeper.sweep_until_done())


@shared_task(name="sla.tasks.hand_over_breach")
def hand_over_breach(breach_id: int) -> bool:
    """Tell escalation about one breach (idempotent: see sla.handover)."""
    return handover.hand_over(SlaBreach, breach_id)


@shared_task(name="sla.tasks.hand_over_warning")
def hand_over_warning(warning_id: int) -> bool:
    """Tell escalation about one warning (idempotent: see sla.handover)."""
    return handover.hand_over(SlaWarning, warning_id)


@shared_task(name="sla.tasks.recompute_open_tickets")
def recompute_open_tickets(scope: dict[str, int], after_id: int = 0) -> int:
    """Recompute the clocks of the open tickets an admin's change affects, one bounded batch of ids
    per run, then queue the next batch (see sla.reconfigure)."""
    return reconfigure.recompute_batch(scope, after_id=after_id)
