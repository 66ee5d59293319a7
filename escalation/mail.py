"""The mail escalation sends itself: the customer's acknowledgement, supervisors' notices and digests.

The outcome is not here: it is the supervisor's reply on the ticket (escalation.actions.resolve).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from escalation.models import Escalation, Notification
from tickets.links import status_url
from tickets.notifications import AUTOMATIC_HEADERS


def admin_url(escalation: Escalation) -> str:
    return settings.SITE_URL + reverse("admin:escalation_escalation_change", args=[escalation.pk])


def send_customer_acknowledgement(escalation: Escalation) -> bool:
    """Tell the customer a supervisor has their ticket and by when they will answer. False: no address."""
    ticket = escalation.ticket
    address = ticket.contact.email
    if not address:
        return False  # the status page shows the same deadline
    with translation.override(ticket.contact.language or "id"):
        subject = _("[%(reference)s] Your request for a supervisor was received") % {
            "reference": ticket.reference
        }
        body = render_to_string(
            "escalation/email/customer_acknowledgement.txt",
            {"escalation": escalation, "ticket": ticket, "status_url": status_url(ticket)},
        )
    EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        reply_to=[settings.SUPPORT_REPLY_TO] if settings.SUPPORT_REPLY_TO else None,
        headers=dict(AUTOMATIC_HEADERS),
    ).send()
    return True


def send_outcome_copy(escalation: Escalation) -> bool:
    """The written outcome by email, for a ticket whose channel is not email. False: no address."""
    ticket = escalation.ticket
    address = ticket.contact.email
    if not address:
        return False
    with translation.override(ticket.contact.language or "id"):
        subject = _("[%(reference)s] The outcome of your escalation") % {"reference": ticket.reference}
        body = render_to_string(
            "escalation/email/outcome_copy.txt",
            {"escalation": escalation, "ticket": ticket, "status_url": status_url(ticket)},
        )
    EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        reply_to=[settings.SUPPORT_REPLY_TO] if settings.SUPPORT_REPLY_TO else None,
    ).send()
    return True


def send_notification(notification: Notification) -> bool:
    user = notification.user
    if not user.email:
        return False
    escalation = notification.escalation
    with translation.override(settings.LANGUAGE_CODE):
        subject = (
            f"[{escalation.ticket.reference}] {notification.get_kind_display()}: {escalation.ticket.subject}"
        )
        body = render_to_string(
            "escalation/email/supervisor_notification.txt",
            {"notification": notification, "escalation": escalation, "url": admin_url(escalation)},
        )
    EmailMultiAlternatives(
        subject=subject[:250], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    ).send()
    return True


def send_digest(user: Any, escalations: Sequence[Escalation]) -> bool:
    if not user.email or not escalations:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(count)s overdue escalation reviews") % {"count": len(escalations)}
        body = render_to_string(
            "escalation/email/digest.txt",
            {"user": user, "rows": [(item, admin_url(item)) for item in escalations]},
        )
    EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    ).send()
    return True
