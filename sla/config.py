"""The SLA configuration, cached per process: active policies (with categories, teams and targets),
calendars (with their hours and dates), which team works on which calendar, and the schedules built
from them.

sla.clocks.recompute runs after every ticket change; loading all of this each time cost ~40 % of email
ingestion. current() reads the version token (sla.models.config, one primary-key query) and reloads
only when it changed: a change committed by any process is seen by every process at its next
recompute. The cached rows are shared and must not be modified.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from sla.calendar import Schedule, always_open
from sla.models import BusinessCalendar, SlaPolicy, SlaTarget, TeamCalendar, config_version
from sla.schedules import calendars_with_rules, schedule_for

# Schedules kept per configuration: (calendar, year asked about, first year) triples, a handful in use.
MAX_SCHEDULES = 256


@dataclass
class Config:
    version: str
    policies: list[SlaPolicy]  # active, in match order
    calendars: dict[int, BusinessCalendar]
    team_calendars: dict[int, int]  # team id -> calendar id
    default_calendar_id: int | None
    _schedules: dict[tuple[int, int, int], Schedule] = field(default_factory=dict)

    def calendar_for(self, policy: SlaPolicy, team_id: int | None) -> BusinessCalendar | None:
        """The policy's calendar, else the team's, else the default calendar (None: around the clock)."""
        calendar_id = policy.calendar_id or self.team_calendars.get(team_id or 0) or self.default_calendar_id
        return self.calendars.get(calendar_id) if calendar_id else None

    def schedule(self, calendar: BusinessCalendar | None, *, first_year: int) -> Schedule:
        if calendar is None:
            return always_open()
        year = timezone.now().astimezone(dt.UTC).year
        key = (calendar.pk, year, first_year)
        schedule = self._schedules.get(key)
        if schedule is None:
            if len(self._schedules) >= MAX_SCHEDULES:
                self._schedules.clear()
            schedule = self._schedules[key] = schedule_for(calendar, first_year=first_year)
        return schedule


_lock = threading.Lock()
_cached: Config | None = None


def current() -> Config:
    """The configuration as committed now (one query when nothing changed)."""
    global _cached
    version = config_version()
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    loaded = load(version)
    with _lock:
        _cached = loaded
    return loaded


def clear() -> None:
    """Forget the cached configuration (tests that change rows behind the models' back)."""
    global _cached
    with _lock:
        _cached = None


def load(version: str) -> Config:
    policies = list(
        SlaPolicy.objects.filter(active=True)
        .order_by("position", "pk")
        .prefetch_related(
            "categories",
            "teams",
            Prefetch(
                "targets", queryset=SlaTarget.objects.select_related("start_after").order_by("position", "pk")
            ),
        )
    )
    calendars = {calendar.pk: calendar for calendar in calendars_with_rules()}
    return Config(
        version=version,
        policies=policies,
        calendars=calendars,
        team_calendars=dict(TeamCalendar.objects.values_list("team_id", "calendar_id")),
        default_calendar_id=next((pk for pk, c in calendars.items() if c.is_default), None),
    )
