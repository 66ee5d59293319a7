"""Worked examples: the seeded presets, Indonesian holidays and cuti bersama in 2025 and 2026, WITA/WIT."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sla.calendar import (
    Schedule,
    ScheduleError,
    add_business_days,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
)
from sla.models import BusinessCalendar, CalendarDate, OpeningHours
from sla.schedules import schedule_for

pytestmark = pytest.mark.django_db

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
HOUR = dt.timedelta(hours=1)


def at(*parts: int, tz: ZoneInfo = WIB) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=tz)


def preset(prefix: str, when: dt.datetime) -> Schedule:
    return schedule_for(BusinessCalendar.objects.get(name__startswith=prefix), around=when)


def office(*, tz: str = "Asia/Jakarta", cuti_bersama: bool = False, name: str = "Office") -> BusinessCalendar:
    """Mon–Fri 08.00–17.00, closed on holidays."""
    calendar = BusinessCalendar.objects.create(name=name, time_zone=tz, cuti_bersama=cuti_bersama)
    for day in range(5):
        OpeningHours.objects.create(calendar=calendar, day=day, opens=dt.time(8), closes=dt.time(17))
    return calendar


# --- The three presets ---------------------------------------------------------------------------------


def test_an_email_at_friday_2030_with_a_two_hour_target_is_due_saturday_1030_on_the_weekday_weekend_preset():
    sent = at(2025, 11, 14, 20, 30)  # a Friday
    due = add_business_time(preset("Mon–Fri", sent), sent, 2 * HOUR)
    assert due == at(2025, 11, 15, 10, 30)


def test_the_weekday_weekend_preset_opens_at_nine_on_sunday_after_a_late_saturday_message():
    sent = at(2025, 11, 15, 16, 30)  # Saturday, closes 17.00
    assert add_business_time(preset("Mon–Fri", sent), sent, HOUR) == at(2025, 11, 16, 9, 30)


def test_the_weekday_weekend_preset_uses_holiday_hours_on_new_years_day_2025():
    sent = at(2024, 12, 31, 20, 30)  # Tuesday; Wednesday 1 January is a public holiday: 09.00–17.00
    assert add_business_time(preset("Mon–Fri", sent), sent, 2 * HOUR) == at(2025, 1, 1, 10, 30)


def test_the_weekday_weekend_preset_uses_holiday_hours_on_independence_day_2026():
    sent = at(2026, 8, 17, 8, 0)  # Monday 17 August 2026, a holiday: opens at 09.00, not 08.00
    schedule = preset("Mon–Fri", sent)
    assert not is_open(schedule, sent)
    assert next_open(schedule, sent) == at(2026, 8, 17, 9, 0)
    assert add_business_time(schedule, sent, HOUR) == at(2026, 8, 17, 10, 0)


def test_the_daily_preset_runs_from_seven_to_eleven_every_day_holidays_included():
    sent = at(2025, 12, 24, 22, 30)
    schedule = preset("Daily", sent)
    assert add_business_time(schedule, sent, HOUR) == at(2025, 12, 25, 7, 30)  # Christmas: open as usual
    assert business_time_between(schedule, at(2025, 12, 25, 0, 0), at(2025, 12, 26, 0, 0)) == 16 * HOUR


def test_the_twenty_four_seven_preset_counts_every_second_across_midnight_and_holidays():
    sent = at(2026, 3, 20, 23, 59, 30)  # Eid al-Fitr cuti bersama, before the holiday weekend
    schedule = preset("24/7", sent)
    assert add_business_time(schedule, sent, dt.timedelta(minutes=15)) == at(2026, 3, 21, 0, 14, 30)
    assert business_time_between(schedule, sent, sent + 3 * dt.timedelta(days=1)) == dt.timedelta(days=3)


def test_two_working_days_from_friday_afternoon_end_on_tuesday_on_an_office_calendar():
    sent = at(2025, 11, 14, 14, 0)
    schedule = schedule_for(office(), around=sent)
    assert add_business_days(schedule, sent, 2) == at(2025, 11, 18, 14, 0)
    # Out of hours, a working day starts at the next opening.
    assert add_business_days(schedule, at(2025, 11, 15, 11, 0), 1) == at(2025, 11, 18, 8, 0)


def test_a_working_day_that_closes_earlier_ends_at_close_of_business():
    sent = at(2025, 11, 14, 20, 0)  # Friday 20.00; Saturday closes at 17.00 on the preset
    assert add_business_days(preset("Mon–Fri", sent), sent, 1) == at(2025, 11, 15, 17, 0)


# --- Holidays and cuti bersama -------------------------------------------------------------------------


def test_eid_al_fitr_2025_closes_the_office_and_cuti_bersama_is_an_option():
    sent = at(2025, 3, 27, 16, 0)  # Thursday before Nyepi cuti bersama (Fri 28 March)
    plain = schedule_for(office(name="Plain"), around=sent)
    with_cuti = schedule_for(office(name="With cuti bersama", cuti_bersama=True), around=sent)
    # Without cuti bersama: Friday 28 March is a working day.
    assert add_business_time(plain, sent, 2 * HOUR) == at(2025, 3, 28, 9, 0)
    # With it: Fri 28 (cuti), Sat 29 Nyepi, Mon 31 + Tue 1 Eid al-Fitr, Wed 2–Fri 4 and Mon 7 April cuti.
    assert add_business_time(with_cuti, sent, 2 * HOUR) == at(2025, 4, 8, 9, 0)
    # Public holidays close even the plain office: Monday 31 March and Tuesday 1 April 2025.
    assert business_time_between(plain, at(2025, 3, 31, 0, 0), at(2025, 4, 2, 0, 0)) == dt.timedelta(0)


def test_christmas_2025_is_a_holiday_and_boxing_day_is_cuti_bersama():
    sent = at(2025, 12, 24, 16, 0)
    plain = schedule_for(office(name="Plain"), around=sent)
    with_cuti = schedule_for(office(name="With cuti bersama", cuti_bersama=True), around=sent)
    assert add_business_time(plain, sent, 2 * HOUR) == at(2025, 12, 26, 9, 0)
    assert add_business_time(with_cuti, sent, 2 * HOUR) == at(2025, 12, 29, 9, 0)


def test_nyepi_and_eid_al_fitr_2026_with_and_without_cuti_bersama():
    sent = at(2026, 3, 17, 16, 30)  # Tuesday
    plain = schedule_for(office(name="Plain"), around=sent)
    with_cuti = schedule_for(office(name="With cuti bersama", cuti_bersama=True), around=sent)
    # Wed 18 is cuti bersama only; Thu 19 Nyepi; Fri 20 cuti; Sat/Sun Eid; Mon 23, Tue 24 cuti.
    assert add_business_time(plain, sent, HOUR) == at(2026, 3, 18, 8, 30)
    assert add_business_time(with_cuti, sent, HOUR) == at(2026, 3, 25, 8, 30)
    assert next_open(plain, at(2026, 3, 19, 10, 0)) == at(2026, 3, 20, 8, 0)


def test_a_calendar_that_ignores_holidays_works_through_them():
    calendar = office()
    calendar.observe_holidays = False
    calendar.save()
    sent = at(2026, 8, 17, 16, 0)  # Independence Day, a Monday
    assert add_business_time(schedule_for(calendar, around=sent), sent, 2 * HOUR) == at(2026, 8, 18, 9, 0)


def test_custom_dates_close_the_office_or_open_an_extra_working_day():
    calendar = office()
    CalendarDate.objects.create(calendar=calendar, date=dt.date(2025, 11, 17), kind="closed", note="Moving")
    CalendarDate.objects.create(
        calendar=calendar, date=dt.date(2025, 11, 15), kind="open", opens=dt.time(10), closes=dt.time(12)
    )
    sent = at(2025, 11, 14, 16, 0)  # Friday
    schedule = schedule_for(calendar, around=sent)
    # 1 h Friday, 2 h on the extra Saturday, Monday closed, then Tuesday.
    assert add_business_time(schedule, sent, 4 * HOUR) == at(2025, 11, 18, 9, 0)


# --- Time zones, midnight, errors ----------------------------------------------------------------------


def test_a_wita_calendar_counts_its_own_office_hours():
    sent = at(2025, 6, 2, 7, 30)  # Monday 07.30 WIB is 08.30 WITA: already open in Makassar
    schedule = schedule_for(office(tz="Asia/Makassar"), around=sent)
    assert add_business_time(schedule, sent, HOUR) == at(2025, 6, 2, 9, 30, tz=WITA)
    assert at(2025, 6, 2, 9, 30, tz=WITA) == at(2025, 6, 2, 8, 30)


def test_a_wit_calendar_skips_the_weekend_in_jayapura_time():
    sent = at(2025, 6, 13, 16, 30, tz=WIT)  # Friday, 14.30 WIB
    schedule = schedule_for(office(tz="Asia/Jayapura"), around=sent)
    assert add_business_time(schedule, sent, HOUR) == at(2025, 6, 16, 8, 30, tz=WIT)
    assert next_open(schedule, at(2025, 6, 16, 5, 0)) == at(2025, 6, 16, 8, 0, tz=WIT)  # 06.00 WIB


def test_ranges_that_end_and_start_at_midnight_run_on_without_a_gap():
    calendar = BusinessCalendar.objects.create(name="Night shift", observe_holidays=False)
    for day in range(7):
        OpeningHours.objects.create(calendar=calendar, day=day, opens=dt.time(18), closes=dt.time(0))
        OpeningHours.objects.create(calendar=calendar, day=day, opens=dt.time(0), closes=dt.time(6))
    sent = at(2025, 11, 14, 23, 30)
    schedule = schedule_for(calendar, around=sent)
    assert add_business_time(schedule, sent, HOUR) == at(2025, 11, 15, 0, 30)
    assert add_business_time(schedule, at(2025, 11, 15, 5, 30), HOUR) == at(2025, 11, 15, 18, 30)


def test_an_opening_range_that_ends_before_it_starts_is_refused():
    hours = OpeningHours(calendar=office(), day=0, opens=dt.time(22), closes=dt.time(2))
    with pytest.raises(ValidationError, match="closing time must be after"):
        hours.full_clean()


def test_a_schedule_that_never_opens_says_so_instead_of_looping():
    never = Schedule()
    with pytest.raises(ScheduleError, match="no opening hours"):
        add_business_time(never, at(2025, 1, 1, 9, 0), HOUR)


def test_a_question_beyond_the_known_holiday_years_is_refused():
    sent = at(2025, 1, 6, 9, 0)
    schedule = schedule_for(office(), around=sent)
    with pytest.raises(ScheduleError, match="knows holidays for 2023–2028 only"):
        add_business_time(schedule, sent, 24 * 400 * HOUR)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_time(Schedule(always_open=True), dt.datetime(2025, 1, 1), HOUR)
