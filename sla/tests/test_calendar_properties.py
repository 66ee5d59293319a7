"""Business time against a brute-force reference that walks minute by minute.

Schedules, starts and durations are drawn at minute granularity, so every minute is either wholly open or
wholly closed and counting open minutes is exact. The reference decides "open" from the schedule's plain
data on its own; it shares nothing with sla.calendar but the Schedule dataclass.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.calendar import (
    Schedule,
    add_business_days,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
)

MINUTE = dt.timedelta(minutes=1)
ZONES = [ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")]
FIRST_DAY, LAST_DAY = dt.date(2025, 1, 1), dt.date(2026, 12, 31)


def reference_ranges(schedule: Schedule, day: dt.date) -> tuple[tuple[int, int], ...]:
    if schedule.always_open:
        return ((0, 86_400),)
    if day in schedule.closures:
        return ()
    if day in schedule.extra_days:
        return schedule.extra_days[day]
    if schedule.holiday_years is not None and day in schedule.holidays:
        return schedule.holiday_hours
    return schedule.weekly[day.weekday()]


def reference_is_open(schedule: Schedule, instant: dt.datetime) -> bool:
    local = instant.astimezone(schedule.tz)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return any(start <= seconds < end for start, end in reference_ranges(schedule, local.date()))


def reference_add_days(schedule: Schedule, start: dt.datetime, days: int) -> dt.datetime:
    moment = start
    while not reference_is_open(schedule, moment):
        moment += MINUTE
    local = moment.astimezone(schedule.tz)
    day, time_of_day = local.date(), dt.timedelta(hours=local.hour, minutes=local.minute)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += bool(reference_ranges(schedule, day))
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=schedule.tz)
    moment = midnight + time_of_day
    while moment < midnight + dt.timedelta(days=1):
        if reference_is_open(schedule, moment):
            return moment
        moment += MINUTE
    return midnight + dt.timedelta(seconds=reference_ranges(schedule, day)[-1][1])


def reference_add(schedule: Schedule, start: dt.datetime, minutes: int) -> dt.datetime:
    if minutes == 0:
        return start
    counted, moment = 0, start
    while True:
        if reference_is_open(schedule, moment):
            counted += 1
            if counted == minutes:
                return moment + MINUTE
        moment += MINUTE


def reference_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    counted, moment = 0, start
    while moment < end:
        counted += reference_is_open(schedule, moment)
        moment += MINUTE
    return counted * MINUTE


@st.composite
def day_ranges(draw, max_ranges: int = 3) -> tuple[tuple[int, int], ...]:
    count = draw(st.integers(0, max_ranges))
    bounds = sorted(draw(st.sets(st.integers(0, 1440), min_size=count * 2, max_size=count * 2)))
    return tuple((bounds[i] * 60, bounds[i + 1] * 60) for i in range(0, len(bounds), 2))


dates = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)


@st.composite
def schedules(draw) -> Schedule:
    weekly = [draw(day_ranges()) for _ in range(7)]
    if not any(weekly):
        weekly[draw(st.integers(0, 6))] = ((9 * 3600, 17 * 3600),)
    return Schedule(
        tz=draw(st.sampled_from(ZONES)),
        weekly=tuple(weekly),
        holiday_hours=draw(day_ranges(max_ranges=2)),
        holidays=frozenset(draw(st.sets(dates, max_size=20))),
        extra_days=draw(st.dictionaries(dates, day_ranges(max_ranges=2), max_size=5)),
        closures=frozenset(draw(st.sets(dates, max_size=5))),
        always_open=draw(st.integers(0, 9)) == 0,
        holiday_years=(2024, 2028),
    )


def weekly_open_minutes(schedule: Schedule) -> int:
    return sum(end - start for ranges in schedule.weekly for start, end in ranges) // 60


minute_starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(dt.UTC)
).map(lambda d: d.replace(second=0, microsecond=0))
any_starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.sampled_from(ZONES)
)
slow = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@slow
@given(schedule=schedules(), start=minute_starts, share=st.floats(0, 2.5), data=st.data())
def test_adding_business_time_matches_the_minute_by_minute_reference(schedule, start, share, data):
    minutes = int(share * max(weekly_open_minutes(schedule), 1))
    due = add_business_time(schedule, start, minutes * MINUTE)
    assert due == reference_add(schedule, start, minutes)
    assert due.utcoffset() == dt.timedelta(0)


@slow
@given(schedule=schedules(), start=minute_starts, length=st.integers(0, 20 * 24 * 60))
def test_business_time_between_matches_the_minute_by_minute_reference(schedule, start, length):
    end = start + length * MINUTE
    assert business_time_between(schedule, start, end) == reference_between(schedule, start, end)
    assert business_time_between(schedule, end, start) == -reference_between(schedule, start, end)


@slow
@given(schedule=schedules(), start=minute_starts, offset=st.integers(0, 14 * 24 * 60))
def test_is_open_and_next_open_agree_with_the_reference(schedule, start, offset):
    moment = start + offset * MINUTE
    assert is_open(schedule, moment) == reference_is_open(schedule, moment)
    opening = next_open(schedule, moment)
    assert reference_is_open(schedule, opening)
    assert opening >= moment
    assert reference_between(schedule, moment, opening) == dt.timedelta(0)


@settings(max_examples=300, deadline=None)
@given(
    schedule=schedules(),
    start=any_starts,
    first=st.integers(0, 5 * 24 * 3600 * 1000),
    second=st.integers(1, 5 * 24 * 3600 * 1000),
)
def test_business_time_is_exact_below_the_minute_and_additive(schedule, start, first, second):
    a, b = dt.timedelta(milliseconds=first), dt.timedelta(milliseconds=second)
    middle = add_business_time(schedule, start, a)
    assert business_time_between(schedule, start, middle) == a
    assert add_business_time(schedule, middle, b) == add_business_time(schedule, start, a + b)
    assert add_business_time(schedule, start, a + b) > middle


@slow
@given(schedule=schedules(), start=minute_starts, days=st.integers(0, 6))
def test_working_days_match_the_reference(schedule, start, days):
    expected = start if days == 0 else reference_add_days(schedule, start, days)
    assert add_business_days(schedule, start, days) == expected
