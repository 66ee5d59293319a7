"""Customer messages in: one path for every channel, from dedupe to the ticket they belong to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.queue import enqueue_on_commit
from tickets import identities
from tickets.actions.base import (
    STREAM_CHANNELS,
    after_change,
    event,
    record_events,
    search_text,
    set_status,
    unsaved_event,
)
from tickets.attachments import store_attachment
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Contact,
    ContactIdentity,
    DeliveryStatus,
    Direction,
    Message,
    Priority,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.redaction import redact


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
    html = redact(sanitise_html(inbound.html)) if inbound.html else None
    flagged = subject.flagged or text.flagged or full_text.flagged or bool(html and html.flagged)

    ticket, previous = _find_ticket(inbound, contact)
    created = ticket is None
    if ticket is None:
        ticket = _open_ticket(
            inbound,
            contact,
            subject.text or text.text,
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
        metadata=dict(inbound.metadata),
        sent_at=inbound.sent_at,
        created_at=now,
    )
    for item in inbound.attachments:
        store_attachment(message, filename=item.filename, content=item.content, content_id=item.content_id)
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

    fields = []  # a new ticket was written with them
    if not created:
        ticket.last_customer_message_at = now
        ticket.updated_at = now
        ticket.search_text = search_text(ticket, text.text)
        fields = ["last_customer_message_at", "updated_at", "search_text"]
    if flagged and not ticket.security_flag:
        ticket.security_flag = True
        fields.append("security_flag")
    if fields:
        ticket.save(update_fields=fields)
    entries = []
    if created:
        entries.append(
            unsaved_event(ticket, TicketEvent.Kind.CREATED, after={"channel": inbound.channel}, at=now)
        )
    entries.append(unsaved_event(ticket, TicketEvent.Kind.MESSAGE, message=message, at=now))
    record_events(entries)  # one INSERT
    if flagged:
        event(ticket, TicketEvent.Kind.SECURITY, after={"masked": _masked_kinds(subject, text, html)}, at=now)
    after_change(ticket, reason="customer_message", first_message=message if created else None)
    if created and not inbound.is_automatic:
        from tickets import tasks

        enqueue_on_commit(tasks.send_acknowledgement, ticket.pk)
    return Received(ticket, message, created_ticket=created)


def _masked_kinds(*redactions: Any) -> list[str]:
    kinds: set[str] = set()
    for item in redactions:
        if item is not None:
            kinds.update(item.kinds)
    return sorted(kinds)


def find_or_create_contact(
    sender: SenderIdentity,
    *,
    others: Sequence[SenderIdentity] = (),
    language: str = "",
    lock: bool = False,
) -> Contact:
    """The Contact behind an address; raises ValidationError for an address that cannot be normalised.

    Other identities the customer gave join the same contact when they are new; when the sender's own
    address is new but one of the others is known, the sender joins that known contact (a form that
    gives the phone number a WhatsApp chat came from).

    ``lock``: the contact's row is locked in the caller's transaction (receive_message serialises the
    messages of one contact this way). A contact created here needs no lock: no other transaction can
    see it before this one commits.
    """
    address = identities.normalise(sender.kind, sender.address)
    normalised_others: list[tuple[str, str, str]] = []
    for other in others:
        try:
            normalised_others.append(
                (other.kind, identities.normalise(other.kind, other.address), other.name)
            )
        except ValidationError:
            continue
    # Every address the message gives, with its contact, in one query. With the sender's address alone
    # (every email) that query also takes the lock; locking the contacts of several addresses at once
    # could deadlock two messages that give them in a different order, so that case locks afterwards.
    lock_in_query = lock and not normalised_others
    rows = ContactIdentity.objects.select_related("contact").filter(
        _identity_filter([(sender.kind, address, sender.name), *normalised_others])
    )
    if lock_in_query:
        rows = rows.select_for_update(of=("contact",))
    known_identities = {(row.kind, row.address): row for row in rows}
    locked_ids = {row.contact_id for row in known_identities.values()} if lock_in_query else set()
    new_contact: Contact | None = None
    identity = known_identities.get((sender.kind, address))
    if identity is not None:
        contact = _live_contact(identity.contact)
    else:
        # The first known one in the identities' own order, as .first() picked it.
        given = [known_identities.get((kind, other)) for kind, other, _name in normalised_others]
        known = min(filter(None, given), key=lambda row: (row.kind, row.address), default=None)
        if known is not None:
            contact = _live_contact(known.contact)
        else:
            contact = new_contact = Contact.objects.create(
                name=sender.name[:200], language=language if language in dict(settings.LANGUAGES) else "id"
            )
        identity, created = _add_identity(sender.kind, address, contact=contact, display_name=sender.name)
        if not created and identity.contact_id != contact.pk:
            # A concurrent first message from the same address won the race: join its contact.
            if known is None and not contact.identities.exists():
                contact.delete()
            contact = _live_contact(identity.contact)
    if lock and contact is not new_contact and contact.pk not in locked_ids:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if sender.name and not contact.name:
        contact.name = sender.name[:200]
        contact.save(update_fields=["name"])
    for kind, other_address, name in normalised_others:
        if (kind, other_address) not in known_identities:
            _add_identity(kind, other_address, contact=contact, display_name=name)
    return contact


def _add_identity(
    kind: str, address: str, *, contact: Contact, display_name: str
) -> tuple[ContactIdentity, bool]:
    """get_or_create for an address the caller just looked up and did not find: (identity, created).

    Another transaction may have added it since (the unique constraint says so): then its row.
    """
    try:
        with transaction.atomic():
            identity = ContactIdentity.objects.create(
                kind=kind, address=address, contact=contact, display_name=display_name[:200]
            )
    except IntegrityError:
        return ContactIdentity.objects.select_related("contact").get(kind=kind, address=address), False
    return identity, True


def _identity_filter(pairs: Iterable[tuple[str, str, str]]) -> Q:
    query = Q(pk__in=[])
    for kind, address, _name in pairs:
        query |= Q(kind=kind, address=address)
    return query


def _live_contact(contact: Contact) -> Contact:
    seen = set()
    while contact.merged_into_id is not None and contact.pk not in seen:
        seen.add(contact.pk)
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


def _find_ticket(inbound: InboundMessage, contact: Contact) -> tuple[Ticket | None, Ticket | None]:
    """(ticket to append to, closed ticket a new one should link to)."""
    ticket: Ticket | None = None
    if inbound.ticket_id is not None:
        ticket = Ticket.objects.filter(pk=inbound.ticket_id).first()
    if ticket is None and inbound.references:
        referenced = (
            Message.objects.filter(channel=inbound.channel, external_id__in=list(inbound.references))
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        ticket = referenced.ticket if referenced else None
    if ticket is None and inbound.subject_ticket_number is not None:
        candidate = Ticket.objects.filter(pk=inbound.subject_ticket_number).first()
        if candidate is not None and (
            candidate.contact_id == contact.pk or candidate.participants.filter(pk=contact.pk).exists()
        ):
            ticket = candidate
    if ticket is None and inbound.channel in STREAM_CHANNELS and not inbound.new_conversation:
        ticket = (
            Ticket.objects.filter(contact=contact, channel=inbound.channel, merged_into__isnull=True)
            .filter(
                Q(status__in=OPEN_STATUSES) | Q(status=Status.RESOLVED, resolved_at__gte=_reopen_cutoff())
            )
            .order_by("-updated_at")
            .first()
        )
    if ticket is None:
        return None, None
    ticket = _follow_merges(ticket)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        return None, ticket
    return ticket, None


def _reopen_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=getattr(settings, "STREAM_REOPEN_WINDOW_DAYS", 7))


def _follow_merges(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _open_ticket(
    inbound: InboundMessage,
    contact: Contact,
    subject: str,
    *,
    search: str,
    previous: Ticket | None,
    now: dt.datetime,
) -> Ticket:
    """The new ticket, with its first message's time and search text (``search``) already set."""
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
        order_ref=inbound.order_ref.strip()[:64] or (previous.order_ref if previous else ""),
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
            is_automatic=not email,  # no acknowledgement mail without an address
        )
    )
    Message.objects.filter(pk=received.message.pk).update(author_user=by)
    return received
