"""Background work for channels: delivering outbound messages."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

# Message-channel tasks live in their topic modules; importing them here registers them with Celery.
from channels_intake import fetches, processing  # noqa: F401
from channels_intake.outbound import sender_for
from channels_intake.statuses import apply_pending, sweep_pending_statuses  # noqa: F401
from channels_intake.transport import TransportError
from supportdesk.queue import enqueue_on_commit
from tickets.actions import record_delivery
from tickets.models import DeliveryStatus, Direction, Message

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
UNEXPECTED_MAX_ATTEMPTS = 3  # errors that are not the provider's: fewer tries, then shown to the agent
SWEEP_BATCH = 200


def backoff_seconds(attempt: int) -> int:
    return int(min(30 * 2 ** (attempt - 1), 1800))


@shared_task(bind=True, max_retries=None)
def deliver_message(self, message_id: int) -> None:  # type: ignore[no-untyped-def]
    """Send one outbound message on its channel.

    Safe to run twice or concurrently: a worker claims the message by bumping its attempt counter with a
    conditional UPDATE, and only a still-queued message is sent. Every attempt ends sent, queued with a
    reason and a retry, or failed with a reason the agent reads; the message's own counter bounds the
    retries (Celery's is reset when the sweep queues a message again).
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
    except Exception as error:
        # A bug or a broken file on our side: retried a few times (it may be a passing database or
        # storage hiccup), then shown to the agent instead of leaving the message queued forever.
        log.exception("Sending message %s failed unexpectedly (attempt %s)", message_id, attempts)
        reason = _("SupportDesk could not send this message because of an internal error (%(error)s).") % {
            "error": f"{type(error).__name__}: {error}"[:300]
        }
        if attempts >= UNEXPECTED_MAX_ATTEMPTS:
            record_delivery(message, status=DeliveryStatus.FAILED, error=reason)
            return
        record_delivery(message, status=DeliveryStatus.QUEUED, error=reason)
        raise self.retry(countdown=backoff_seconds(attempts)) from error
    record_delivery(message, status=DeliveryStatus.SENT, external_id=external_id)
    if external_id:
        # A status callback may have overtaken us (Meta posts "sent" within milliseconds).
        apply_pending(message.channel, external_id)


@shared_task
def redeliver_stuck_outbound() -> int:
    """Queue again messages whose delivery task was lost (broker restarted, worker killed); fail those
    that used up their attempts, with the last reason, so none stays queued forever. Returns how many."""
    cutoff = timezone.now() - dt.timedelta(minutes=2)
    stuck = list(
        Message.objects.filter(delivery_status=DeliveryStatus.QUEUED, next_attempt_at__lt=cutoff).values_list(
            "pk", "send_attempts", "delivery_error"
        )[:SWEEP_BATCH]
    )
    for message_id, attempts, last_error in stuck:
        if attempts < MAX_ATTEMPTS:
            enqueue_on_commit(deliver_message, message_id)
            continue
        reason = _("Not sent after %(count)d attempts.") % {"count": attempts}
        message = Message.objects.select_related("ticket").get(pk=message_id)
        record_delivery(message, status=DeliveryStatus.FAILED, error=f"{reason} {last_error}".strip())
    return len(stuck)


# Tasks of the channel folders (Celery's autodiscovery only imports each app's own tasks module).
from channels_intake.chat import tasks as chat_tasks  # noqa: E402, F401
