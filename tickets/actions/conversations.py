"""Which ticket a customer's message belongs to: the thread it answers, the conversation on a message
channel, or none (a new ticket, linked to the closed one it follows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Case, Q, When
from django.utils import timezone

from tickets.actions.base import STREAM_CHANNELS, follow_merges
from tickets.inbound import InboundMessage
from tickets.models import OPEN_STATUSES, Contact, Message, Status, Ticket


def find_ticket(inbound: InboundMessage, contact: Contact) -> tuple[Ticket | None, Ticket | None]:
    """(ticket to append to, closed ticket a new one should link to).

    A hint that names a closed ticket leads to the open ticket an earlier reply to it opened (its
    successor) when the sender belongs to that conversation, so a thread that goes on after closing
    opens one new ticket, not one per reply.
    """
    ticket: Ticket | None = None
    if inbound.references:
        # The most specific hint first: In-Reply-To, then References from the newest; an email's signed
        # ticket (inbound.ticket_id) only when none of the ids it references is stored.
        ticket = _referenced_ticket(inbound.channel, inbound.references)
    if ticket is None and inbound.ticket_id is not None:
        ticket = Ticket.objects.select_for_update().filter(pk=inbound.ticket_id).first()
    locked = ticket is not None  # both lookups above lock the row they find (every reply takes them)
    if ticket is None and inbound.subject_ticket_number is not None:
        candidate = Ticket.objects.filter(pk=inbound.subject_ticket_number).first()
        if candidate is not None and (
            candidate.contact_id == contact.pk or candidate.participants.filter(pk=contact.pk).exists()
        ):
            ticket = candidate
    if ticket is None and inbound.channel in STREAM_CHANNELS and not inbound.new_conversation:
        ticket, previous = _stream_ticket(contact, inbound.channel)
        if ticket is None:
            return None, previous
    if ticket is None:
        return None, None
    if not locked or ticket.merged_into_id is not None:
        ticket = Ticket.objects.select_for_update().get(pk=follow_merges(ticket).pk)
    if ticket.status == Status.CLOSED:
        successor, newest_closed = _open_successor(ticket, contact)
        if successor is None:
            return None, newest_closed
        ticket = Ticket.objects.select_for_update().get(pk=successor.pk)
        if ticket.contact_id != contact.pk:
            ticket.participants.add(contact)  # they answered with the others: they get our answers too
    return ticket, None


def _referenced_ticket(channel: str, references: Sequence[str]) -> Ticket | None:
    """The ticket of the stored message that comes first in ``references`` (most specific first)."""
    stored = dict(
        Message.objects.filter(channel=channel, external_id__in=list(references)).values_list(
            "external_id", "ticket_id"
        )
    )
    for value in references:
        if value in stored:
            return Ticket.objects.select_for_update().filter(pk=stored[value]).first()
    return None


def _in_conversation(ticket: Ticket, contact: Contact) -> bool:
    return ticket.contact_id == contact.pk or ticket.participants.filter(pk=contact.pk).exists()


def _open_successor(closed: Ticket, contact: Contact) -> tuple[Ticket | None, Ticket]:
    """(the newest not-closed ticket opened as the follow-up of ``closed`` or of its own follow-up, the
    newest closed ticket of that chain), when ``contact`` belongs to the conversation; a new ticket links
    to the second when there is no first."""
    seen = {closed.pk}
    current = closed
    while True:
        successor = (
            Ticket.objects.filter(previous_ticket=current, merged_into__isnull=True)
            .exclude(pk__in=seen)
            .order_by("-created_at", "-pk")
            .first()
        )
        if successor is None or not (
            _in_conversation(successor, contact) or _in_conversation(closed, contact)
        ):
            return None, current
        if successor.status != Status.CLOSED:
            return successor, current
        seen.add(successor.pk)
        current = successor


def _stream_ticket(contact: Contact, channel: str) -> tuple[Ticket | None, Ticket | None]:
    """On a message channel: (the ticket the message joins, the finished ticket a new one links to).

    The contact's most recently active open ticket on the channel first, even when a resolved one was
    touched later; else one resolved within STREAM_REOPEN_WINDOW_DAYS (reopened); else a new ticket,
    linked to the newest closed ticket, or one resolved before the window, of the contact there.
    """
    tickets = Ticket.objects.filter(contact=contact, channel=channel, merged_into__isnull=True)
    current = (
        tickets.filter(
            Q(status__in=OPEN_STATUSES) | Q(status=Status.RESOLVED, resolved_at__gte=_reopen_cutoff())
        )
        .order_by(Case(When(status__in=OPEN_STATUSES, then=0), default=1), "-updated_at", "-pk")
        .first()
    )
    if current is not None:
        return current, None
    previous = (
        tickets.filter(status__in=[Status.CLOSED, Status.RESOLVED]).order_by("-created_at", "-pk").first()
    )
    return None, previous


def _reopen_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=getattr(settings, "STREAM_REOPEN_WINDOW_DAYS", 7))
