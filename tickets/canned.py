"""Canned replies offered to an agent on a ticket, with their variables filled in.

The text is filled by plain substitution of three known variables, never rendered as a Django template:
a canned reply written by an admin cannot reach into the template context, load tags or run filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext

from tickets.models import CannedReply, Ticket

_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Filled:
    text: str
    missing: tuple[str, ...]  # variables the ticket has no value for; left in the text for the agent


def replies_for(ticket: Ticket, user: Any) -> QuerySet[CannedReply]:
    """Replies for every team, the ticket's team and the agent's own teams."""
    condition = Q(team=None) | Q(team_id=ticket.team_id)
    if hasattr(user, "agent"):
        condition |= Q(team__in=user.agent.teams.values("pk"))
    return CannedReply.objects.filter(condition).order_by("language", "title")


def fill(reply: CannedReply, *, ticket: Ticket) -> Filled:
    with translation.override(reply.language):
        fallback_name = gettext("Customer")
    values = {
        "name": ticket.contact.name or fallback_name,
        "ticket": ticket.reference,
        "order": ticket.order_ref,
    }
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if not value:
            missing.append(name)
            return match.group(0)
        return value

    text = _VARIABLE.sub(substitute, reply.body)
    return Filled(text=text, missing=tuple(dict.fromkeys(missing)))
