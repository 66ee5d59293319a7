"""One matter known twice: merging tickets and merging contacts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.actions.base import (
    ActionError,
    after_change,
    event,
    search_text,
    set_status,
)
from tickets.models import (
    Contact,
    ContactIdentity,
    Message,
    Status,
    Ticket,
    TicketEvent,
)


@transaction.atomic
def merge(source: Ticket, *, into: Ticket, by: Any | None) -> Ticket:
    """Move the source ticket's conversation into ``into`` and close the source.

    Both tickets should concern the same customer matter (e.g. a WhatsApp and an email ticket about one
    order); their contacts may differ, the source's contact then becomes a participant.
    """
    if source.pk == into.pk:
        raise ActionError(_("A ticket cannot be merged into itself."))
    first, second = sorted([source.pk, into.pk])
    locked = {
        t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    source, into = locked[source.pk], locked[into.pk]
    if source.merged_into_id:
        raise ActionError(_("%(ticket)s was already merged.") % {"ticket": source.reference})
    if into.merged_into_id or into.status == Status.CLOSED:
        raise ActionError(_("%(ticket)s is closed; merge into an open ticket.") % {"ticket": into.reference})
    now = timezone.now()
    moved = Message.objects.filter(ticket=source).update(ticket=into)
    if source.contact_id != into.contact_id:
        into.participants.add(source.contact_id)
    into.participants.add(*source.participants.all())
    into.tags.add(*source.tags.all())
    if not into.order_ref and source.order_ref:
        into.order_ref = source.order_ref
    if source.security_flag:
        into.security_flag = True
    for stamp in ("last_customer_message_at", "last_agent_message_at"):
        mine, theirs = getattr(into, stamp), getattr(source, stamp)
        if theirs and (mine is None or theirs > mine):
            setattr(into, stamp, theirs)
    if source.first_response_at and (
        into.first_response_at is None or source.first_response_at < into.first_response_at
    ):
        into.first_response_at = source.first_response_at
    into.updated_at = now
    into.search_text = search_text(into, source.search_text)
    into.save(
        update_fields=[
            "order_ref",
            "security_flag",
            "last_customer_message_at",
            "last_agent_message_at",
            "first_response_at",
            "updated_at",
            "search_text",
        ]
    )
    source.merged_into = into
    source.save(update_fields=["merged_into"])
    if source.status != Status.CLOSED:
        set_status(source, Status.CLOSED, by=by, now=now)
    event(source, TicketEvent.Kind.MERGED, actor=by, after={"into": into.pk}, at=now)
    event(into, TicketEvent.Kind.MERGED, actor=by, after={"from": source.pk, "messages": moved}, at=now)
    after_change(into, reason="merged")
    after_change(source, reason="merged")
    return into


@transaction.atomic
def merge_contacts(source: Contact, *, into: Contact, by: Any | None) -> Contact:
    """One customer known twice: move identities and tickets to ``into``."""
    if source.pk == into.pk:
        raise ActionError(_("A contact cannot be merged into itself."))
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update().filter(pk__in=[source.pk, into.pk]).order_by("pk")
    }
    source, into = locked[source.pk], locked[into.pk]
    if source.merged_into_id or into.merged_into_id:
        raise ActionError(_("This contact was already merged; merge into the contact it was merged into."))
    ContactIdentity.objects.filter(contact=source).update(contact=into)
    ticket_ids = list(Ticket.objects.filter(contact=source).values_list("pk", flat=True))
    Ticket.objects.filter(pk__in=ticket_ids).update(contact=into)
    Message.objects.filter(author_contact=source).update(author_contact=into)
    for ticket_id in ticket_ids:
        TicketEvent.objects.create(
            ticket_id=ticket_id, kind=TicketEvent.Kind.CONTACT, actor=by, before=source.pk, after=into.pk
        )
    source.merged_into = into
    source.save(update_fields=["merged_into"])
    if not into.name and source.name:
        into.name = source.name
        into.save(update_fields=["name"])
    return into
