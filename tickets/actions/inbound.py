"""Customer messages in: one path for every channel, from dedupe to the ticket they belong to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.queue import enqueue_on_commit
from tickets.actions.base import (
    after_change,
    flag_security,
    record_events,
    search_text,
    set_status,
    unsaved_event,
)
from tickets.actions.contacts import find_or_create_contact
from tickets.actions.conversations import find_ticket
from tickets.attachments import store_attachment
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import (
    Category,
    Channel,
    Contact,
    DeliveryStatus,
    Direction,
    Message,
    Priority,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.redaction import masked_kinds, redact, redact_data


@dataclass(frozen=True)
class Received:
    ticket: Ticket
    message: Message
    created_ticket: bool
    duplicate: bool = False


# --- Inbound --------------------------------------------------------------------------------------


def receive_message(inbound: InboundMessage) -> Received:
    """Store a customer's message: dedupe, find the contact and ticket, redact, audit, tell the clocks.

    Safe to call twice with the same (channel, external_id), also concurrently: the second call returns
    the first call's message with duplicate=True.
    """
    if inbound.external_id:
        existing = _existing_message(inbound)
        if existing is not None:
            return Received(existing.ticket, existing, created_ticket=False, duplicate=True)
    try:
        with transaction.atomic():
            return _receive(inbound)
    except IntegrityError:
        existing = _existing_message(inbound) if inbound.external_id else None
        if existing is None:
            raise
        return Received(existing.ticket, existing, created_ticket=False, duplicate=True)


def _existing_message(inbound: InboundMessage) -> Message | None:
    stored = Message.objects.filter(channel=inbound.channel, external_id=inbound.external_id)
    if not stored.exists():  # every new message asks: kept to the cheapest query
        return None
    return stored.select_related("ticket").first()


def _receive(inbound: InboundMessage) -> Received:
    now = timezone.now()
    # Locked: messages of one contact are serialised, so two arriving 200 ms apart find the same ticket.
    contact = find_or_create_contact(
        inbound.sender, others=inbound.other_identities, language=inbound.language, lock=True
    )

    subject = redact(inbound.subject)
    text = redact(inbound.text)
    full_text = redact(inbound.full_text or inbound.text)
    html = redact(sanitise_html(inbound.html), html=True) if inbound.html else None
    order_ref = redact(inbound.order_ref.strip())
    metadata, metadata_kinds = redact_metadata(inbound.metadata)
    masked = masked_kinds([subject, text, full_text, html, order_ref, redact(inbound.sender.name)])
    masked += metadata_kinds

    ticket, previous = find_ticket(inbound, contact)
    created = ticket is None
    if ticket is None:
        ticket = _open_ticket(
            inbound,
            contact,
            subject.text or text.text,
            order_ref=order_ref.text,
            search=search_text(None, text.text),
            previous=previous,
            now=now,
        )
    elif ticket.status == Status.RESOLVED:
        _reopen(ticket, now=now)
    elif ticket.status in (Status.PENDING, Status.ON_HOLD):
        set_status(ticket, Status.OPEN, by=None, now=now)

    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.INBOUND,
        channel=inbound.channel,
        author_contact=contact,
        external_id=inbound.external_id or None,
        subject=subject.text[:500],
        text=text.text,
        full_text=full_text.text if full_text.text != text.text else "",
        html=html.text if html else "",
        is_automatic=inbound.is_automatic,
        delivery_status=DeliveryStatus.RECEIVED,
        metadata=metadata,
        sent_at=inbound.sent_at,
        created_at=now,
    )
    for item in inbound.attachments:
        stored = store_attachment(
            message, filename=item.filename, content=item.content, content_id=item.content_id
        )
        masked += stored.masked
    participants = []
    for cc in inbound.cc:
        try:
            participant = find_or_create_contact(cc)
        except ValidationError:
            continue
        if participant.pk != ticket.contact_id:
            participants.append(participant)
    if participants:
        ticket.participants.add(*participants)  # one INSERT

    if not created:  # a new ticket was written with them
        ticket.last_customer_message_at = now
        ticket.updated_at = now
        ticket.search_text = search_text(ticket, text.text)
        ticket.save(update_fields=["last_customer_message_at", "updated_at", "search_text"])
    entries = []
    if created:
        entries.append(
            unsaved_event(ticket, TicketEvent.Kind.CREATED, after={"channel": inbound.channel}, at=now)
        )
    entries.append(unsaved_event(ticket, TicketEvent.Kind.MESSAGE, message=message, at=now))
    record_events(entries)  # one INSERT
    flag_security(ticket, masked, message=message, at=now)
    after_change(
        ticket, reason="customer_message", message=message, first_message=message if created else None
    )
    if created and inbound.acknowledge and not inbound.is_automatic:
        from tickets import tasks

        enqueue_on_commit(tasks.send_acknowledgement, ticket.pk)
    return Received(ticket, message, created_ticket=created)


# Metadata values that are provider identifiers later work needs verbatim (replying to a sender id,
# fetching a media id or URL, finding the account): customers do not write them.
METADATA_IDENTIFIERS = frozenset(
    {"account", "sender_id", "from", "to", "key", "media_id", "url", "mime_type", "mid", "reply_to"}
    | {"chat_session", "client_id", "fingerprint", "logged_by", "source", "wa_type", "attached_keys"}
)


def redact_metadata(metadata: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """The one place inbound metadata is redacted before it is stored on a Message (dropped part
    names, quick-reply titles, story captions...), and what was masked."""
    clean, kinds = redact_data(dict(metadata), keep=METADATA_IDENTIFIERS.__contains__)
    return dict(clean) if isinstance(clean, dict) else {}, kinds


def _open_ticket(
    inbound: InboundMessage,
    contact: Contact,
    subject: str,
    *,
    order_ref: str,
    search: str,
    previous: Ticket | None,
    now: dt.datetime,
) -> Ticket:
    """The new ticket, with its first message's time and search text (``search``) already set;
    ``subject`` and ``order_ref`` come redacted."""
    category = Category.objects.filter(slug=inbound.category_slug).first() if inbound.category_slug else None
    team = Team.objects.filter(slug=inbound.team_slug).first() if inbound.team_slug else None
    if team is None and category is not None:
        team = category.default_team
    if team is None and previous is not None:
        team = previous.team
    first_line = subject.strip().splitlines()[0] if subject.strip() else ""
    ticket = Ticket.objects.create(
        subject=(first_line or _("Message from %(name)s") % {"name": contact})[:250],
        contact=contact,
        requester_role=inbound.requester_role or (previous.requester_role if previous else "unknown"),
        category=category or (previous.category if previous else None),
        order_ref=order_ref[:64] or (previous.order_ref if previous else ""),
        channel=inbound.channel,
        priority=Priority.HIGH if category is not None and category.is_security else Priority.NORMAL,
        team=team,
        previous_ticket=previous,
        last_customer_message_at=now,
        search_text=search,
        created_at=now,
        updated_at=now,
    )
    return ticket


def _reopen(ticket: Ticket, *, now: dt.datetime) -> None:
    ticket.reopen_count += 1
    ticket.save(update_fields=["reopen_count"])
    set_status(ticket, Status.OPEN, by=None, now=now, kind=TicketEvent.Kind.REOPENED)


def sanitise_html(html: str) -> str:
    """Customer HTML made safe to show: no scripts, handlers, forms, styles or remote images."""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_block_remote_images,
    )


def _block_remote_images(tag: str, attribute: str, value: str) -> str | None:
    # Remote images track whether an agent opened a mail; only inline (cid:) images are kept.
    if tag == "img" and attribute == "src" and not value.startswith("cid:"):
        return None
    return value


def log_phone_call(
    *,
    by: Any,
    phone: str,
    name: str,
    subject: str,
    text: str,
    email: str = "",
    category_slug: str = "",
    order_ref: str = "",
    requester_role: str = "",
) -> Received:
    """An agent opens a ticket for a customer who phoned; the same path as every inbound message."""
    others = (SenderIdentity(kind="email", address=email, name=name),) if email else ()
    received = receive_message(
        InboundMessage(
            channel=Channel.PHONE,
            external_id=None,
            sender=SenderIdentity(kind="phone", address=phone, name=name),
            other_identities=others,
            subject=subject,
            text=text,
            category_slug=category_slug,
            order_ref=order_ref,
            requester_role=requester_role,
            metadata={"logged_by": by.pk},
            acknowledge=bool(email),  # a customer who phoned is acknowledged only if they gave an email
        )
    )
    Message.objects.filter(pk=received.message.pk).update(author_user=by)
    return received
