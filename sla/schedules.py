"""Build the plain Schedule that sla.calendar computes with from a BusinessCalendar, and find the calendar
that applies to a team or a policy.

Holidays come from the ``holidays`` package: Indonesia's public holidays (category "public") and, when the
calendar asks for them, the government's collective leave days, cuti bersama (category "government").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Prefetch
from django.utils import timezone

from sla.calendar import Schedule, always_open, next_open
from sla.models import BusinessCalendar, CalendarDate, OpeningHours, TeamCalendar

# Holidays are loaded for this many years either side of the year asked about; a clock or report that
# reaches further raises ScheduleError instead of silently ignoring holidays.
YEARS_BEFORE = 2
YEARS_AFTER = 3


@lru_cache(maxsize=128)
def indonesian_holidays(year: int, *, cuti_bersama: bool) -> frozenset[dt.date]:
    categories = ("public", "government") if cuti_bersama else ("public",)
    return frozenset(holidays.country_holidays("ID", years=year, categories=categories).keys())


def calendars_with_rules() -> Any:
    """BusinessCalendar rows with what schedule_for needs, in a fixed number of queries."""
    return BusinessCalendar.objects.prefetch_related(
        Prefetch("hours", queryset=OpeningHours.objects.order_by("day", "opens")),
        Prefetch("dates", queryset=CalendarDate.objects.order_by("date")),
    )


def schedule_for(
    calendar: BusinessCalendar, *, around: dt.datetime | None = None, first_year: int | None = None
) -> Schedule:
    """The calendar as a Schedule; holidays are known for the years around ``around`` (default: now),
    reaching back to ``first_year`` when given (a ticket's creation, a report's first day)."""
    tz = ZoneInfo(calendar.time_zone)
    if calendar.always_open:
        return always_open(tz)
    year = (around or timezone.now()).astimezone(tz).year
    weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    holiday_hours: list[tuple[int, int]] = []
    for hours in calendar.hours.all():
        (holiday_hours if hours.day == OpeningHours.Day.HOLIDAY else weekly[hours.day]).append(hours.seconds)
    closures: set[dt.date] = set()
    extra_days: dict[dt.date, tuple[tuple[int, int], ...]] = {}
    for custom in calendar.dates.all():
        if custom.kind == CalendarDate.Kind.CLOSED:
            closures.add(custom.date)
        elif custom.opens is not None and custom.closes is not None:
            start = custom.opens.hour * 3600 + custom.opens.minute * 60 + custom.opens.second
            end = custom.closes.hour * 3600 + custom.closes.minute * 60 + custom.closes.second
            extra_days[custom.date] = ((start, end or 86_400),)
    holiday_dates: frozenset[dt.date] = frozenset()
    holiday_years = None
    if calendar.observe_holidays:
        holiday_years = (min(year - YEARS_BEFORE, (first_year or year) - 1), year + YEARS_AFTER)
        holiday_dates = frozenset().union(
            *(
                indonesian_holidays(y, cuti_bersama=calendar.cuti_bersama)
                for y in range(holiday_years[0], holiday_years[1] + 1)
            )
        )
    return Schedule(
        tz=tz,
        weekly=tuple(_merged(day) for day in weekly),
        holiday_hours=_merged(holiday_hours),
        holidays=holiday_dates,
        extra_days=extra_days,
        closures=frozenset(closures),
        holiday_years=holiday_years,
    )


def _merged(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted ranges with overlaps joined, so two admin rows 08–12 and 11–17 count once."""
    result: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(end, result[-1][1]))
        else:
            result.append((start, end))
    return tuple(result)


def default_calendar() -> BusinessCalendar | None:
    return calendars_with_rules().filter(is_default=True).first()


def calendar_for_team(team_id: int | None) -> BusinessCalendar | None:
    """The team's calendar, else the default calendar (None when neither exists)."""
    if team_id is not None:
        link = TeamCalendar.objects.filter(team_id=team_id).values_list("calendar_id", flat=True).first()
        if link is not None:
            return calendars_with_rules().get(pk=link)
    return default_calendar()


def next_opening(team_id: int | None = None, *, at: dt.datetime | None = None) -> dt.datetime:
    """When the team's desk is (next) open: ``at`` itself when open now, given in the calendar's time
    zone (so a caller can show it to customers as is). For out-of-hours replies and the chat widget.
    Without any calendar the desk counts as always open. Raises ScheduleError for a calendar that never
    opens."""
    at = at or timezone.now()
    calendar = calendar_for_team(team_id)
    schedule = schedule_for(calendar, around=at) if calendar is not None else always_open()
    return next_open(schedule, at).astimezone(schedule.tz)
