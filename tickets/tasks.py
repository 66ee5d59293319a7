"""Background work for tickets: acknowledgements and housekeeping."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command

from tickets import notifications
from tickets.models import Ticket


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_acknowledgement(ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("contact", "category").filter(pk=ticket_id).first()
    if ticket is not None:
        notifications.send_acknowledgement(ticket)


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")
