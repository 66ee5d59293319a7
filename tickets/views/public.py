"""Pages customers use without an account: the contact form and the signed status page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tickets.links import ticket_for_token
from tickets.models import Direction


def status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = ticket_for_token(token)
    if ticket is None:
        raise Http404("This link is not valid or has expired.")
    messages = (
        ticket.messages.exclude(direction=Direction.NOTE)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
    )
    return render(request, "tickets/public/status.html", {"ticket": ticket, "conversation": messages})
