"""Background work for the email channel: processing stored mail, polling IMAP, automatic replies."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from channels_intake.models import InboundEvent

log = logging.getLogger(__name__)
MAX_PROCESS_ATTEMPTS = 5


@shared_task
def process_email_event(event_id: int) -> str:
    """Process one stored email event. Safe to run twice or concurrently.

    A worker claims the event by bumping its attempt counter with a conditional UPDATE; an error leaves
    it pending for the periodic sweep until MAX_PROCESS_ATTEMPTS, then quarantines it with the reason.
    """
    from channels_intake.email.intake import process_event

    event = InboundEvent.objects.filter(pk=event_id).first()
    if event is None or event.state != InboundEvent.State.PENDING:
        return "skipped"
    claimed = InboundEvent.objects.filter(
        pk=event.pk, state=InboundEvent.State.PENDING, attempts=event.attempts
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return "claimed elsewhere"
    event.attempts += 1
    try:
        return str(process_event(event).state)
    except Exception as error:
        log.exception("Email event %s failed (attempt %s)", event.pk, event.attempts)
        final = event.attempts >= MAX_PROCESS_ATTEMPTS
        InboundEvent.objects.filter(pk=event.pk).update(
            error=f"{error.__class__.__name__}: {error}"[:5000],
            state=InboundEvent.State.QUARANTINED if final else InboundEvent.State.PENDING,
            processed_at=timezone.now() if final else None,
        )
        if getattr(process_email_event.app.conf, "task_always_eager", False) and not final:
            raise
        return "failed"


@shared_task
def poll_mailboxes() -> int:
    """Fetch new mail from every active IMAP mailbox (one periodic beat entry for all)."""
    from channels_intake.email.imap import poll_mailbox
    from channels_intake.email.models import Mailbox

    fetched = 0
    for mailbox in Mailbox.objects.filter(active=True):
        fetched += poll_mailbox(mailbox)
    return fetched


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_out_of_hours_reply(ticket_id: int) -> bool:
    """Tell a customer who wrote again outside opening hours when the team will answer."""
    from channels_intake.email.auto_replies import send_out_of_hours_reply as send
    from tickets.models import Ticket

    ticket = Ticket.objects.select_related("contact").filter(pk=ticket_id).first()
    return ticket is not None and send(ticket)
