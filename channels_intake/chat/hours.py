"""Is the team there to chat, and if not, when is it back?

``availability(widget, at)`` is the ONE place the widget asks. Until the SLA app's team calendars exist it
reads the schedule configured on the widget; at merge it becomes a call to
``sla.calendar.is_open(schedule, at)`` / ``next_open(schedule, at)`` with the team's calendar, which is why
the two helpers below carry the same names and arguments.

Schedule text, one rule per line (blank: always open)::

    mon-fri 08:00-20:00
    sat 09:00-12:00 13:00-15:00
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from channels_intake.chat.models import ChatWidget

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
SEARCH_DAYS = 31  # Lebaran closures last a week or two; a month without opening hours means none


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours in one time zone. ``weekly[0]`` is Monday: (start, end) minutes of the day."""

    weekly: tuple[tuple[tuple[int, int], ...], ...]
    tz: ZoneInfo
    public_holidays: bool = False
    always_open: bool = False


@dataclass(frozen=True)
class Availability:
    open: bool
    back_at: dt.datetime | None  # when closed: the next opening (None: no opening hours at all)


def parse_opening_hours(text: str) -> tuple[tuple[tuple[int, int], ...], ...] | None:
    """The weekly table for ``text``; None when blank (always open). Raises ValidationError per bad line."""
    lines = [line.strip().lower() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    weekly: list[list[tuple[int, int]]] = [[] for _day in DAYS]
    for line in lines:
        days_part, *ranges = line.split()
        days = _parse_days(days_part, line)
        if not ranges:
            raise ValidationError(_("“%(line)s” has no times, e.g. 08:00-17:00.") % {"line": line})
        for item in ranges:
            match = _RANGE.match(item)
            if not match:
                raise ValidationError(_("“%(item)s” is not a time range like 08:00-17:00.") % {"item": item})
            start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
            start, end = start_h * 60 + start_m, end_h * 60 + end_m
            if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or end > 24 * 60 or start >= end:
                raise ValidationError(
                    _("“%(item)s”: the end must be after the start, within one day.") % {"item": item}
                )
            for day in days:
                weekly[day].append((start, end))
    return tuple(tuple(sorted(day)) for day in weekly)


def _parse_days(part: str, line: str) -> list[int]:
    days: list[int] = []
    for chunk in part.split(","):
        first, _sep, last = chunk.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValidationError(
                _("“%(line)s”: start with days such as mon-fri, sat or mon,wed.") % {"line": line}
            )
        start, end = DAYS.index(first), DAYS.index(last or first)
        days.extend(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    return days


def schedule_for(widget: ChatWidget) -> Schedule:
    weekly = parse_opening_hours(widget.opening_hours)
    return Schedule(
        weekly=weekly or ((),) * 7,
        tz=ZoneInfo(widget.time_zone),
        public_holidays=widget.closed_on_public_holidays,
        always_open=weekly is None,
    )


@functools.lru_cache(maxsize=8)
def _indonesian_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


def _closed_all_day(schedule: Schedule, day: dt.date) -> bool:
    return schedule.public_holidays and day in _indonesian_holidays(day.year)


def is_open(schedule: Schedule, at: dt.datetime) -> bool:
    if schedule.always_open:
        return True
    local = at.astimezone(schedule.tz)
    if _closed_all_day(schedule, local.date()):
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in schedule.weekly[local.weekday()])


def next_open(schedule: Schedule, at: dt.datetime) -> dt.datetime | None:
    """The first moment at or after ``at`` when the schedule is open; None if it never opens."""
    if schedule.always_open:
        return at
    local = at.astimezone(schedule.tz)
    for offset in range(SEARCH_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        if _closed_all_day(schedule, day):
            continue
        for start, end in schedule.weekly[day.weekday()]:
            opens = dt.datetime.combine(day, dt.time(0), tzinfo=schedule.tz) + dt.timedelta(minutes=start)
            closes = dt.datetime.combine(day, dt.time(0), tzinfo=schedule.tz) + dt.timedelta(minutes=end)
            if closes > local:
                return max(opens, local)
    return None


def availability(widget: ChatWidget, at: dt.datetime | None = None) -> Availability:
    """Whether the widget's team takes chats at ``at`` (now), and when it is back if not."""
    at = at or timezone.now()
    schedule = schedule_for(widget)
    if is_open(schedule, at):
        return Availability(open=True, back_at=None)
    return Availability(open=False, back_at=next_open(schedule, at))
