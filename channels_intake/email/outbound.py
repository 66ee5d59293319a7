"""Sending agent replies by email (Django's email backend: Anymail, SMTP or the console).

Every reply carries our signed Message-ID (channels_intake.email.message_ids), so the customer's answer
threads back to the ticket; In-Reply-To/References chain the conversation; the subject carries the
ticket number; Reply-To routes back to us. A SentEmail row keeps our Message-ID and the provider's id so
bounces and tracking webhooks find the message.
"""

from __future__ import annotations

import smtplib

from anymail.exceptions import AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from channels_intake.email.auto_replies import esp_message_id
from channels_intake.email.message_ids import make_message_id
from channels_intake.email.models import SentEmail
from channels_intake.transport import TransportError
from tickets.links import status_url
from tickets.models import Direction, Message
from tickets.notifications import AUTOMATIC_HEADERS


def send(message: Message) -> str:
    """Send ``message`` to the ticket's customer; returns the Message-ID it was sent with."""
    ticket = message.ticket
    recipient = ticket.contact.email
    if not recipient:
        raise TransportError(_("This customer has no email address to reply to."), permanent=True)
    earlier: list[str] = list(
        ticket.messages.exclude(pk=message.pk)
        .exclude(direction=Direction.NOTE)
        .exclude(external_id__isnull=True)
        .filter(external_id__startswith="<")
        .order_by("created_at")
        .values_list("external_id", flat=True)  # type: ignore[arg-type]
    )
    # The same id on every attempt: a retried send is the same email to the receiving server.
    message_id = make_message_id(ticket.pk, f"m{message.pk}")
    headers = {"Message-ID": message_id}
    if message.is_automatic:  # an acknowledgement we send on our own (RFC 3834)
        headers.update(AUTOMATIC_HEADERS)
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier[-20:])
    with translation.override(ticket.contact.language or "id"):
        context = {"ticket": ticket, "message": message, "status_url": status_url(ticket)}
        body = render_to_string("tickets/email/reply.txt", context)
        # Replies keep the ticket's subject (as "Re:"); our own notices (escalation outcomes) have theirs.
        own_subject = bool(message.subject) and message.subject != ticket.subject
        subject = message.subject if own_subject else ticket.subject
        if ticket.reference not in subject:
            subject = f"[{ticket.reference}] {subject}"
        if not own_subject and not subject.lower().startswith("re:") and earlier:
            subject = _("Re: %(subject)s") % {"subject": subject}
    email = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        cc=[c.email for c in ticket.participants.all() if c.email],
        reply_to=[settings.SUPPORT_REPLY_TO or settings.DEFAULT_FROM_EMAIL],
        headers=headers,
    )
    # Anymail sends these to the provider, which echoes them in tracking events.
    email.metadata = {"sd_message": str(message.pk), "sd_ticket": str(ticket.pk)}  # type: ignore[attr-defined]
    email.tags = ["supportdesk-reply"]  # type: ignore[attr-defined]
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type)
    try:
        email.send(fail_silently=False)
    except AnymailError as error:  # the provider's answer (checked first: its HTTP errors are OSErrors too)
        raise TransportError(str(error), permanent=_permanent(error)) from error
    except smtplib.SMTPRecipientsRefused as error:
        raise TransportError(str(error), permanent=True) from error
    except (OSError, ConnectionError) as error:  # SMTP and HTTP transport failures: try again later
        raise TransportError(str(error)) from error
    except Exception as error:  # any other backend's refusal: retried, then recorded
        raise TransportError(str(error)) from error
    SentEmail.objects.update_or_create(
        rfc_message_id=message_id,
        defaults={
            "ticket": ticket,
            "message": message,
            "kind": SentEmail.Kind.REPLY,
            "recipient": recipient.lower(),
            "esp_message_id": esp_message_id(email),
        },
    )
    return message_id


# Client errors that another try will not fix; 408 (timeout) and 429 (rate limit) will pass.
_RETRYABLE_CLIENT_ERRORS = {408, 409, 425, 429}


def _permanent(error: AnymailError) -> bool:
    """An ESP refusal that retrying cannot fix: refused recipients, an invalid address, a 4xx answer."""
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return True
    status = error.status_code
    return isinstance(status, int) and 400 <= status < 500 and status not in _RETRYABLE_CLIENT_ERRORS
