"""Which task processes a stored InboundEvent of each channel, and sending events round again.

Used by the periodic sweep (events a lost broker message left pending) and the admin's "reprocess"
action (quarantined events, once the cause is fixed). Channels register their task path here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.module_loading import import_string

from channels_intake.models import InboundEvent
from supportdesk.queue import enqueue_on_commit

PROCESSORS: dict[str, str] = {
    "email": "channels_intake.email.tasks.process_email_event",
}


def queue(event: InboundEvent) -> bool:
    path = PROCESSORS.get(event.channel)
    if path is None:
        return False
    enqueue_on_commit(import_string(path), event.pk)
    return True


def reprocess(events: Iterable[InboundEvent]) -> int:
    """Put quarantined or pending events back in the queue with a fresh attempt count."""
    count = 0
    for event in events:
        if event.state not in (InboundEvent.State.PENDING, InboundEvent.State.QUARANTINED):
            continue
        if event.channel not in PROCESSORS:
            continue
        InboundEvent.objects.filter(pk=event.pk).update(
            state=InboundEvent.State.PENDING, attempts=0, processed_at=None
        )
        event.state = InboundEvent.State.PENDING
        queue(event)
        count += 1
    return count
