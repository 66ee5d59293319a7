"""The mail escalation sends supervisors: notices and digests.

Customers' mail is not here: the acknowledgement and the outcome are messages on the ticket
(escalation.outcomes), sent like any reply.
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


def admin_url(escalation: Escalation) -> str:
    return settings.SITE_URL + reverse("admin:escalation_escalation_change", args=[escalation.pk])


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


def send_digest(
    user: Any, escalations: Sequence[Escalation], *, unassigned: Sequence[Escalation] = ()
) -> bool:
    """One supervisor's daily list: their overdue reviews, and their teams' escalations nobody has."""
    if not user.email or not (escalations or unassigned):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(count)s overdue escalation reviews") % {"count": len(escalations)}
        if unassigned:
            subject += " · " + _("%(count)s unassigned") % {"count": len(unassigned)}
        body = render_to_string(
            "escalation/email/digest.txt",
            {
                "user": user,
                "rows": [(item, admin_url(item)) for item in escalations],
                "unassigned": [(item, admin_url(item)) for item in unassigned],
            },
        )
    EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    ).send()
    return True
