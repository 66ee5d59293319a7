"""Queueing tasks after commit without letting a broker outage break the request that queued them.

Work queued this way must also be findable from the database (a queued message, a pending inbound
event), so a periodic sweep picks up whatever the broker lost.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Run ``task.delay(*args)`` once the current transaction commits (at once outside one)."""

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:
            # Eager mode (tests) propagates the task's own errors: those are bugs, let them surface.
            if getattr(task.app.conf, "task_always_eager", False):
                raise
            log.exception("Could not queue %s%r; the periodic sweep will pick it up.", task.name, args)

    transaction.on_commit(send)
