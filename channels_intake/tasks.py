"""Background work for channels: delivering outbound messages."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

# Message-channel tasks live in their topic modules; importing them here registers them with Celery.
from channels_intake import media, processing, profiles  # noqa: F401
from channels_intake.outbound import sender_for
from channels_intake.statuses import apply_pending, sweep_pending_statuses  # noqa: F401
from channels_intake.transport import TransportError
from tickets.actions import record_delivery
from tickets.models import DeliveryStatus, Direction, Message

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


def backoff_seconds(attempt: int) -> int:
    return int(min(30 * 2 ** (attempt - 1), 1800))


@shared_task(bind=True, max_retries=MAX_ATTEMPTS - 1)
def deliver_message(self, message_id: int) -> None:  # type: ignore[no-untyped-def]
    """Send one outbound message on its channel.

    Safe to run twice or concurrently: a worker claims the message by bumping its attempt counter with a
    conditional UPDATE, and only a still-queued message is sent.
    """
    message = Message.objects.select_related("ticket", "ticket__contact").filter(pk=message_id).first()
    if (
        message is None
        or message.direction != Direction.OUTBOUND
        or message.delivery_status != DeliveryStatus.QUEUED
    ):
        return
    attempts = message.send_attempts + 1
    retry_at = timezone.now() + dt.timedelta(seconds=backoff_seconds(attempts))
    claimed = Message.objects.filter(
        pk=message.pk, delivery_status=DeliveryStatus.QUEUED, send_attempts=message.send_attempts
    ).update(send_attempts=attempts, next_attempt_at=retry_at)
    if not claimed:
        return  # another worker got there first
    try:
        external_id = sender_for(message.channel)(message)
    except TransportError as error:
        if error.permanent or attempts >= MAX_ATTEMPTS:
            record_delivery(message, status=DeliveryStatus.FAILED, error=error.reason)
            return
        log.warning(
            "Sending message %s failed (attempt %s), will retry: %s", message_id, attempts, error.reason
        )
        record_delivery(message, status=DeliveryStatus.QUEUED, error=error.reason)
        raise self.retry(countdown=backoff_seconds(attempts)) from error
    record_delivery(message, status=DeliveryStatus.SENT, external_id=external_id)
    if external_id:
        # A status callback may have overtaken us (Meta posts "sent" within milliseconds).
        apply_pending(message.channel, external_id)


@shared_task
def redeliver_stuck_outbound() -> int:
    """Queue again messages whose delivery task was lost (broker restarted, worker killed)."""
    cutoff = timezone.now() - dt.timedelta(minutes=2)
    stuck = list(
        Message.objects.filter(delivery_status=DeliveryStatus.QUEUED, next_attempt_at__lt=cutoff)
        .filter(send_attempts__lt=MAX_ATTEMPTS)
        .values_list("pk", flat=True)[:200]
    )
    for message_id in stuck:
        deliver_message.delay(message_id)
    return len(stuck)


# Tasks of the channel folders (Celery's autodiscovery only imports each app's own tasks module).
from channels_intake.chat import tasks as chat_tasks  # noqa: E402, F401
