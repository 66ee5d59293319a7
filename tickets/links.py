"""Signed links that let a customer open exactly one ticket without an account."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tickets.models import Ticket

_SALT = "tickets.status-link"


def status_token(ticket: Ticket) -> str:
    return signing.dumps(ticket.pk, salt=_SALT, compress=False)


def status_url(ticket: Ticket, *, absolute: bool = True) -> str:
    path = reverse("tickets:status", kwargs={"token": status_token(ticket)})
    return f"{settings.SITE_URL}{path}" if absolute else path


def ticket_for_token(token: str) -> Ticket | None:
    """The ticket a token was made for, or None for a forged, altered or expired token."""
    try:
        pk = signing.loads(token, salt=_SALT, max_age=dt.timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Ticket.objects.filter(pk=pk).select_related("contact", "category").first()
