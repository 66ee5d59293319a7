"""Who gets an escalation: an available person serving the level for the team, least loaded first.

A level's people come from the team's LevelRoster, else the default roster, else the roles: L1 the
team's supervisors, L2 support managers (the team's own, else every manager), L3 every head of support.
A roster that exists but is empty skips that level for the team on purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When

from escalation import deadlines
from escalation.models import ACTIVE_STATUSES, TOP_LEVEL, Level, LevelRoster
from tickets.models import AgentProfile, Role, Team

User = get_user_model()
LEVEL_ROLES = {Level.SUPERVISOR: Role.SUPERVISOR, Level.MANAGER: Role.MANAGER, Level.HEAD: Role.HEAD}


@dataclass(frozen=True)
class Route:
    level: int
    supervisor: Any | None  # a User; None when nobody serves this or any higher level
    skipped: tuple[int, ...] = ()  # levels passed over because nobody was available there


def level_pool(team: Team | None, level: int) -> QuerySet[Any]:
    """Everyone who serves ``level`` for ``team`` (active users with an agent profile), whatever their presence."""
    roster = LevelRoster.objects.filter(team=team, level=level).first() if team is not None else None
    if roster is None:
        roster = LevelRoster.objects.filter(team__isnull=True, level=level).first()
    base = User.objects.filter(is_active=True, agent__isnull=False)
    if roster is not None:
        return base.filter(pk__in=roster.members.values("pk"))
    role = LEVEL_ROLES[Level(level)]
    if level == Level.SUPERVISOR:
        return base.filter(agent__role=role, agent__teams=team) if team is not None else base.none()
    if level == Level.MANAGER and team is not None:
        own = base.filter(agent__role=role, agent__teams=team)
        if own.exists():
            return own
    return base.filter(agent__role=role)


def available(team: Team | None, level: int, *, at: dt.datetime) -> QuerySet[Any]:
    """The level's people who are not marked away, best choice first.

    While the team's desk is open (its calendar), those online count as on duty and come first; then
    fewest open escalations; ties go round robin: whoever was assigned one longest ago (or never).
    """
    on_duty: Any = Value(0, output_field=IntegerField())
    if deadlines.desk_open(team, at):
        on_duty = Case(
            When(agent__presence=AgentProfile.Presence.ONLINE, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return (
        level_pool(team, level)
        .exclude(agent__presence=AgentProfile.Presence.AWAY)
        .annotate(
            on_duty=on_duty,
            open_escalations=Count("escalations", filter=Q(escalations__status__in=ACTIVE_STATUSES)),
            last_assigned=Max("escalations__assigned_at"),
        )
        .order_by("-on_duty", "open_escalations", F("last_assigned").asc(nulls_first=True), "pk")
    )


def route(team: Team | None, level: int, *, at: dt.datetime) -> Route:
    """The level and person for a new escalation: ``level`` itself, or the next one up with somebody.

    When nobody is available at any level up to the top, the escalation stays at ``level`` unassigned
    (the queue shows it, and the sweeper still takes it up a level when its review falls due).
    """
    skipped: list[int] = []
    for candidate_level in range(level, TOP_LEVEL + 1):
        supervisor = available(team, candidate_level, at=at).first()
        if supervisor is not None:
            return Route(candidate_level, supervisor, tuple(skipped))
        skipped.append(candidate_level)
    return Route(level, None, tuple(skipped))
