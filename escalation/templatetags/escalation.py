"""Template helpers so other apps' pages can show escalation bits with one include."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

from escalation import notify
from escalation.models import Escalation
from escalation.status import CustomerView, customer_view
from tickets.links import status_token
from tickets.models import Ticket

register = template.Library()


@register.simple_tag
def customer_escalations(ticket: Ticket) -> CustomerView:
    return customer_view(ticket)


@register.simple_tag
def escalation_request_url(ticket: Ticket) -> str:
    """The absolute link our mails give customers to ask for a supervisor."""
    return settings.SITE_URL + reverse("escalation_public:request", kwargs={"token": status_token(ticket)})


@register.simple_tag
def unread_escalation_notifications(user: Any) -> int:
    return notify.unread_count(user)


@register.simple_tag
def ticket_escalations(ticket: Ticket) -> list[Escalation]:
    """The ticket's escalations that are still being handled, for agents: level and who handles them."""
    return list(ticket.escalations.active().select_related("assigned_to").order_by("-level", "pk"))
