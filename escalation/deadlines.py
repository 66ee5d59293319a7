"""Every date escalation promises, in one place: review due, dispute windows, whether a team is at work.

Business time is the sla app's job: this module only asks it (sla.calendar over the team's calendar from
sla.schedules), and reads the dispute clocks sla keeps per ticket.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings

from sla.calendar import Schedule, ScheduleError, add_business_days, always_open, is_open
from sla.models import SlaClock
from sla.schedules import calendar_for_team, schedule_for
from tickets.models import Team, Ticket

log = logging.getLogger(__name__)

# The sla targets of the buyer–seller dispute policy (sla/migrations/0002_seed_presets.py).
DISPUTE_WINDOW = "dispute_window"
DISPUTE_EVIDENCE = "dispute_evidence"
DISPUTE_DECISION = "dispute_decision"


def schedule(team: Team | None, at: dt.datetime) -> Schedule:
    """The team's business calendar (else the default calendar; without any, always open)."""
    calendar = calendar_for_team(team.pk if team is not None else None)
    return schedule_for(calendar, around=at) if calendar is not None else always_open()


def add_working_days(team: Team | None, start: dt.datetime, days: int) -> dt.datetime:
    """``days`` working days after ``start`` on the team's calendar: Monday 14.00 + 2 is Wednesday 14.00;
    closed days (weekends, holidays) do not count, a start out of hours counts from the next opening."""
    try:
        return add_business_days(schedule(team, start), start, days)
    except ScheduleError:
        # A calendar that never opens must not stop an escalation: promise calendar days instead.
        log.exception("The calendar of team %s cannot answer; counting calendar days.", team)
        return start + dt.timedelta(days=days)


def review_due(team: Team | None, start: dt.datetime, *, working_days: int | None = None) -> dt.datetime:
    """When a review that starts at ``start`` is due: 2 working days on the team's calendar by default."""
    days = settings.ESCALATION_REVIEW_WORKING_DAYS if working_days is None else working_days
    return add_working_days(team, start, days)


def desk_open(team: Team | None, at: dt.datetime) -> bool:
    """Whether the team works at ``at`` (its calendar is open): its supervisors are then on duty."""
    try:
        return is_open(schedule(team, at), at)
    except ScheduleError:
        return True


def is_dispute(ticket: Ticket) -> bool:
    return ticket.category is not None and ticket.category.slug == settings.ESCALATION_DISPUTE_CATEGORY


def mediation_team() -> Team | None:
    """The team that mediates disputes after the buyer–seller window (None when it does not exist)."""
    return Team.objects.filter(slug=settings.ESCALATION_MEDIATION_TEAM).first()


def _clock_due(ticket: Ticket, target: str) -> dt.datetime | None:
    due: dt.datetime | None = (
        SlaClock.objects.filter(ticket=ticket, target=target, due_at__isnull=False)
        .order_by("-cycle")
        .values_list("due_at", flat=True)
        .first()
    )
    return due


def dispute_window_end(ticket: Ticket) -> dt.datetime:
    """When the buyer–seller window of a dispute runs out: the sla clock's due time, else 3 days in."""
    return _clock_due(ticket, DISPUTE_WINDOW) or ticket.created_at + dt.timedelta(
        days=settings.ESCALATION_DISPUTE_WINDOW_DAYS
    )


def dispute_deadlines(ticket: Ticket, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(evidence window end, decision deadline) for a dispute mediation asked for at ``start``.

    The sla clocks' due times when they are still ahead; when they passed already (the customer asked
    for help late) or the ticket has none, the same number of days from ``start``, so the customer is
    never promised a date in the past.
    """
    evidence = _clock_due(ticket, DISPUTE_EVIDENCE)
    decision = _clock_due(ticket, DISPUTE_DECISION)
    if evidence is None or evidence <= start:
        evidence = start + dt.timedelta(days=settings.ESCALATION_DISPUTE_EVIDENCE_DAYS)
    if decision is None or decision <= start:
        decision = start + dt.timedelta(days=settings.ESCALATION_DISPUTE_DECISION_DAYS)
    return evidence, decision
