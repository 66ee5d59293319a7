"""Signed links that let a customer open exactly one ticket without an account."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from tickets.models import Ticket

_SALT = "tickets.status-link"


def status_token(ticket: Ticket) -> str:
    return signing.dumps(ticket.pk, salt=_SALT, compress=False)


def status_url(ticket: Ticket, *, absolute: bool = True) -> str:
    path = reverse("tickets:status", kwargs={"token": status_token(ticket)})
    return f"{settings.SITE_URL}{path}" if absolute else path


def ticket_for_token(token: str) -> Ticket | None:
    """The ticket a token was made for, or None for a forged, altered or expired token.

    A link expires STATUS_LINK_MAX_AGE_DAYS after it was made or after the ticket's last activity,
    whichever is later: the link in the acknowledgement keeps working as long as the conversation goes
    on, and a link to a ticket nobody touched for that long stops working.
    """
    max_age = dt.timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS)
    recent = True
    try:
        pk = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired:
        pk = signing.loads(token, salt=_SALT)  # genuine, only old: the ticket's activity decides
        recent = False
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    ticket = Ticket.objects.filter(pk=pk).select_related("contact", "category").first()
    if ticket is not None and not recent and ticket.updated_at < timezone.now() - max_age:
        return None
    return ticket
