"""What goes out to the customer (replies, templates), internal notes, and what providers report back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.queue import enqueue_on_commit
from tickets.actions.base import (
    ActionError,
    after_change,
    event,
    flag_security,
    locked,
    publish,
    search_text,
    set_status,
)
from tickets.attachments import store_attachment
from tickets.inbound import InboundAttachment
from tickets.models import (
    Attachment,
    Channel,
    DeliveryStatus,
    Direction,
    Message,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.redaction import masked_kinds, redact


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
    ticket = locked(ticket)
    if ticket.status == Status.CLOSED:
        raise ActionError(_("This ticket is closed. The customer's next message will open a new ticket."))
    if ticket.merged_into_id:
        raise ActionError(_("This ticket was merged into another ticket; reply there."))
    body = redact(text.strip())
    if not body.text and not attachments:
        raise ActionError(_("A reply needs some text or an attachment."))
    from channels_intake.policy import check_can_send

    check_can_send(ticket, kind="text", with_attachments=bool(attachments))  # e.g. WhatsApp's 24 hours
    message = _store_outbound(ticket, by=by, text=body.text, channel=ticket.channel)
    masked = list(body.kinds)
    for item in attachments:
        masked += store_attachment(message, filename=item.filename, content=item.content).masked
    _answered(ticket, by=by, message=message, status=status, masked=masked)
    return message


@transaction.atomic
def email_customer(
    ticket: Ticket, *, by: Any | None, text: str, subject: str, automatic: bool = False
) -> Message:
    """Write to the customer by email whatever the ticket's channel, also on a closed ticket: what our
    policy promises "in writing by email" (an escalation's acknowledgement and its outcome).

    Stored on the conversation as an outbound email and delivered after commit like a reply. A person's
    message on a ticket that is not closed answers the customer (first response, SLA clocks) as a reply
    does; an ``automatic`` one, or one on a closed ticket, changes nothing else.
    """
    ticket = locked(ticket)
    if ticket.merged_into_id:
        raise ActionError(_("This ticket was merged into another ticket; reply there."))
    if not ticket.contact.email:
        raise ActionError(_("This customer has no email address to reply to."))
    body = redact(text.strip())
    if not body.text:
        raise ActionError(_("A reply needs some text or an attachment."))
    message = _store_outbound(
        ticket,
        by=by,
        text=body.text,
        channel=Channel.EMAIL,
        subject=subject,
        automatic=automatic,
    )
    if automatic or ticket.status == Status.CLOSED:
        event(ticket, TicketEvent.Kind.REPLY, actor=by, message=message, at=message.created_at)
        flag_security(ticket, body.kinds, actor=by, message=message, at=message.created_at)
        publish(ticket, "email", message=message)
        _deliver(message)
    else:
        _answered(ticket, by=by, message=message, masked=body.kinds)
    return message


def _store_outbound(
    ticket: Ticket,
    *,
    by: Any | None,
    text: str,
    channel: str,
    subject: str = "",
    metadata: dict[str, Any] | None = None,
    automatic: bool = False,
) -> Message:
    now = timezone.now()
    return Message.objects.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=channel,
        author_user=by,
        text=text,
        subject=subject or ticket.subject,
        delivery_status=DeliveryStatus.QUEUED,
        next_attempt_at=now,
        metadata=metadata or {},
        is_automatic=automatic,  # not an answer for the SLA clocks
        created_at=now,
    )


def _answered(
    ticket: Ticket,
    *,
    by: Any | None,
    message: Message,
    status: str | None = None,
    after: dict[str, Any] | None = None,
    masked: Sequence[str] = (),
) -> None:
    """An agent's message to the customer was stored: stamp the answer, move the status, queue the send.

    Precondition: the ticket row is locked by the caller's transaction.
    """
    now = message.created_at
    fields = ["last_agent_message_at", "updated_at", "search_text"]
    ticket.last_agent_message_at = now
    ticket.updated_at = now
    ticket.search_text = search_text(ticket, message.text)
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    ticket.save(update_fields=fields)
    event(ticket, TicketEvent.Kind.REPLY, actor=by, message=message, at=now, after=after)
    flag_security(ticket, masked, actor=by, message=message, at=now)
    if status is not None and status != ticket.status:
        set_status(ticket, status, by=by, now=now)
    elif ticket.status == Status.NEW:
        set_status(ticket, Status.OPEN, by=by, now=now)
    after_change(ticket, reason="agent_reply", message=message)
    _deliver(message)


def _deliver(message: Message) -> None:
    from channels_intake import tasks as intake_tasks

    enqueue_on_commit(intake_tasks.deliver_message, message.pk)


@transaction.atomic
def add_note(ticket: Ticket, *, by: Any, text: str, attachments: Sequence[InboundAttachment] = ()) -> Message:
    """An internal note: agents see it, the customer never does."""
    ticket = locked(ticket)
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
    masked = list(body.kinds)
    for item in attachments:
        masked += store_attachment(message, filename=item.filename, content=item.content).masked
    ticket.updated_at = now
    # Notes are searchable: agents look for what they noted; the customer never sees search.
    ticket.search_text = search_text(ticket, message.text)
    ticket.save(update_fields=["updated_at", "search_text"])
    event(ticket, TicketEvent.Kind.NOTE, actor=by, message=message, at=now)
    flag_security(ticket, masked, actor=by, message=message, at=now)
    publish(ticket, "note", message=message)
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
    ticket = locked(ticket)
    if ticket.status == Status.CLOSED:
        raise ActionError(_("This ticket is closed. The customer's next message will open a new ticket."))
    if ticket.merged_into_id:
        raise ActionError(_("This ticket was merged into another ticket; reply there."))
    # Variables are stored in the metadata: redacted like any text an agent types.
    redactions = [redact(value.strip()) for value in variables]
    values = [item.text for item in redactions]
    if len(values) != template.variable_count or not all(values):
        raise ActionError(
            _("The template “%(name)s” needs %(count)d filled-in values.")
            % {"name": template.name, "count": template.variable_count}
        )
    from channels_intake.policy import check_can_send

    check_can_send(ticket, kind="template")
    rendered = redact(template.render(values))
    message = _store_outbound(
        ticket,
        by=by,
        text=rendered.text,
        channel=ticket.channel,
        metadata={"template": {"name": template.name, "language": template.language, "variables": values}},
    )
    _answered(
        ticket,
        by=by,
        message=message,
        after={"template": template.name},
        masked=masked_kinds([rendered, *redactions]),
    )
    return message


def add_attachment(message: Message, *, filename: str, content: bytes, key: str = "") -> Attachment | None:
    """Attach a file that arrived after its message (channel media fetched by a task).

    ``key`` names the file at the provider (a media id, a URL): the same key attaches once, however
    often the task runs. Returns None when it was already attached.
    """
    with transaction.atomic():
        # The ticket before the message, the order every other action locks in (merge moves messages).
        ticket = locked(Ticket(pk=Message.objects.values_list("ticket_id", flat=True).get(pk=message.pk)))
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.ticket_id != ticket.pk:  # merged away before we got the lock
            ticket = locked(Ticket(pk=message.ticket_id))
        keys = list(message.metadata.get("attached_keys") or [])
        if key and key in keys:
            return None
        stored = store_attachment(message, filename=filename, content=content)
        if key:
            message.metadata = {**message.metadata, "attached_keys": [*keys, key]}
            message.save(update_fields=["metadata"])
        event(
            ticket,
            TicketEvent.Kind.MESSAGE,
            message=message,
            after={"attachment": stored.attachment.filename},
        )
        flag_security(ticket, stored.masked, message=message)
        return stored.attachment


def record_delivery(
    message: Message, *, status: str, error: str = "", external_id: str | None = None
) -> None:
    """A provider told us what happened to an outbound message."""
    order: list[str] = [
        DeliveryStatus.QUEUED,
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.READ,
        DeliveryStatus.COMPLAINED,  # nothing that arrives later un-marks a spam complaint
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
        if "delivery_status" in fields and status in order[1:]:
            from escalation import hooks as escalation_hooks  # local: escalation imports tickets

            escalation_hooks.message_sent(message_id=message.pk, at=timezone.now())
        if status == DeliveryStatus.FAILED:
            event(message.ticket, TicketEvent.Kind.DELIVERY, message=message, after={"error": error[:500]})
