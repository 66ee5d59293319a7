"""Who handles a ticket and how it is classified: assignee, team, status, priority, category, channel, tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.actions.base import (
    ActionError,
    after_change,
    event,
    flag_security,
    locked,
    set_status,
)
from tickets.models import (
    Category,
    Channel,
    HoldReason,
    Priority,
    Status,
    Tag,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.redaction import redact


@transaction.atomic
def assign(ticket: Ticket, *, agent: Any | None, by: Any | None) -> Ticket:
    """Give the ticket to an agent (None: back to the unassigned queue)."""
    ticket = locked(ticket)
    if agent is not None and not hasattr(agent, "agent"):
        raise ActionError(_("%(user)s is not an agent.") % {"user": agent})
    if agent is not None and not agent.is_active:
        raise ActionError(_("%(user)s is deactivated.") % {"user": agent})
    if ticket.assignee_id == (agent.pk if agent else None):
        return ticket
    before = ticket.assignee.get_username() if ticket.assignee else None
    ticket.assignee = agent
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["assignee", "updated_at"])
    event(
        ticket,
        TicketEvent.Kind.ASSIGNED,
        actor=by,
        before=before,
        after=agent.get_username() if agent else None,
    )
    after_change(ticket, reason="assigned")
    return ticket


@transaction.atomic
def set_team(ticket: Ticket, *, team: Team | None, by: Any | None) -> Ticket:
    ticket = locked(ticket)
    if ticket.team_id == (team.pk if team else None):
        return ticket
    before = ticket.team.name if ticket.team else None
    ticket.team = team
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["team", "updated_at"])
    event(ticket, TicketEvent.Kind.TEAM, actor=by, before=before, after=team.name if team else None)
    after_change(ticket, reason="team")
    return ticket


@transaction.atomic
def change_status(ticket: Ticket, *, status: str, by: Any | None, hold_reason: str = "") -> Ticket:
    """Move the ticket to ``status`` if the transition table allows it."""
    ticket = locked(ticket)
    if status not in Status.values:
        raise ActionError(_("Unknown status: %(status)s.") % {"status": status})
    if hold_reason and hold_reason not in HoldReason.values:
        raise ActionError(_("Unknown on-hold reason: %(reason)s.") % {"reason": hold_reason})
    if status == ticket.status and (status != Status.ON_HOLD or hold_reason == ticket.hold_reason):
        return ticket
    set_status(ticket, status, by=by, now=timezone.now(), hold_reason=hold_reason)
    after_change(ticket, reason="status")
    return ticket


@transaction.atomic
def set_priority(ticket: Ticket, *, priority: str, by: Any | None) -> Ticket:
    ticket = locked(ticket)
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority: %(priority)s.") % {"priority": priority})
    return _change(ticket, "priority", priority, kind=TicketEvent.Kind.PRIORITY, by=by)


@transaction.atomic
def set_category(ticket: Ticket, *, category: Category | None, by: Any | None) -> Ticket:
    ticket = locked(ticket)
    if ticket.category_id == (category.pk if category else None):
        return ticket
    before = ticket.category.slug if ticket.category else None
    ticket.category = category
    ticket.updated_at = timezone.now()
    fields = ["category", "updated_at"]
    if category is not None and category.default_team_id and ticket.team_id is None:
        ticket.team_id = category.default_team_id
        fields.append("team")
    ticket.save(update_fields=fields)
    event(
        ticket, TicketEvent.Kind.CATEGORY, actor=by, before=before, after=category.slug if category else None
    )
    after_change(ticket, reason="category")
    return ticket


@transaction.atomic
def set_channel(ticket: Ticket, *, channel: str, by: Any | None) -> Ticket:
    """Correct the channel a ticket is counted under (e.g. a WhatsApp case logged as a phone call): the
    SLA policies are chosen again, their clocks recomputed from the ticket's history. Replies still go
    out on each message's own channel."""
    ticket = locked(ticket)
    if channel not in Channel.values:
        raise ActionError(_("Unknown channel: %(channel)s.") % {"channel": channel})
    return _change(ticket, "channel", channel, kind=TicketEvent.Kind.CHANNEL, by=by)


def _change(ticket: Ticket, field: str, value: str, *, kind: str, by: Any | None) -> Ticket:
    """Set one plain field that the SLA policies read, audit it and recompute.

    Precondition: the ticket row is locked by the caller's transaction.
    """
    before = getattr(ticket, field)
    if value == before:
        return ticket
    setattr(ticket, field, value)
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[field, "updated_at"])
    event(ticket, kind, actor=by, before=before, after=value)
    after_change(ticket, reason=field)
    return ticket


@transaction.atomic
def set_tags(ticket: Ticket, *, names: Iterable[str], by: Any | None) -> Ticket:
    ticket = locked(ticket)
    wanted = sorted({name.strip().lower()[:50] for name in names if name.strip()})
    before = sorted(ticket.tags.values_list("name", flat=True))
    if wanted == before:
        return ticket
    tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
    ticket.tags.set(tags)
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["updated_at"])
    event(ticket, TicketEvent.Kind.TAGS, actor=by, before=before, after=wanted)
    return ticket


@transaction.atomic
def set_order_ref(ticket: Ticket, *, order_ref: str, by: Any | None) -> Ticket:
    ticket = locked(ticket)
    redaction = redact(order_ref.strip())  # a card typed as the order number is masked and flagged
    value = redaction.text[:64]
    if value == ticket.order_ref:
        return ticket
    before = ticket.order_ref
    ticket.order_ref = value
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["order_ref", "updated_at"])
    event(
        ticket, TicketEvent.Kind.CATEGORY, actor=by, before={"order_ref": before}, after={"order_ref": value}
    )
    flag_security(ticket, redaction.kinds, actor=by)
    return ticket
