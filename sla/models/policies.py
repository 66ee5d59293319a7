"""SLA policies: which tickets they match (first match in an ordered list, else the default) and their
targets (first response, next response, resolution and policy-specific windows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sla.models.calendars import BusinessCalendar
from sla.models.config import ConfigRow
from tickets.models import HoldReason, Status


def default_pause_statuses() -> list[str]:
    return [Status.PENDING.value, Status.ON_HOLD.value]


class SlaPolicy(ConfigRow):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Lower is tried first."))
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default policy"), default=False, help_text=_("Applies when no other active policy matches.")
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text=_("Empty: the ticket team's calendar, else the default calendar."),
        verbose_name=_("calendar"),
    )
    # Match conditions: each list is "any of"; an empty list matches everything.
    channels = models.JSONField(_("channels"), default=list, blank=True)
    categories = models.ManyToManyField("tickets.Category", blank=True, verbose_name=_("categories"))
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    requester_roles = models.JSONField(_("requester roles"), default=list, blank=True)
    contact_tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    teams = models.ManyToManyField("tickets.Team", blank=True, verbose_name=_("teams"))
    pause_statuses = models.JSONField(
        _("statuses that pause the clocks"), default=default_pause_statuses, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_policy"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TargetKind(models.TextChoices):
    """What meets a target."""

    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    WAIT = "wait", _("Customer waits (not counted against agents)")


# The kinds agents are measured on (reports, warnings, breaches); a wait only delays the first response.
MEASURED_KINDS = (TargetKind.FIRST_RESPONSE, TargetKind.NEXT_RESPONSE, TargetKind.RESOLUTION)


class Unit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")


class Clock(models.TextChoices):
    BUSINESS = "business", _("Business time (the calendar's hours; days are working days)")
    CALENDAR = "calendar", _("Calendar time (around the clock)")


class SlaTarget(ConfigRow):
    """One deadline of a policy.

    A first-response target starts when the ticket opens and is met by the first agent reply; a
    next-response target starts at each customer message that waits for an answer and is met by the next
    reply; a resolution target starts when the ticket opens (again at each reopening) and is met by
    resolving it. A target may instead start when the ticket is first put on hold for a given reason, or
    when another target of the same policy falls due unmet (a window that follows a window).
    """

    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("policy")
    )
    key = models.SlugField(
        _("key"),
        max_length=50,
        help_text=_("Names the clock, its warnings and breaches, e.g. first_response."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("met by"), max_length=20, choices=TargetKind.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.HOURS)
    clock = models.CharField(_("counted in"), max_length=10, choices=Clock.choices, default=Clock.BUSINESS)
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at % of the target"), null=True, blank=True, help_text=_("For example 80.")
    )
    warn_minutes_before = models.PositiveIntegerField(
        _("warn minutes before"),
        null=True,
        blank=True,
        help_text=_("Counted on the same clock as the target."),
    )
    start_on_hold_reason = models.CharField(
        _("starts when put on hold for"),
        max_length=20,
        choices=HoldReason.choices,
        blank=True,
        default="",
        help_text=_("Empty: starts with the ticket (or customer message)."),
    )
    start_on_help_request = models.BooleanField(
        _("starts when the customer asks for platform help"),
        default=False,
        db_default=False,
        help_text=_("Dispute windows: from the customer's “Minta Bantuan” request."),
    )
    start_after = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followers",
        verbose_name=_("starts when this target falls due unmet"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["policy", "position", "pk"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [models.UniqueConstraint(fields=["policy", "key"], name="sla_target_key_per_policy")]

    def __str__(self) -> str:
        return f"{self.name} ({self.amount} {self.get_unit_display()})"

    @property
    def duration(self) -> dt.timedelta:
        per_unit = {Unit.MINUTES: 60, Unit.HOURS: 3600, Unit.DAYS: 86_400}[Unit(self.unit)]
        return dt.timedelta(seconds=self.amount * per_unit)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.amount == 0:
            errors["amount"] = _("A target needs a positive amount of time.")
        if self.warn_percent is not None and self.warn_minutes_before is not None:
            errors["warn_minutes_before"] = _("Warn either at a percentage or some minutes before, not both.")
        if self.warn_percent is not None and not 1 <= self.warn_percent <= 99:
            errors["warn_percent"] = _("Use a percentage between 1 and 99.")
        if self.start_after_id is not None:
            if self.start_on_hold_reason:
                errors["start_after"] = _("A target starts either after another target or on hold, not both.")
            elif self.start_after is not None and self.start_after.policy_id != self.policy_id:
                errors["start_after"] = _("Choose a target of the same policy.")
            elif self._chain_loops():
                errors["start_after"] = _("These targets would wait for each other for ever.")
        starts = [bool(self.start_after_id), bool(self.start_on_hold_reason), self.start_on_help_request]
        if sum(starts) > 1 and "start_after" not in errors:
            errors["start_after"] = _("Choose one way for the target to start.")
        if self.kind != TargetKind.RESOLUTION and any(starts):
            errors["kind"] = _(
                "Only resolution targets can start after another target, on hold or on a help request."
            )
        if errors:
            raise ValidationError(errors)

    def _chain_loops(self) -> bool:
        seen = {self.pk}
        current = self.start_after
        while current is not None:
            if current.pk in seen:
                return True
            seen.add(current.pk)
            current = current.start_after
        return False
