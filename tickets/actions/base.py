"""What every action shares: the error callers show, the audit event, and what follows any change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Channel, Contact, Message, Status, Ticket, TicketEvent

Mergeable = TypeVar("Mergeable", Ticket, Contact)

# Message channels where a conversation is a stream: a new message joins the contact's open ticket.
STREAM_CHANNELS = {Channel.CHAT, Channel.WHATSAPP, Channel.INSTAGRAM, Channel.MESSENGER, Channel.X}
SEARCH_TEXT_LIMIT = 20_000


class ActionError(Exception):
    """An action was refused; the message says why, for the person who asked."""


def locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def set_status(
    ticket: Ticket,
    status: str,
    *,
    by: Any | None,
    now: dt.datetime,
    hold_reason: str = "",
    kind: str = TicketEvent.Kind.STATUS,
) -> None:
    """Precondition: the ticket row is locked by the caller's transaction."""
    before = ticket.status
    if status != before and not ticket.can_move_to(status):
        raise ActionError(
            _("A ticket cannot move from “%(before)s” to “%(after)s”.")
            % {"before": Status(before).label, "after": Status(status).label}
        )
    ticket.status = status
    ticket.hold_reason = hold_reason if status == Status.ON_HOLD else ""
    ticket.updated_at = now
    fields = ["status", "hold_reason", "updated_at"]
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            fields.append("resolved_at")
    elif before == Status.RESOLVED:
        ticket.resolved_at = None
        fields.append("resolved_at")
    ticket.save(update_fields=fields)
    after: dict[str, str] | str = status
    if ticket.hold_reason:
        after = {"status": status, "hold_reason": ticket.hold_reason}
    event(ticket, kind, actor=by, before=before, after=after, at=now)


def event(
    ticket: Ticket,
    kind: str,
    *,
    actor: Any | None = None,
    before: object = None,
    after: object = None,
    message: Message | None = None,
    at: dt.datetime | None = None,
) -> TicketEvent:
    entry = unsaved_event(ticket, kind, actor=actor, before=before, after=after, message=message, at=at)
    entry.save(force_insert=True)
    return entry


def unsaved_event(
    ticket: Ticket,
    kind: str,
    *,
    actor: Any | None = None,
    before: object = None,
    after: object = None,
    message: Message | None = None,
    at: dt.datetime | None = None,
) -> TicketEvent:
    """A timeline entry to write together with others (record_events): one INSERT for all of them."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        before=before,
        after=after,
        message=message,
        created_at=at or timezone.now(),
    )


def flag_security(
    ticket: Ticket,
    masked: Iterable[str],
    *,
    actor: Any | None = None,
    message: Message | None = None,
    at: dt.datetime | None = None,
) -> bool:
    """Raise the ticket's security warning and record what was masked; False when nothing was.

    Every action that stores text calls this with the kinds its redactions masked ("card", "secret"),
    so the agent sees the warning whoever typed the card: customer, agent, file name, order number.
    Precondition: the ticket row is locked by the caller's transaction.
    """
    kinds = sorted(set(masked))
    if not kinds:
        return False
    if not ticket.security_flag:
        ticket.security_flag = True
        ticket.save(update_fields=["security_flag"])
    event(ticket, TicketEvent.Kind.SECURITY, actor=actor, message=message, after={"masked": kinds}, at=at)
    return True


def record_event(ticket: Ticket, kind: str, **kwargs: Any) -> TicketEvent:
    """For other apps (sla, escalation) that add to a ticket's timeline.

    An entry that belongs to the ticket's SLA history (a dispute's help request starts the platform's
    evidence and decision windows) brings the clocks up to date; the caller then holds the ticket's row
    lock, as escalation.actions.escalate does.
    """
    from sla.clocks import recompute, starts_clocks  # local: sla imports tickets

    entry = event(ticket, kind, **kwargs)
    if starts_clocks(entry):
        recompute(ticket, reason=kind)
    return entry


def record_events(events: Iterable[TicketEvent]) -> None:
    """Many unsaved timeline entries at once (the SLA sweeper's warnings and breaches)."""
    TicketEvent.objects.bulk_create(list(events))


def search_text(ticket: Ticket | None, extra: str) -> str:
    """Message text for search: customer messages, agent replies and internal notes (subject, order and
    contact are searched in their own columns); None for a ticket about to be created.

    A long conversation keeps its newest text within the limit.
    """
    combined = f"{ticket.search_text}\n{extra.lower()}" if ticket and ticket.search_text else extra.lower()
    return combined[-SEARCH_TEXT_LIMIT:]


def after_change(
    ticket: Ticket, *, reason: str, message: Message | None = None, first_message: Message | None = None
) -> None:
    """Everything that must follow any change to a ticket, in one place: SLA clocks, escalation rules,
    and (after commit) live updates of every desk page showing the ticket.

    ``message``: the message the change added (pages fetch the messages after the last one they show).
    ``first_message``: the ticket was just created with this message (see sla.clocks.recompute).
    """
    from sla.clocks import recompute  # local: sla imports tickets

    clocks_changed = recompute(ticket, reason=reason, first_message=first_message)
    from escalation import hooks as escalation_hooks  # local: escalation imports tickets

    escalation_hooks.ticket_changed(ticket, reason=reason)
    publish(ticket, reason, message=message, clocks_changed=clocks_changed)


def publish(
    ticket: Ticket, reason: str, *, message: Message | None = None, clocks_changed: bool = False
) -> None:
    """After commit, tell the desk's pages. The event is built from ``ticket`` as the transaction left
    it (when it commits), so publishing reads nothing from the database."""
    from tickets import live

    message_id = message.pk if message is not None else None
    transaction.on_commit(
        lambda: live.publish_ticket_changed(
            ticket.pk, reason, ticket=ticket, message_id=message_id, clocks_changed=clocks_changed
        )
    )


def follow_merges(row: Mergeable) -> Mergeable:
    """The ticket or contact ``row`` was merged into, at the end of the chain (``row`` itself when none)."""
    seen = set()
    while row.merged_into_id is not None and row.pk not in seen:
        seen.add(row.pk)
        row = type(row)._default_manager.get(pk=row.merged_into_id)
    return row
