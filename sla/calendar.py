"""Business time: pure functions over a Schedule, exact to the microsecond, aware datetimes in and out.

A Schedule is plain data (built from the models by sla.schedules.schedule_for). For each local date the
open ranges are, in order of precedence:

1. every second of the day when ``always_open`` (24/7 mode);
2. nothing on a date in ``closures`` (office closed);
3. the ranges given in ``extra_days`` (an extra working day, or special hours for that date);
4. ``holiday_hours`` on a date in ``holidays`` (no ranges: closed on holidays);
5. the weekday's ranges in ``weekly`` (Monday first, as ``date.weekday()``).

Ranges are wall-clock seconds from local midnight, ``0 <= start < end <= 86400``; an end of 86400 is a
range that ends at midnight. A range never crosses midnight: 22.00–02.00 is two ranges on two days.
Every result is returned in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

Range = tuple[int, int]
Ranges = tuple[Range, ...]
DAY_SECONDS = 86_400
FULL_DAY: Ranges = ((0, DAY_SECONDS),)
# A schedule with no opening at all in this many consecutive days is treated as never opening.
MAX_CLOSED_DAYS = 400
ZERO = dt.timedelta(0)
UTC = dt.UTC


class ScheduleError(ValueError):
    """The schedule cannot answer: it never opens, or the question reaches past its known holidays."""


@dataclass(frozen=True)
class Schedule:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Jakarta"))
    weekly: tuple[Ranges, ...] = ((),) * 7
    holiday_hours: Ranges = ()
    holidays: frozenset[dt.date] = frozenset()
    extra_days: Mapping[dt.date, Ranges] = field(default_factory=dict)
    closures: frozenset[dt.date] = frozenset()
    always_open: bool = False
    # Years (inclusive) for which ``holidays`` is complete; None when the schedule ignores holidays.
    holiday_years: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("A schedule needs opening ranges for exactly 7 weekdays.")
        for ranges in (*self.weekly, self.holiday_hours, *self.extra_days.values()):
            _check_ranges(ranges)

    def ranges_on(self, day: dt.date) -> Ranges:
        """The open ranges of one local date (see the module docstring for the precedence)."""
        if self.always_open:
            return FULL_DAY
        if day in self.closures:
            return ()
        if day in self.extra_days:
            return self.extra_days[day]
        if self.holiday_years is not None:
            first, last = self.holiday_years
            if not first <= day.year <= last:
                raise ScheduleError(
                    f"This schedule knows holidays for {first}–{last} only, not for {day.isoformat()}."
                )
            if day in self.holidays:
                return self.holiday_hours
        return self.weekly[day.weekday()]


def always_open(tz: str | ZoneInfo = "Asia/Jakarta") -> Schedule:
    """Calendar time: every second counts (24/7)."""
    return Schedule(tz=tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz), always_open=True)


def _check_ranges(ranges: Ranges) -> None:
    previous_end = -1
    for start, end in ranges:
        if not 0 <= start < end <= DAY_SECONDS:
            raise ValueError(f"Bad opening range {start}–{end}: need 0 <= start < end <= {DAY_SECONDS}.")
        if start < previous_end:
            raise ValueError("Opening ranges of one day must be sorted and must not overlap.")
        previous_end = end


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Business time needs aware datetimes.")
    return value.astimezone(UTC)


def _local_instant(schedule: Schedule, day: dt.date, seconds: float | dt.timedelta) -> dt.datetime:
    offset = seconds if isinstance(seconds, dt.timedelta) else dt.timedelta(seconds=seconds)
    naive = dt.datetime.combine(day, dt.time()) + offset
    return naive.replace(tzinfo=schedule.tz).astimezone(UTC)


def _day_intervals(schedule: Schedule, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    intervals: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in schedule.ranges_on(day):
        begin, finish = _local_instant(schedule, day, start), _local_instant(schedule, day, end)
        if intervals and intervals[-1][1] == begin:
            intervals[-1] = (intervals[-1][0], finish)
        else:
            intervals.append((begin, finish))
    return intervals


def _intervals_from(schedule: Schedule, at: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Open intervals (UTC) that end after ``at``, in order, clipped to start no earlier than ``at``.

    Raises ScheduleError after MAX_CLOSED_DAYS days in a row without any opening.
    """
    day = at.astimezone(schedule.tz).date()
    closed_days = 0
    while True:
        intervals = _day_intervals(schedule, day)
        closed_days = 0 if intervals else closed_days + 1
        if closed_days > MAX_CLOSED_DAYS:
            raise ScheduleError(f"This schedule has no opening hours in {MAX_CLOSED_DAYS} days.")
        for begin, finish in intervals:
            if finish > at:
                yield max(begin, at), finish
        day += dt.timedelta(days=1)


def is_open(schedule: Schedule, at: dt.datetime) -> bool:
    at = _aware(at)
    if schedule.always_open:
        return True
    day = at.astimezone(schedule.tz).date()
    return any(begin <= at < finish for begin, finish in _day_intervals(schedule, day))


def next_open(schedule: Schedule, at: dt.datetime) -> dt.datetime:
    """``at`` itself when open, otherwise the next instant the schedule opens."""
    at = _aware(at)
    if schedule.always_open:
        return at
    begin, _finish = next(_intervals_from(schedule, at))
    return begin


def add_business_time(schedule: Schedule, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The instant at which ``duration`` of open time has passed since ``start``.

    A duration that exactly uses up a range ends at that range's closing time (due 21.00, not at the
    next opening). A zero duration returns ``start`` unchanged, open or not.
    """
    start = _aware(start)
    if duration < ZERO:
        raise ValueError("Business time cannot be added backwards.")
    if duration == ZERO or schedule.always_open:
        return start + duration
    remaining = duration
    for begin, finish in _intervals_from(schedule, start):
        available = finish - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover


def business_time_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Open time in [start, end); negative when ``end`` is before ``start`` (time overdue)."""
    start, end = _aware(start), _aware(end)
    if end < start:
        return -business_time_between(schedule, end, start)
    if schedule.always_open:
        return end - start
    total = ZERO
    for begin, finish in _intervals_from(schedule, start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def add_business_days(schedule: Schedule, start: dt.datetime, days: int) -> dt.datetime:
    """``days`` working days after ``start``, where a working day is a local date with opening hours.

    From the first open instant at or after ``start``, count ``days`` later dates that open, and take
    the same wall-clock time on the last of them: Monday 14.00 + 2 working days is Wednesday 14.00.
    When that date is closed at that time, the answer is its next opening later that day, or its last
    closing time (close of business) when it does not open again that day.
    """
    start = _aware(start)
    if days < 0:
        raise ValueError("Working days cannot be added backwards.")
    if days == 0:
        return start
    first = next_open(schedule, start).astimezone(schedule.tz)
    time_of_day = first - dt.datetime.combine(first.date(), dt.time(), tzinfo=schedule.tz)
    day, counted, closed_days = first.date(), 0, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if schedule.ranges_on(day):
            counted, closed_days = counted + 1, 0
        else:
            closed_days += 1
            if closed_days > MAX_CLOSED_DAYS:
                raise ScheduleError(f"This schedule has no opening hours in {MAX_CLOSED_DAYS} days.")
    seconds = time_of_day.total_seconds()
    ranges = schedule.ranges_on(day)
    for range_start, range_end in ranges:
        if range_start <= seconds < range_end:
            return _local_instant(schedule, day, time_of_day)
        if seconds < range_start:
            return _local_instant(schedule, day, range_start)
    return _local_instant(schedule, day, ranges[-1][1])
