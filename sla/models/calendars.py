"""Business calendars: time zone, weekly opening hours, holiday hours, custom dates, 24/7 mode.

sla.schedules turns one calendar into the plain Schedule that sla.calendar computes with.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.models.config import ConfigRow


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (Western Indonesia, UTC+7)")
    WITA = "Asia/Makassar", _("WITA (Central Indonesia, UTC+8)")
    WIT = "Asia/Jayapura", _("WIT (Eastern Indonesia, UTC+9)")


class BusinessCalendar(ConfigRow):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=TimeZone.choices, default=TimeZone.WIB
    )
    always_open = models.BooleanField(
        _("open 24/7"), default=False, help_text=_("Every hour of every day counts; hours below are ignored.")
    )
    observe_holidays = models.BooleanField(
        _("observe public holidays"),
        default=True,
        help_text=_(
            "Indonesian public holidays use the holiday hours (closed when there are none). "
            "Off: holidays are ordinary days."
        ),
    )
    cuti_bersama = models.BooleanField(
        _("observe cuti bersama"),
        default=False,
        help_text=_("Treat the government's collective leave days (cuti bersama) as holidays too."),
    )
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used when neither the policy nor the team has one."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(ConfigRow):
    """One open range on a weekday, or on public holidays (several ranges per day allowed)."""

    class Day(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")
        HOLIDAY = 7, _("Public holidays")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="hours", verbose_name=_("calendar")
    )
    day = models.PositiveSmallIntegerField(_("day"), choices=Day.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight, the end of the day."))

    class Meta:
        ordering = ["calendar", "day", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        _check_range(self.opens, self.closes)

    @property
    def seconds(self) -> tuple[int, int]:
        return _range_seconds(self.opens, self.closes)


class CalendarDate(ConfigRow):
    """A date that differs from the weekly pattern: an office closure or an extra working day."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed all day")
        OPEN = "open", _("Open (extra working day or special hours)")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="dates", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CLOSED)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True, help_text=_("00:00 means midnight."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("custom date")
        verbose_name_plural = _("custom dates")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_date_unique")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.OPEN:
            if self.opens is None or self.closes is None:
                raise ValidationError(_("An open date needs its opening and closing times."))
            _check_range(self.opens, self.closes)


class TeamCalendar(ConfigRow):
    """Which calendar a team works on (kept here so tickets never depends on sla)."""

    team = models.OneToOneField(
        "tickets.Team", on_delete=models.CASCADE, related_name="sla_calendar", verbose_name=_("team")
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="teams", verbose_name=_("calendar")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("team calendar")
        verbose_name_plural = _("team calendars")

    def __str__(self) -> str:
        return f"{self.team}: {self.calendar}"


def _range_seconds(opens: dt.time, closes: dt.time) -> tuple[int, int]:
    start = opens.hour * 3600 + opens.minute * 60 + opens.second
    end = closes.hour * 3600 + closes.minute * 60 + closes.second
    return start, end or 86_400


def _check_range(opens: dt.time | None, closes: dt.time | None) -> None:
    if opens is None or closes is None:
        return
    start, end = _range_seconds(opens, closes)
    if end <= start:
        raise ValidationError(
            _(
                "The closing time must be after the opening time (use 00:00 for midnight; split ranges that cross it)."
            )
        )
