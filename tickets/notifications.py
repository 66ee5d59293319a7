"""Mail SupportDesk sends on its own (not agent replies): acknowledgements of new tickets."""

from __future__ import annotations

from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from tickets.links import status_url
from tickets.models import Channel, Ticket

ACKNOWLEDGED_CHANNELS = {Channel.WEB, Channel.EMAIL, Channel.PHONE}
# Marks our own automatic mail so other systems' auto-responders do not answer it (RFC 3834).
AUTOMATIC_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


def message_id_domain() -> str:
    """The domain of our own Message-IDs: that of DEFAULT_FROM_EMAIL."""
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] or "supportdesk.localhost"


def send_acknowledgement(ticket: Ticket) -> bool:
    """Tell the customer we have their ticket: its number and the status link. False if not sent."""
    if ticket.channel not in ACKNOWLEDGED_CHANNELS or not ticket.contact.email:
        return False
    with translation.override(ticket.contact.language or "id"):
        context = {"ticket": ticket, "status_url": status_url(ticket)}
        subject = _("[%(reference)s] We received your message: %(subject)s") % {
            "reference": ticket.reference,
            "subject": ticket.subject,
        }
        body = render_to_string("tickets/email/acknowledgement.txt", context)
    first = ticket.messages.order_by("created_at").values_list("external_id", flat=True).first()
    headers = {
        "Message-ID": make_msgid(idstring=f"sd{ticket.pk}ack", domain=message_id_domain()),
        **AUTOMATIC_HEADERS,
    }
    if first and first.startswith("<"):
        headers["In-Reply-To"] = first
        headers["References"] = first
    EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[ticket.contact.email],
        reply_to=[settings.SUPPORT_REPLY_TO] if settings.SUPPORT_REPLY_TO else None,
        headers=headers,
    ).send()
    return True
