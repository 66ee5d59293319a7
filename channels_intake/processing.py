"""Turning stored InboundEvents into tickets: one processor per channel, one task, one sweeper.

A webhook view stores the raw event and queues ``process_event`` after commit. The event is processed
in one transaction with its row locked (``skip_locked``): the messages it creates and its new state
commit together, so a worker killed half-way leaves the event pending and nothing half-stored, and
two workers never process the same event. ``sweep_pending_events`` (celery beat) processes events
still pending a while after they arrived: the broker was down or the worker died.

PROCESSORS maps a channel to the dotted path of ``process(event) -> Outcome``, run here inside the
locked transaction. TASKS maps a channel whose processing claims and quarantines events itself (email:
its parser never raises and quarantines what it cannot read) to its own Celery task. Every channel that
stores InboundEvents registers in one of the two, and the sweeper and the admin's "process again" cover
them all.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from channels_intake.messaging import Outcome
from channels_intake.models import InboundEvent
from channels_intake.retention import settle
from supportdesk.queue import enqueue_on_commit
from tickets.models import Channel

log = logging.getLogger(__name__)

PROCESSORS: dict[str, str] = {
    Channel.WHATSAPP: "channels_intake.whatsapp.adapter.process",
    Channel.INSTAGRAM: "channels_intake.instagram.adapter.process",
    Channel.MESSENGER: "channels_intake.messenger.adapter.process",
    Channel.X: "channels_intake.x.adapter.process",
}
TASKS: dict[str, str] = {
    Channel.EMAIL: "channels_intake.email.tasks.process_email_event",
}
MAX_ATTEMPTS = 5
SWEEP_BATCH = 200
# Test-only: a worker started with this set to a file path stops half-way through processing an event
# (its work done, not committed), creates that file and waits to be killed (whatsapp/tests/
# test_killed_worker.py). Unset everywhere else.
HOLD_FOR_KILL = os.environ.get("SUPPORTDESK_TEST_HOLD_PROCESSING", "")


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
    # Counted before processing, outside its transaction: an event that kills its worker every time
    # is quarantined after MAX_ATTEMPTS instead of being retried forever. No row: nothing to do.
    counted = InboundEvent.objects.filter(
        pk=event_id, state=InboundEvent.State.PENDING, channel__in=list(PROCESSORS)
    ).update(attempts=F("attempts") + 1)
    if not counted:
        return None
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
            if HOLD_FOR_KILL:
                open(HOLD_FOR_KILL, "w").close()
                time.sleep(30)
            if outcome.errors:
                state = InboundEvent.State.QUARANTINED
            elif outcome.did_something:
                state = InboundEvent.State.PROCESSED
            else:
                state = InboundEvent.State.IGNORED
            # An ignored event keeps why (another webhook field, an event type we do not handle).
            reasons = outcome.errors or [f"ignored: {note}" for note in outcome.notes]
            _finish(locked, state, error="\n".join(reasons), ticket_ids=outcome.ticket_ids)
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
    # A settled event's raw body (full card numbers, OTPs) is replaced by its redacted copy, atomically
    # with the outcome.
    event.save(update_fields=settle(event, ["state", "error", "processed_at", "ticket_ids"]))


@shared_task(
    name="channels_intake.processing.process_event",
    autoretry_for=(Exception,),
    retry_backoff=10,
    max_retries=3,
)
def process_event(event_id: int) -> str | None:
    return run(event_id)


def queue(event: InboundEvent) -> bool:
    """Queue the event's processing after commit; False for a channel nobody processes."""
    if event.channel in PROCESSORS:
        enqueue_on_commit(process_event, event.pk)
        return True
    if event.channel in TASKS:
        enqueue_on_commit(import_string(TASKS[event.channel]), event.pk)
        return True
    return False


def reprocess(events: Iterable[InboundEvent]) -> int:
    """Put quarantined or pending events back in the queue with a fresh attempt count (admin action)."""
    count = 0
    for event in events:
        if event.state not in (InboundEvent.State.PENDING, InboundEvent.State.QUARANTINED):
            continue
        if event.channel not in PROCESSORS and event.channel not in TASKS:
            continue
        InboundEvent.objects.filter(pk=event.pk).update(
            state=InboundEvent.State.PENDING, attempts=0, processed_at=None
        )
        event.state = InboundEvent.State.PENDING
        queue(event)
        count += 1
    return count


@shared_task(name="channels_intake.processing.sweep_pending_events")
def sweep_pending_events(older_than_seconds: int | None = None) -> int:
    """Handle events still pending after the grace period (lost broker message, killed worker).

    Channels in PROCESSORS are processed here, one at a time; channels with their own task get it queued.
    Returns how many events were handled or queued.
    """
    grace = settings.INBOUND_EVENT_SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - dt.timedelta(seconds=grace)
    stale = (
        InboundEvent.objects.filter(state=InboundEvent.State.PENDING, received_at__lte=cutoff)
        .filter(channel__in=[*PROCESSORS, *TASKS])
        .order_by("received_at")
        .only("pk", "channel", "state")[:SWEEP_BATCH]
    )
    handled = 0
    for event in stale:
        if event.channel in TASKS:
            handled += queue(event)
            continue
        try:
            if run(event.pk) is not None:
                handled += 1
        except Exception:  # one bad event must not stop the sweep; it stays pending for the next one
            log.warning("Inbound event %s stays pending after a failed try", event.pk)
    return handled
