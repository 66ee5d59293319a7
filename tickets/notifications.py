"""Mail SupportDesk sends on its own (not agent replies): acknowledgements of new tickets."""

from __future__ import annotations

from django.conf import settings
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
    """Tell the customer we have their ticket: its number, the status link and, out of hours, when the
    team will answer. False if not sent (no address, or the email channel's automatic-mail cap)."""
    from channels_intake.email.auto_replies import out_of_hours_notice, send_automatic
    from sla.queries import customer_wait_until

    if ticket.channel not in ACKNOWLEDGED_CHANNELS or not ticket.contact.email:
        return False
    with translation.override(ticket.contact.language or "id"):
        wait_until = customer_wait_until(ticket)
        context = {
            "ticket": ticket,
            "status_url": status_url(ticket),
            # A payment still pending: we ask the customer to wait (the SLA policy's wait), not to worry.
            "wait_until": wait_until,
            "out_of_hours": None if wait_until else out_of_hours_notice(ticket),
        }
        subject = _("[%(reference)s] We received your message: %(subject)s") % {
            "reference": ticket.reference,
            "subject": ticket.subject,
        }
        body = render_to_string("tickets/email/acknowledgement.txt", context)
    return send_automatic(ticket, kind="ack", subject=subject, body=body)
