"""Who gets an escalation: an available person serving the level for the team, least loaded first.

Available means on duty — the team's calendar (sla.schedules, through escalation.deadlines) is open —
and not marked away; online/offline presence plays no part. Nobody available at the level: the next
level. Nobody at any level: see route().

A level's people come from the team's LevelRoster, else the default roster, else the roles: L1 the
team's supervisors, L2 support managers (the team's own, else every manager), L3 every head of support.
A roster that exists but is empty skips that level for the team on purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, Q, QuerySet

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
    fallback: bool = False  # nobody was on duty at any level: see route()


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


def ranked(people: QuerySet[Any]) -> QuerySet[Any]:
    """Fewest open escalations first; ties round robin: whoever was assigned one longest ago (or never)."""
    return people.annotate(
        open_escalations=Count("escalations", filter=Q(escalations__status__in=ACTIVE_STATUSES)),
        last_assigned=Max("escalations__assigned_at"),
    ).order_by("open_escalations", F("last_assigned").asc(nulls_first=True), "pk")


def present(team: Team | None, level: int) -> QuerySet[Any]:
    """The level's people who are not marked away."""
    return level_pool(team, level).exclude(agent__presence=AgentProfile.Presence.AWAY)


def available(team: Team | None, level: int, *, at: dt.datetime) -> QuerySet[Any]:
    """Who may take an escalation now, best choice first: on duty (the team's calendar is open at ``at``)
    and not marked away. Online or offline does not matter: on the calendar, they are at work."""
    if not deadlines.desk_open(team, at):
        return level_pool(team, level).none()
    return ranked(present(team, level))


def route(team: Team | None, level: int, *, at: dt.datetime) -> Route:
    """The level and person for a new escalation: ``level`` itself, or the next one up with somebody.

    When nobody is on duty at any level (the team's calendar is closed, or everyone is away), the
    least-loaded person of ``level`` who is not away takes it anyway (the team's supervisors at L1; if
    the level has nobody, the next level's) and ``fallback`` asks escalation.notify to tell the team.
    With nobody at all, it stays at ``level`` unassigned (the queue shows it; the sweeper still takes it
    up a level when its review falls due).
    """
    skipped: list[int] = []
    for candidate_level in range(level, TOP_LEVEL + 1):
        supervisor = available(team, candidate_level, at=at).first()
        if supervisor is not None:
            return Route(candidate_level, supervisor, tuple(skipped))
        skipped.append(candidate_level)
    for candidate_level in range(level, TOP_LEVEL + 1):
        supervisor = ranked(present(team, candidate_level)).first()
        if supervisor is not None:
            return Route(candidate_level, supervisor, tuple(skipped), fallback=True)
    return Route(level, None, tuple(skipped), fallback=True)


def watchers(team: Team | None) -> QuerySet[Any]:
    """Who must hear of an escalation nobody on duty could take: the team's supervisors (L1), or the top
    level when the team has none."""
    people = level_pool(team, Level.SUPERVISOR)
    return people if people.exists() else level_pool(team, TOP_LEVEL)
