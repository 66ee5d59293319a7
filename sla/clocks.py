"""Keep a ticket's SLA clocks in step with the ticket: tickets.actions calls recompute after every change.

recompute re-reads the ticket's history (status changes, customer messages, agent replies, a dispute's
help request), chooses the policies again (per target kind, sla.policies) and rewrites the clock rows:
due and warning times, pauses, met times. The configuration comes from the per-process cache
(sla.config). The SlaWarning / SlaBreach rows the sweeper wrote are history and stay; a clock's own
warned/breached stamps follow its current due times (see _store).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from sla import config, policies
from sla.calendar import ScheduleError, always_open
from sla.models import SlaClock
from sla.timeline import PlannedClock, StatusChange, TargetSpec, TicketHistory, plan_clocks
from tickets.models import Direction, Message, Status, Ticket, TicketEvent

log = logging.getLogger(__name__)

# Reasons that cannot change any clock (the assignee is no match condition).
IRRELEVANT_REASONS = frozenset({"assigned"})
# The escalation event that is a dispute's "Minta Bantuan" (escalation.actions records it on the ticket):
# the platform's evidence and decision windows start there.
HELP_REQUEST = {"action": "created", "reason": "dispute"}

CLOCK_FIELDS = (
    "policy_id",
    "name",
    "kind",
    "clock",
    "calendar_id",
    "started_at",
    "due_at",
    "warn_at",
    "paused_at",
    "paused_business_seconds",
    "remaining_seconds",
    "met_at",
    "elapsed_seconds",
)


def recompute(ticket: Ticket, *, reason: str, first_message: Message | None = None) -> bool:
    """Bring the ticket's clocks up to date after a change (``reason`` names it, for the log); True
    when a clock row changed (the desk's SLA panel then shows something new).

    Call inside the transaction that changed the ticket, holding its row lock, after its TicketEvent was
    written, so the history read here includes the change.

    ``first_message``: the ticket was created in this transaction with this message and nothing else
    recorded on it (receive_message): its history is that message, and it has no clocks yet, so neither
    is read back (three queries less for every new ticket).
    """
    if reason in IRRELEVANT_REASONS:
        return False
    fresh = first_message is not None and ticket.status == Status.NEW
    current = config.current()
    chosen = [] if ticket.merged_into_id else policies.select_targets(ticket, current.policies)
    specs: list[TargetSpec] = []
    placement: dict[str, tuple[int, int | None, bool]] = {}  # key -> policy, calendar, business time
    calendar = None
    try:
        for policy, target in chosen:
            calendar = current.calendar_for(policy, ticket.team_id)
            spec = policies.target_spec(
                target,
                source=policy.pk,
                schedule=current.schedule(calendar, first_year=ticket.created_at.year),
                pause_statuses=frozenset(policy.pause_statuses),
            )
            specs.append(spec)
            business = spec.business and calendar is not None
            placement[spec.key] = (policy.pk, calendar.pk if business and calendar else None, spec.business)
        # Every spec carries its own schedule and pause statuses: the defaults are never used.
        history = None
        if specs:
            history = (
                new_ticket_history(ticket, first_message) if fresh and first_message else load_history(ticket)
            )
        planned = (
            plan_clocks(history, specs, schedule=always_open(), pause_statuses=frozenset()) if history else []
        )
    except ScheduleError:
        # A calendar that never opens must not cost the customer's message or the agent's change:
        # the clocks stay as they were and the log says which calendar to fix.
        log.exception("SLA clocks of ticket %s not updated: calendar %s cannot answer.", ticket.pk, calendar)
        return False
    changed = _store(ticket, planned, placement, new_ticket=fresh)
    log.debug("SLA clocks of ticket %s recomputed (%s): %d clocks", ticket.pk, reason, len(planned))
    return changed


def starts_clocks(event: TicketEvent) -> bool:
    """Whether a timeline entry another app recorded is part of the SLA history (a help request)."""
    after = event.after
    return (
        event.kind == TicketEvent.Kind.ESCALATION
        and isinstance(after, dict)
        and all(after.get(key) == value for key, value in HELP_REQUEST.items())
    )


def new_ticket_history(ticket: Ticket, message: Message) -> TicketHistory:
    """What load_history reads for a new ticket whose only entries are its creation and ``message``."""
    counted = not message.is_automatic
    inbound = counted and message.direction == Direction.INBOUND
    agent = counted and message.direction == Direction.OUTBOUND and message.author_user_id is not None
    return TicketHistory(
        created_at=ticket.created_at,
        statuses=(StatusChange(ticket.created_at, Status.NEW),),
        customer_messages=(message.created_at,) if inbound else (),
        agent_replies=(message.created_at,) if agent else (),
        first_response_at=ticket.first_response_at,
    )


def load_history(ticket: Ticket) -> TicketHistory:
    """The ticket's history as sla.timeline needs it (two queries)."""
    statuses = [StatusChange(ticket.created_at, Status.NEW)]
    help_requested_at = None
    events = TicketEvent.objects.filter(
        ticket=ticket,
        kind__in=[TicketEvent.Kind.STATUS, TicketEvent.Kind.REOPENED, TicketEvent.Kind.ESCALATION],
    ).order_by("created_at", "pk")
    for at, kind, after in events.values_list("created_at", "kind", "after"):
        if kind == TicketEvent.Kind.ESCALATION:
            if help_requested_at is None and starts_clocks(TicketEvent(kind=kind, after=after)):
                help_requested_at = at
        elif isinstance(after, dict):
            statuses.append(StatusChange(at, str(after.get("status", "")), str(after.get("hold_reason", ""))))
        elif isinstance(after, str):
            statuses.append(StatusChange(at, after))
    customer: list[dt.datetime] = []
    agents: list[dt.datetime] = []
    messages = Message.objects.filter(
        ticket=ticket, direction__in=[Direction.INBOUND, Direction.OUTBOUND], is_automatic=False
    ).values_list("direction", "created_at", "author_user_id")
    for direction, at, author_user_id in messages:
        if direction == Direction.INBOUND:
            customer.append(at)
        elif author_user_id is not None:
            agents.append(at)
    return TicketHistory(
        created_at=ticket.created_at,
        statuses=tuple(statuses),
        customer_messages=tuple(sorted(customer)),
        agent_replies=tuple(sorted(agents)),
        first_response_at=ticket.first_response_at,
        help_requested_at=help_requested_at,
    )


def _store(
    ticket: Ticket,
    planned: list[PlannedClock],
    placement: dict[str, tuple[int, int | None, bool]],
    *,
    new_ticket: bool = False,
) -> bool:
    """Write the planned clocks; True when any row was created, changed or deleted."""
    now = timezone.now()
    # order_by(): the model orders by ticket, which would join the ticket table for nothing.
    clocks = [] if new_ticket else SlaClock.objects.filter(ticket=ticket).order_by()
    existing = {(c.target, c.cycle): c for c in clocks}
    new: list[SlaClock] = []
    wrote = False
    for plan in planned:
        policy_id, calendar_id, business = placement[plan.target]
        values: dict[str, Any] = {
            "policy_id": policy_id,
            "name": plan.name,
            "kind": plan.kind,
            "clock": "business" if business else "calendar",
            "calendar_id": calendar_id,
            "started_at": plan.started_at,
            "due_at": plan.due_at,
            "warn_at": plan.warn_at,
            "paused_at": plan.paused_at,
            "paused_business_seconds": plan.paused_seconds,
            "remaining_seconds": plan.remaining_seconds,
            "met_at": plan.met_at,
            "elapsed_seconds": plan.elapsed_seconds,
        }
        clock = existing.pop((plan.target, plan.cycle), None)
        if clock is None:
            new.append(
                SlaClock(ticket=ticket, target=plan.target, cycle=plan.cycle, updated_at=now, **values)
            )
            continue
        changed = [name for name in CLOCK_FIELDS if getattr(clock, name) != values[name]]
        changed += _restamp(clock, plan, now)
        if changed:
            wrote = True
            for name in changed:
                if name in values:
                    setattr(clock, name, values[name])
            clock.updated_at = now
            clock.save(update_fields=[name.removesuffix("_id") for name in changed] + ["updated_at"])
    if new:
        SlaClock.objects.bulk_create(new)
    # Clocks no policy has any more: running ones go; met ones stay as a record of the work done
    # (their warnings and breaches stay in SlaWarning / SlaBreach either way).
    stale = [c.pk for c in existing.values() if c.met_at is None]
    if stale:
        SlaClock.objects.filter(pk__in=stale).delete()
    return wrote or bool(new) or bool(stale)


def _restamp(clock: SlaClock, plan: PlannedClock, now: dt.datetime) -> list[str]:
    """Clear a warned/breached stamp whose time a policy change moved into the future (or paused).

    The stamps say "the sweeper recorded this for the current due time"; the SlaWarning / SlaBreach rows
    are the history and stay, and their unique constraint keeps a clock that falls due again from being
    recorded or escalated twice. Without this the badge said "running" while the clock said breached.
    """
    cleared = []
    if plan.met_at is None:
        if clock.breached_at is not None and (plan.due_at is None or plan.due_at > now):
            clock.breached_at = None
            cleared.append("breached_at")
        if clock.warned_at is not None and (plan.warn_at is None or plan.warn_at > now):
            clock.warned_at = None
            cleared.append("warned_at")
    return cleared
