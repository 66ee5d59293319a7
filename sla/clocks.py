"""Keep a ticket's SLA clocks in step with the ticket: tickets.actions calls recompute after every change.

recompute re-reads the ticket's history (status changes, customer messages, agent replies), matches the
policy again and rewrites the clock rows: due and warning times, pauses, met times. It never clears a
warning or breach stamp the sweeper wrote: those record what happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from sla import policies, schedules
from sla.calendar import Schedule, ScheduleError, always_open
from sla.models import BusinessCalendar, SlaClock, SlaPolicy
from sla.timeline import PlannedClock, StatusChange, TicketHistory, plan_clocks
from tickets.models import Direction, Message, Status, Ticket, TicketEvent

log = logging.getLogger(__name__)

# Reasons that cannot change any clock (the assignee is no match condition).
IRRELEVANT_REASONS = frozenset({"assigned"})

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


def recompute(ticket: Ticket, *, reason: str) -> None:
    """Bring the ticket's clocks up to date after a change (``reason`` names it, for the log).

    Call inside the transaction that changed the ticket, after its TicketEvent was written, so the
    history read here includes the change.
    """
    if reason in IRRELEVANT_REASONS:
        return
    policy = None if ticket.merged_into_id else policies.match_policy(ticket)
    planned: list[PlannedClock] = []
    calendar: BusinessCalendar | None = None
    if policy is not None:
        calendar = _calendar(policy, ticket)
        try:
            planned = plan_clocks(
                load_history(ticket),
                policies.target_specs(policy),
                schedule=_schedule(calendar, ticket),
                pause_statuses=frozenset(policy.pause_statuses),
            )
        except ScheduleError:
            # A calendar that never opens must not cost the customer's message or the agent's change:
            # the clocks stay as they were and the log says which calendar to fix.
            log.exception(
                "SLA clocks of ticket %s not updated: calendar %s cannot answer.", ticket.pk, calendar
            )
            return
    business_targets = {t.key for t in policy.targets.all() if t.clock == "business"} if policy else set()
    _store(ticket, policy, calendar, planned, business_targets)
    log.debug("SLA clocks of ticket %s recomputed (%s): %d clocks", ticket.pk, reason, len(planned))


def _calendar(policy: SlaPolicy, ticket: Ticket) -> BusinessCalendar | None:
    if policy.calendar_id is not None:
        return schedules.calendars_with_rules().get(pk=policy.calendar_id)
    return schedules.calendar_for_team(ticket.team_id)


def _schedule(calendar: BusinessCalendar | None, ticket: Ticket) -> Schedule:
    if calendar is None:
        return always_open()
    return schedules.schedule_for(calendar, first_year=ticket.created_at.year)


def load_history(ticket: Ticket) -> TicketHistory:
    """The ticket's history as sla.timeline needs it (two queries)."""
    statuses = [StatusChange(ticket.created_at, Status.NEW)]
    events = TicketEvent.objects.filter(
        ticket=ticket, kind__in=[TicketEvent.Kind.STATUS, TicketEvent.Kind.REOPENED]
    ).order_by("created_at", "pk")
    for at, after in events.values_list("created_at", "after"):
        if isinstance(after, dict):
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
    )


def _store(
    ticket: Ticket,
    policy: SlaPolicy | None,
    calendar: BusinessCalendar | None,
    planned: list[PlannedClock],
    business_targets: set[str],
) -> None:
    now = timezone.now()
    existing = {(c.target, c.cycle): c for c in SlaClock.objects.filter(ticket=ticket)}
    new: list[SlaClock] = []
    for plan in planned:
        values: dict[str, Any] = {
            "policy_id": policy.pk if policy else None,
            "name": plan.name,
            "kind": plan.kind,
            "clock": "business" if plan.target in business_targets else "calendar",
            "calendar_id": calendar.pk if calendar is not None and plan.target in business_targets else None,
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
        if changed:
            for name in changed:
                setattr(clock, name, values[name])
            clock.updated_at = now
            clock.save(update_fields=[name.removesuffix("_id") for name in changed] + ["updated_at"])
    if new:
        SlaClock.objects.bulk_create(new)
    # Clocks the policy no longer has: running ones go; met ones stay as a record of the work done
    # (their warnings and breaches stay in SlaWarning / SlaBreach either way).
    stale = [c.pk for c in existing.values() if c.met_at is None]
    if stale:
        SlaClock.objects.filter(pk__in=stale).delete()
