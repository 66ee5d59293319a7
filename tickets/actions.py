"""Every change to a ticket happens here, whoever asks: web workspace, API, channels, workers.

Each action validates, writes the change and its TicketEvent in one transaction, tells the SLA clocks,
and queues side effects (sending, acknowledgements) to run after commit. Callers handle ActionError,
whose message is written for the person who asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.queue import enqueue_on_commit
from tickets import identities
from tickets.attachments import store_attachment
from tickets.inbound import InboundAttachment, InboundMessage, SenderIdentity
from tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Category,
    Channel,
    Contact,
    ContactIdentity,
    DeliveryStatus,
    Direction,
    HoldReason,
    Message,
    Priority,
    Status,
    Tag,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.redaction import redact

# Message channels where a conversation is a stream: a new message joins the contact's open ticket.
STREAM_CHANNELS = {Channel.CHAT, Channel.WHATSAPP, Channel.INSTAGRAM, Channel.MESSENGER, Channel.X}
SEARCH_TEXT_LIMIT = 20_000


class ActionError(Exception):
    """An action was refused; the message says why, for the person who asked."""


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
    return (
        Message.objects.select_related("ticket")
        .filter(channel=inbound.channel, external_id=inbound.external_id)
        .first()
    )


def _receive(inbound: InboundMessage) -> Received:
    now = timezone.now()
    contact = find_or_create_contact(
        inbound.sender, others=inbound.other_identities, language=inbound.language
    )
    # Serialise messages of one contact, so two arriving 200 ms apart find the same ticket.
    contact = Contact.objects.select_for_update().get(pk=contact.pk)

    subject = redact(inbound.subject)
    text = redact(inbound.text)
    full_text = redact(inbound.full_text or inbound.text)
    html = redact(sanitise_html(inbound.html)) if inbound.html else None
    flagged = subject.flagged or text.flagged or full_text.flagged or bool(html and html.flagged)

    ticket, previous = _find_ticket(inbound, contact)
    created = ticket is None
    if ticket is None:
        ticket = _open_ticket(inbound, contact, subject.text or text.text, previous=previous, now=now)
        _event(ticket, TicketEvent.Kind.CREATED, after={"channel": inbound.channel}, at=now)
    elif ticket.status == Status.RESOLVED:
        _reopen(ticket, now=now)
    elif ticket.status in (Status.PENDING, Status.ON_HOLD):
        _set_status(ticket, Status.OPEN, by=None, now=now)

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
    for cc in inbound.cc:
        try:
            participant = find_or_create_contact(cc)
        except ValidationError:
            continue
        if participant.pk != ticket.contact_id:
            ticket.participants.add(participant)

    ticket.last_customer_message_at = now
    ticket.updated_at = now
    ticket.search_text = _search_text(ticket, text.text)
    fields = ["last_customer_message_at", "updated_at", "search_text"]
    if flagged and not ticket.security_flag:
        ticket.security_flag = True
        fields.append("security_flag")
    ticket.save(update_fields=fields)
    _event(ticket, TicketEvent.Kind.MESSAGE, message=message, at=now)
    if flagged:
        _event(
            ticket, TicketEvent.Kind.SECURITY, after={"masked": _masked_kinds(subject, text, html)}, at=now
        )
    _after_change(ticket, reason="customer_message")
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
    sender: SenderIdentity, *, others: Sequence[SenderIdentity] = (), language: str = ""
) -> Contact:
    """The Contact behind an address; raises ValidationError for an address that cannot be normalised.

    Other identities the customer gave join the same contact when they are new; when the sender's own
    address is new but one of the others is known, the sender joins that known contact (a form that
    gives the phone number a WhatsApp chat came from).
    """
    address = identities.normalise(sender.kind, sender.address)
    identity = (
        ContactIdentity.objects.select_related("contact").filter(kind=sender.kind, address=address).first()
    )
    normalised_others: list[tuple[str, str, str]] = []
    for other in others:
        try:
            normalised_others.append(
                (other.kind, identities.normalise(other.kind, other.address), other.name)
            )
        except ValidationError:
            continue
    if identity is not None:
        contact = _live_contact(identity.contact)
    else:
        known = (
            ContactIdentity.objects.select_related("contact")
            .filter(
                _identity_filter(normalised_others),
            )
            .first()
            if normalised_others
            else None
        )
        if known is not None:
            contact = _live_contact(known.contact)
        else:
            contact = Contact.objects.create(
                name=sender.name[:200], language=language if language in dict(settings.LANGUAGES) else "id"
            )
        identity, created = ContactIdentity.objects.get_or_create(
            kind=sender.kind,
            address=address,
            defaults={"contact": contact, "display_name": sender.name[:200]},
        )
        if not created and identity.contact_id != contact.pk:
            # A concurrent first message from the same address won the race: join its contact.
            if known is None and not contact.identities.exists():
                contact.delete()
            contact = _live_contact(identity.contact)
    if sender.name and not contact.name:
        contact.name = sender.name[:200]
        contact.save(update_fields=["name"])
    for kind, other_address, name in normalised_others:
        ContactIdentity.objects.get_or_create(
            kind=kind, address=other_address, defaults={"contact": contact, "display_name": name[:200]}
        )
    return contact


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
    inbound: InboundMessage, contact: Contact, subject: str, *, previous: Ticket | None, now: dt.datetime
) -> Ticket:
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
        created_at=now,
        updated_at=now,
    )
    return ticket


def _reopen(ticket: Ticket, *, now: dt.datetime) -> None:
    ticket.reopen_count += 1
    ticket.save(update_fields=["reopen_count"])
    _set_status(ticket, Status.OPEN, by=None, now=now, kind=TicketEvent.Kind.REOPENED)


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


# --- Agent actions ----------------------------------------------------------------------------------


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def reply(
    ticket: Ticket,
    *,
    by: Any,
    text: str,
    attachments: Sequence[InboundAttachment] = (),
    status: str | None = None,
) -> Message:
    """An agent's answer to the customer, sent on the ticket's channel after commit."""
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise ActionError(_("This ticket is closed. The customer's next message will open a new ticket."))
    if ticket.merged_into_id:
        raise ActionError(_("This ticket was merged into another ticket; reply there."))
    body = redact(text.strip())
    if not body.text and not attachments:
        raise ActionError(_("A reply needs some text or an attachment."))
    from channels_intake.policy import check_can_send

    check_can_send(ticket, kind="text", with_attachments=bool(attachments))  # e.g. WhatsApp's 24 hours
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=ticket.channel,
        author_user=by,
        text=body.text,
        subject=ticket.subject,
        delivery_status=DeliveryStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    for item in attachments:
        store_attachment(message, filename=item.filename, content=item.content)
    fields = ["last_agent_message_at", "updated_at"]
    ticket.last_agent_message_at = now
    ticket.updated_at = now
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    ticket.save(update_fields=fields)
    _event(ticket, TicketEvent.Kind.REPLY, actor=by, message=message, at=now)
    if status is not None and status != ticket.status:
        _set_status(ticket, status, by=by, now=now)
    elif ticket.status == Status.NEW:
        _set_status(ticket, Status.OPEN, by=by, now=now)
    _after_change(ticket, reason="agent_reply")
    from channels_intake import tasks as intake_tasks

    enqueue_on_commit(intake_tasks.deliver_message, message.pk)
    return message


@transaction.atomic
def add_note(ticket: Ticket, *, by: Any, text: str, attachments: Sequence[InboundAttachment] = ()) -> Message:
    """An internal note: agents see it, the customer never does."""
    ticket = _locked(ticket)
    body = redact(text.strip())
    if not body.text and not attachments:
        raise ActionError(_("A note needs some text."))
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.NOTE,
        channel=ticket.channel,
        author_user=by,
        text=body.text,
        delivery_status=DeliveryStatus.SENT,
        created_at=now,
    )
    for item in attachments:
        store_attachment(message, filename=item.filename, content=item.content)
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    _event(ticket, TicketEvent.Kind.NOTE, actor=by, message=message, at=now)
    _publish(ticket, "note")
    return message


class MessageTemplate(Protocol):
    """A provider-approved template (channels_intake.accounts.WhatsAppTemplate)."""

    name: str
    language: str

    @property
    def variable_count(self) -> int: ...

    def render(self, variables: Sequence[str]) -> str: ...


@transaction.atomic
def send_template(ticket: Ticket, *, by: Any, template: MessageTemplate, variables: Sequence[str]) -> Message:
    """Send an approved template (WhatsApp outside the 24-hour window), stored like a reply."""
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise ActionError(_("This ticket is closed. The customer's next message will open a new ticket."))
    if ticket.merged_into_id:
        raise ActionError(_("This ticket was merged into another ticket; reply there."))
    values = [value.strip() for value in variables]
    if len(values) != template.variable_count or not all(values):
        raise ActionError(
            _("The template “%(name)s” needs %(count)d filled-in values.")
            % {"name": template.name, "count": template.variable_count}
        )
    from channels_intake.policy import check_can_send

    check_can_send(ticket, kind="template")
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=ticket.channel,
        author_user=by,
        text=redact(template.render(values)).text,
        subject=ticket.subject,
        delivery_status=DeliveryStatus.QUEUED,
        next_attempt_at=now,
        metadata={"template": {"name": template.name, "language": template.language, "variables": values}},
        created_at=now,
    )
    fields = ["last_agent_message_at", "updated_at"]
    ticket.last_agent_message_at = now
    ticket.updated_at = now
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    ticket.save(update_fields=fields)
    _event(
        ticket, TicketEvent.Kind.REPLY, actor=by, message=message, at=now, after={"template": template.name}
    )
    if ticket.status == Status.NEW:
        _set_status(ticket, Status.OPEN, by=by, now=now)
    _after_change(ticket, reason="agent_reply")
    from channels_intake import tasks as intake_tasks

    enqueue_on_commit(intake_tasks.deliver_message, message.pk)
    return message


def add_attachment(message: Message, *, filename: str, content: bytes, key: str = "") -> Attachment | None:
    """Attach a file that arrived after its message (channel media fetched by a task).

    ``key`` names the file at the provider (a media id, a URL): the same key attaches once, however
    often the task runs. Returns None when it was already attached.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("ticket").get(pk=message.pk)
        keys = list(message.metadata.get("attached_keys") or [])
        if key and key in keys:
            return None
        attachment = store_attachment(message, filename=filename, content=content)
        if key:
            message.metadata = {**message.metadata, "attached_keys": [*keys, key]}
            message.save(update_fields=["metadata"])
        _event(
            message.ticket,
            TicketEvent.Kind.MESSAGE,
            message=message,
            after={"attachment": attachment.filename},
        )
        return attachment


@transaction.atomic
def assign(ticket: Ticket, *, agent: Any | None, by: Any | None) -> Ticket:
    """Give the ticket to an agent (None: back to the unassigned queue)."""
    ticket = _locked(ticket)
    if agent is not None and not hasattr(agent, "agent"):
        raise ActionError(_("%(user)s is not an agent.") % {"user": agent})
    if agent is not None and not agent.is_active:
        raise ActionError(_("%(user)s is deactivated.") % {"user": agent})
    if ticket.assignee_id == (agent.pk if agent else None):
        return ticket
    before = ticket.assignee.get_username() if ticket.assignee else None
    ticket.assignee = agent
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["assignee", "updated_at"])
    _event(
        ticket,
        TicketEvent.Kind.ASSIGNED,
        actor=by,
        before=before,
        after=agent.get_username() if agent else None,
    )
    _after_change(ticket, reason="assigned")
    return ticket


@transaction.atomic
def set_team(ticket: Ticket, *, team: Team | None, by: Any | None) -> Ticket:
    ticket = _locked(ticket)
    if ticket.team_id == (team.pk if team else None):
        return ticket
    before = ticket.team.name if ticket.team else None
    ticket.team = team
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["team", "updated_at"])
    _event(ticket, TicketEvent.Kind.TEAM, actor=by, before=before, after=team.name if team else None)
    _after_change(ticket, reason="team")
    return ticket


@transaction.atomic
def change_status(ticket: Ticket, *, status: str, by: Any | None, hold_reason: str = "") -> Ticket:
    """Move the ticket to ``status`` if the transition table allows it."""
    ticket = _locked(ticket)
    if status not in Status.values:
        raise ActionError(_("Unknown status: %(status)s.") % {"status": status})
    if hold_reason and hold_reason not in HoldReason.values:
        raise ActionError(_("Unknown on-hold reason: %(reason)s.") % {"reason": hold_reason})
    if status == ticket.status and (status != Status.ON_HOLD or hold_reason == ticket.hold_reason):
        return ticket
    _set_status(ticket, status, by=by, now=timezone.now(), hold_reason=hold_reason)
    _after_change(ticket, reason="status")
    return ticket


def _set_status(
    ticket: Ticket,
    status: str,
    *,
    by: Any | None,
    now: dt.datetime,
    hold_reason: str = "",
    kind: str = TicketEvent.Kind.STATUS,
) -> None:
    """Precondition: the ticket row is locked by the caller's transaction."""
    before = ticket.status
    if status != before and not ticket.can_move_to(status):
        raise ActionError(
            _("A ticket cannot move from “%(before)s” to “%(after)s”.")
            % {"before": Status(before).label, "after": Status(status).label}
        )
    ticket.status = status
    ticket.hold_reason = hold_reason if status == Status.ON_HOLD else ""
    ticket.updated_at = now
    fields = ["status", "hold_reason", "updated_at"]
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            fields.append("resolved_at")
    elif before == Status.RESOLVED:
        ticket.resolved_at = None
        fields.append("resolved_at")
    ticket.save(update_fields=fields)
    after: dict[str, str] | str = status
    if ticket.hold_reason:
        after = {"status": status, "hold_reason": ticket.hold_reason}
    _event(ticket, kind, actor=by, before=before, after=after, at=now)


@transaction.atomic
def set_priority(ticket: Ticket, *, priority: str, by: Any | None) -> Ticket:
    ticket = _locked(ticket)
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority: %(priority)s.") % {"priority": priority})
    if priority == ticket.priority:
        return ticket
    before = ticket.priority
    ticket.priority = priority
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["priority", "updated_at"])
    _event(ticket, TicketEvent.Kind.PRIORITY, actor=by, before=before, after=priority)
    _after_change(ticket, reason="priority")
    return ticket


@transaction.atomic
def set_category(ticket: Ticket, *, category: Category | None, by: Any | None) -> Ticket:
    ticket = _locked(ticket)
    if ticket.category_id == (category.pk if category else None):
        return ticket
    before = ticket.category.slug if ticket.category else None
    ticket.category = category
    ticket.updated_at = timezone.now()
    fields = ["category", "updated_at"]
    if category is not None and category.default_team_id and ticket.team_id is None:
        ticket.team_id = category.default_team_id
        fields.append("team")
    ticket.save(update_fields=fields)
    _event(
        ticket, TicketEvent.Kind.CATEGORY, actor=by, before=before, after=category.slug if category else None
    )
    _after_change(ticket, reason="category")
    return ticket


@transaction.atomic
def set_tags(ticket: Ticket, *, names: Iterable[str], by: Any | None) -> Ticket:
    ticket = _locked(ticket)
    wanted = sorted({name.strip().lower()[:50] for name in names if name.strip()})
    before = sorted(ticket.tags.values_list("name", flat=True))
    if wanted == before:
        return ticket
    tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
    ticket.tags.set(tags)
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["updated_at"])
    _event(ticket, TicketEvent.Kind.TAGS, actor=by, before=before, after=wanted)
    return ticket


@transaction.atomic
def set_order_ref(ticket: Ticket, *, order_ref: str, by: Any | None) -> Ticket:
    ticket = _locked(ticket)
    value = order_ref.strip()[:64]
    if value == ticket.order_ref:
        return ticket
    before = ticket.order_ref
    ticket.order_ref = value
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["order_ref", "updated_at"])
    _event(
        ticket, TicketEvent.Kind.CATEGORY, actor=by, before={"order_ref": before}, after={"order_ref": value}
    )
    return ticket


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
    into.search_text = _search_text(into, source.search_text)
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
        _set_status(source, Status.CLOSED, by=by, now=now)
    _event(source, TicketEvent.Kind.MERGED, actor=by, after={"into": into.pk}, at=now)
    _event(into, TicketEvent.Kind.MERGED, actor=by, after={"from": source.pk, "messages": moved}, at=now)
    _after_change(into, reason="merged")
    _after_change(source, reason="merged")
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


# --- Delivery state (called by channel senders and provider callbacks) ------------------------------


def record_delivery(
    message: Message, *, status: str, error: str = "", external_id: str | None = None
) -> None:
    """A provider told us what happened to an outbound message."""
    order: list[str] = [
        DeliveryStatus.QUEUED,
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.READ,
    ]
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        fields = []
        if external_id and not message.external_id:
            message.external_id = external_id
            fields.append("external_id")
        # Callbacks arrive out of order: never move back from read to delivered.
        if status == DeliveryStatus.FAILED or (
            message.delivery_status in order
            and status in order
            and order.index(status) > order.index(message.delivery_status)
        ):
            message.delivery_status = status
            fields.append("delivery_status")
        if error:
            message.delivery_error = error[:2000]
            fields.append("delivery_error")
        if fields:
            message.save(update_fields=fields)
        if status == DeliveryStatus.FAILED:
            _event(message.ticket, TicketEvent.Kind.DELIVERY, message=message, after={"error": error[:500]})


# --- Internals -----------------------------------------------------------------------------------


def _event(
    ticket: Ticket,
    kind: str,
    *,
    actor: Any | None = None,
    before: object = None,
    after: object = None,
    message: Message | None = None,
    at: dt.datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        before=before,
        after=after,
        message=message,
        created_at=at or timezone.now(),
    )


def record_event(ticket: Ticket, kind: str, **kwargs: Any) -> TicketEvent:
    """For other apps (sla, escalation) that add to a ticket's timeline."""
    return _event(ticket, kind, **kwargs)


def _search_text(ticket: Ticket, extra: str) -> str:
    """Message text for search (subject, order and contact are searched in their own columns).

    A long conversation keeps its newest text within the limit.
    """
    combined = f"{ticket.search_text}\n{extra.lower()}" if ticket.search_text else extra.lower()
    return combined[-SEARCH_TEXT_LIMIT:]


def _after_change(ticket: Ticket, *, reason: str) -> None:
    """Everything that must follow any change to a ticket, in one place: SLA clocks, escalation rules,
    and (after commit) live updates of every desk page showing the ticket."""
    from sla.clocks import recompute  # local: sla imports tickets

    recompute(ticket, reason=reason)
    from escalation import hooks as escalation_hooks  # local: escalation imports tickets

    escalation_hooks.ticket_changed(ticket, reason=reason)
    _publish(ticket, reason)


def _publish(ticket: Ticket, reason: str) -> None:
    from tickets import live

    ticket_id = ticket.pk
    transaction.on_commit(lambda: live.publish_ticket_changed(ticket_id, reason))
