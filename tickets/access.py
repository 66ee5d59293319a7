"""Who may see and do what. Views and the API call these instead of checking roles themselves."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tickets.models import Role, Ticket


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
