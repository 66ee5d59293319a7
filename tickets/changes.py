"""Several field changes to one ticket at once (API PATCH, admin change form), each through its action."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tickets import actions
from tickets.models import Ticket

# The ticket fields an agent may change, each owned by one action.
CHANGEABLE = (
    "status",
    "hold_reason",
    "priority",
    "category",
    "channel",
    "team",
    "assignee",
    "tags",
    "order_ref",
)


@transaction.atomic
def apply_changes(ticket: Ticket, changes: dict[str, Any], *, by: Any) -> None:
    """Apply ``changes`` (field name -> new value; tags as names) all or nothing.

    Raises actions.ActionError when one change is refused; the others are then undone too.
    """
    if "status" in changes or "hold_reason" in changes:
        new_status = changes.get("status", ticket.status)
        keep = ticket.hold_reason if new_status == ticket.status else ""
        actions.change_status(ticket, status=new_status, hold_reason=changes.get("hold_reason", keep), by=by)
    if "priority" in changes:
        actions.set_priority(ticket, priority=changes["priority"], by=by)
    if "category" in changes:
        actions.set_category(ticket, category=changes["category"], by=by)
    if "channel" in changes:
        actions.set_channel(ticket, channel=changes["channel"], by=by)
    if "team" in changes:  # after the category, so an explicit team wins over the category's default
        actions.set_team(ticket, team=changes["team"], by=by)
    if "assignee" in changes:
        actions.assign(ticket, agent=changes["assignee"], by=by)
    if "tags" in changes:
        actions.set_tags(ticket, names=changes["tags"], by=by)
    if "order_ref" in changes:
        actions.set_order_ref(ticket, order_ref=changes["order_ref"], by=by)
