"""Run one SLA sweep now (what Celery beat does every 30 seconds)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sla import sweeper


class Command(BaseCommand):
    help = "Record SLA warnings and breaches that are due, once, and hand breaches to escalation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=None, help="Clocks per batch (SLA_SWEEP_BATCH).")

    def handle(self, *args: Any, batch: int | None = None, **options: Any) -> None:
        result = sweeper.sweep_until_done(batch=batch)
        self.stdout.write(
            f"warned {result.warned}, breached {result.breached}, skipped {result.skipped}, failed {result.failed}"
        )
