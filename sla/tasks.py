"""Celery tasks of the SLA app. Beat runs ``sla.tasks.sweep`` every 30 seconds (settings: SLA block)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from sla import sweeper


@shared_task(name="sla.tasks.sweep")
def sweep() -> dict[str, int]:
    """Record due warnings and breaches. Safe to overlap with itself and to retry: see sla.sweeper."""
    return asdict(sweeper.sweep_until_done())
