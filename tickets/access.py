"""Who may see and do what. Views and the API call these instead of checking roles themselves.

- The desk and the API: an active user with an agent profile (any role). ``is_staff`` is not needed and
  is not given to agents, because it is what opens /admin/.
- The admin: ``is_staff`` users (supervisors, managers, heads of support, admins) through the
  Supervisors group's permissions, or superusers.
- Tickets: every agent may read every ticket (a customer's history spans teams) and add internal
  notes to it; changing a ticket (reply, status, assignee, team, priority, category, tags, order,
  merge) takes a supervisor (any role above agent), the ticket's assignee, or a member of its team;
  a ticket without a team is anyone's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from tickets.models import Attachment, Contact, Role, Ticket

# Staff users in this group use the admin (created with its permissions by tickets migration 0003).
SUPERVISORS_GROUP = "Supervisors"


class NotYourTicket(PermissionDenied):
    """An agent may read the ticket but not change it; the message says who can."""


def is_agent(user: Any) -> bool:
    """An active user with an agent profile (any role) may work in the desk."""
    return bool(user and user.is_authenticated and user.is_active and hasattr(user, "agent"))


def is_supervisor(user: Any) -> bool:
    return is_agent(user) and user.agent.role != Role.AGENT


def team_ids(user: Any) -> frozenset[int]:
    """The agent's teams, looked up once per request (cached on the user object)."""
    cached: frozenset[int] | None = getattr(user, "_desk_team_ids", None)
    if cached is None:
        cached = frozenset(user.agent.teams.values_list("pk", flat=True))
        user._desk_team_ids = cached
    return cached


def visible_tickets(user: Any) -> Any:
    """Tickets an agent may open: all of them (teams share queues); nothing for anyone else."""
    if not is_agent(user):
        return Ticket.objects.none()
    return Ticket.objects.all()


def can_work_on(user: Any, ticket: Ticket) -> bool:
    """May ``user`` change ``ticket``? Supervisors any; agents those of their teams, those without a
    team and those assigned to them."""
    if not is_agent(user):
        return False
    if user.agent.role != Role.AGENT:
        return True
    return ticket.team_id is None or ticket.assignee_id == user.pk or ticket.team_id in team_ids(user)


def check_can_work_on(user: Any, ticket: Ticket) -> None:
    """Raise NotYourTicket (a PermissionDenied saying who can) unless ``user`` may change ``ticket``."""
    if not can_work_on(user, ticket):
        team = ticket.team.name if ticket.team else ""
        raise NotYourTicket(
            _("Only %(team)s, the assignee or a supervisor can change this ticket.") % {"team": team}
        )


def access_ticket(user: Any, pk: int, *, change: bool = False) -> Ticket:
    """The ticket if ``user`` may read it (``change``: change it); 404 if it does not exist, 403
    (PermissionDenied, NotYourTicket when only the change is refused) if not allowed."""
    if not is_agent(user):
        raise PermissionDenied
    ticket = get_object_or_404(
        Ticket.objects.select_related("contact", "category", "team", "assignee"), pk=pk
    )
    if change:
        check_can_work_on(user, ticket)
    return ticket


def visible_contacts(user: Any) -> Any:
    """Customers an agent may look up: all of them; nothing for anyone else."""
    if not is_agent(user):
        return Contact.objects.none()
    return Contact.objects.all()


def access_attachment(user: Any, pk: int) -> Attachment:
    """An attachment of a ticket ``user`` may read; 404 if it does not exist, 403 if not allowed."""
    if not is_agent(user):
        raise PermissionDenied
    return get_object_or_404(Attachment.objects.select_related("message__ticket"), pk=pk)
