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
from django.db.models import Case, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.queue import enqueue_on_commit
from tickets import identities
from tickets.actions.base import (
    STREAM_CHANNELS,
    after_change,
    flag_security,
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

    ticket, previous = _find_ticket(inbound, contact)
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
    name = _name(sender.name)  # names are typed by customers too: "Budi 4111 1111 1111 1111"
    normalised_others: list[tuple[str, str, str]] = []
    for other in others:
        try:
            normalised_others.append(
                (other.kind, identities.normalise(other.kind, other.address), _name(other.name))
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
                name=name, language=language if language in dict(settings.LANGUAGES) else "id"
            )
        identity, created = _add_identity(sender.kind, address, contact=contact, display_name=name)
        if not created and identity.contact_id != contact.pk:
            # A concurrent first message from the same address won the race: join its contact.
            if known is None and not contact.identities.exists():
                contact.delete()
            contact = _live_contact(identity.contact)
    if lock and contact is not new_contact and contact.pk not in locked_ids:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if name and not contact.name:
        contact.name = name
        contact.save(update_fields=["name"])
    for kind, other_address, other_name in normalised_others:
        if (kind, other_address) not in known_identities:
            _add_identity(kind, other_address, contact=contact, display_name=other_name)
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


def _name(value: str) -> str:
    return redact(value).text[:200]


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
        ticket = Ticket.objects.select_for_update().get(pk=_follow_merges(ticket).pk)
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
