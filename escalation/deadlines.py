"""Every date escalation promises, computed in one place: review due, dispute windows, who is on duty.

Business time is the sla app's job; this module only asks it (see docs/escalation.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tickets.models import Team, Ticket


def _add_working_days(team: Team | None, start: dt.datetime, days: int) -> dt.datetime:
    """``days`` working days after ``start`` on the team's calendar (Mon–Fri until sla is merged)."""
    local = timezone.localtime(start)
    day = local
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def review_due(team: Team | None, start: dt.datetime, *, working_days: int | None = None) -> dt.datetime:
    """When a review that starts at ``start`` is due: 2 working days on the team's calendar by default."""
    days = settings.ESCALATION_REVIEW_WORKING_DAYS if working_days is None else working_days
    return _add_working_days(team, start, days)


def is_dispute(ticket: Ticket) -> bool:
    return ticket.category is not None and ticket.category.slug == settings.ESCALATION_DISPUTE_CATEGORY


def mediation_team() -> Team | None:
    """The team that mediates disputes after the buyer–seller window (None when it does not exist)."""
    return Team.objects.filter(slug=settings.ESCALATION_MEDIATION_TEAM).first()


def dispute_window_end(ticket: Ticket) -> dt.datetime:
    """When the buyer–seller window of a dispute ticket runs out (the customer may then ask for help)."""
    return ticket.created_at + dt.timedelta(days=settings.ESCALATION_DISPUTE_WINDOW_DAYS)


def dispute_deadlines(team: Team | None, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(evidence window end, decision deadline) of a dispute escalated at ``start``."""
    return (
        _add_working_days(team, start, settings.ESCALATION_DISPUTE_EVIDENCE_DAYS),
        _add_working_days(team, start, settings.ESCALATION_DISPUTE_DECISION_DAYS),
    )


def desk_open(team: Team | None, at: dt.datetime) -> bool:
    """Whether the team works at ``at`` (its calendar is open): its supervisors are then on duty."""
    return timezone.localtime(at).weekday() < 5
