"""Turning stored InboundEvents into tickets: one processor per channel, one task, one sweeper.

A webhook view stores the raw event and queues ``process_event`` after commit. The event is processed
in one transaction with its row locked (``skip_locked``): the messages it creates and its new state
commit together, so a worker killed half-way leaves the event pending and nothing half-stored, and
two workers never process the same event. ``sweep_pending_events`` (celery beat) processes events
still pending a while after they arrived: the broker was down or the worker died.

PROCESSORS maps a channel to the dotted path of ``process(event) -> Outcome``; every channel that
stores InboundEvents registers here, and the sweeper covers them all.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from importlib import import_module
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels_intake.messaging import Outcome
from channels_intake.models import InboundEvent
from supportdesk.queue import enqueue_on_commit
from tickets.models import Channel

log = logging.getLogger(__name__)

PROCESSORS: dict[str, str] = {
    Channel.WHATSAPP: "channels_intake.whatsapp.adapter.process",
    Channel.INSTAGRAM: "channels_intake.instagram.adapter.process",
    Channel.MESSENGER: "channels_intake.messenger.adapter.process",
    Channel.X: "channels_intake.x.adapter.process",
}
MAX_ATTEMPTS = 5
SWEEP_BATCH = 200


class Unreadable(Exception):
    """The event's body can never be understood (not JSON, wrong shape): quarantine it at once."""


def store_event(*, channel: str, account: str, body: bytes, headers: dict[str, str]) -> InboundEvent:
    """Keep a verified webhook body and queue its processing once it is committed."""
    event = InboundEvent.objects.create(
        channel=channel, account=account, source="webhook", body=body, headers=headers
    )
    enqueue_on_commit(process_event, event.pk)
    return event


def load_json(event: InboundEvent) -> dict[str, Any]:
    try:
        payload = json.loads(bytes(event.body))
    except (UnicodeDecodeError, ValueError) as error:
        raise Unreadable(f"Not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Unreadable("Expected a JSON object.")
    return payload


def processor_for(channel: str) -> Callable[[InboundEvent], Outcome]:
    module, _, name = PROCESSORS[channel].rpartition(".")
    function: Callable[[InboundEvent], Outcome] = getattr(import_module(module), name)
    return function


def run(event_id: int) -> str | None:
    """Process one pending event; returns its new state, or None when there was nothing to do."""
    event = InboundEvent.objects.filter(pk=event_id).only("channel", "state").first()
    if event is None or event.state != InboundEvent.State.PENDING or event.channel not in PROCESSORS:
        return None
    # Counted before processing, outside its transaction: an event that kills its worker every time
    # is quarantined after MAX_ATTEMPTS instead of being retried forever.
    InboundEvent.objects.filter(pk=event_id, state=InboundEvent.State.PENDING).update(
        attempts=F("attempts") + 1
    )
    try:
        with transaction.atomic():
            locked = (
                InboundEvent.objects.select_for_update(skip_locked=True)
                .filter(pk=event_id, state=InboundEvent.State.PENDING)
                .first()
            )
            if locked is None:
                return None  # another worker is on it, or finished it
            if locked.attempts > MAX_ATTEMPTS:
                _finish(locked, InboundEvent.State.QUARANTINED, error=f"Gave up after {MAX_ATTEMPTS} tries.")
                return locked.state
            try:
                outcome = processor_for(locked.channel)(locked)
            except Unreadable as error:
                _finish(locked, InboundEvent.State.QUARANTINED, error=str(error))
                return locked.state
            if outcome.errors:
                state = InboundEvent.State.QUARANTINED
            elif outcome.did_something:
                state = InboundEvent.State.PROCESSED
            else:
                state = InboundEvent.State.IGNORED
            _finish(locked, state, error="\n".join(outcome.errors), ticket_ids=outcome.ticket_ids)
            return state
    except Exception as error:
        # Rolled back: the event stays pending for the sweep. Keep the reason for the admin.
        log.exception("Processing inbound event %s failed", event_id)
        InboundEvent.objects.filter(pk=event_id).update(error=f"{type(error).__name__}: {error}"[:2000])
        raise


def _finish(event: InboundEvent, state: str, *, error: str = "", ticket_ids: list[int] | None = None) -> None:
    event.state = state
    event.error = error[:2000]
    event.processed_at = timezone.now()
    event.ticket_ids = sorted(set(ticket_ids or []))
    event.save(update_fields=["state", "error", "processed_at", "ticket_ids"])


@shared_task(
    name="channels_intake.processing.process_event",
    autoretry_for=(Exception,),
    retry_backoff=10,
    max_retries=3,
)
def process_event(event_id: int) -> str | None:
    return run(event_id)


@shared_task(name="channels_intake.processing.sweep_pending_events")
def sweep_pending_events(older_than_seconds: int | None = None) -> int:
    """Process events still pending after the grace period; returns how many were handled."""
    grace = settings.INBOUND_EVENT_SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - dt.timedelta(seconds=grace)
    ids = list(
        InboundEvent.objects.filter(
            state=InboundEvent.State.PENDING, received_at__lte=cutoff, channel__in=list(PROCESSORS)
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    handled = 0
    for event_id in ids:
        try:
            if run(event_id) is not None:
                handled += 1
        except Exception:  # one bad event must not stop the sweep; it stays pending for the next one
            log.warning("Inbound event %s stays pending after a failed try", event_id)
    return handled
