"""Who may see and do what. Views and the API call these instead of checking roles themselves."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tickets.models import Attachment, Contact, Role, Ticket

# Staff users in this group use the admin (created with its permissions by tickets migration 0003).
SUPERVISORS_GROUP = "Supervisors"


def is_agent(user: Any) -> bool:
    """An active user with an agent profile (any role) may work in the desk."""
    return bool(user and user.is_authenticated and user.is_active and hasattr(user, "agent"))


def is_supervisor(user: Any) -> bool:
    return is_agent(user) and user.agent.role != Role.AGENT


def visible_tickets(user: Any) -> Any:
    """Tickets an agent may open: all of them (teams share queues); nothing for anyone else."""
    if not is_agent(user):
        return Ticket.objects.none()
    return Ticket.objects.all()


def access_ticket(user: Any, pk: int) -> Ticket:
    """The ticket if ``user`` may work on it; 404 if it does not exist, 403 if not allowed."""
    if not is_agent(user):
        raise PermissionDenied
    return get_object_or_404(Ticket.objects.select_related("contact", "category", "team", "assignee"), pk=pk)


# --- API and admin helpers --------------------------------------------------------------------------


def can_work_on(user: Any, ticket: Ticket) -> bool:
    """Per-object rule: today every agent may work on every ticket (teams share queues)."""
    return is_agent(user)


def visible_contacts(user: Any) -> Any:
    """Customers an agent may look up: all of them; nothing for anyone else."""
    if not is_agent(user):
        return Contact.objects.none()
    return Contact.objects.all()


def access_attachment(user: Any, pk: int) -> Attachment:
    """An attachment of a ticket ``user`` may work on; 404 if it does not exist, 403 if not allowed."""
    if not is_agent(user):
        raise PermissionDenied
    attachment = get_object_or_404(Attachment.objects.select_related("message__ticket"), pk=pk)
    if not can_work_on(user, attachment.message.ticket):
        raise PermissionDenied
    return attachment
