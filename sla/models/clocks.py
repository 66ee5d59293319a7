"""Per-ticket clocks (one row per ticket, target and cycle) and the warnings and breaches they produced.

Clocks are written only by sla.clocks.recompute (due times) and sla.sweeper (warned/breached stamps).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.models.calendars import BusinessCalendar
from sla.models.policies import Clock, SlaPolicy, TargetKind


class SlaClock(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks", verbose_name=_("ticket")
    )
    policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("policy"),
    )
    target = models.SlugField(_("target"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("met by"), max_length=20, choices=TargetKind.choices)
    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    clock = models.CharField(_("counted in"), max_length=10, choices=Clock.choices)
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("calendar"),
    )
    started_at = models.DateTimeField(_("started"))
    # Empty while paused: nothing is due until the clock runs again.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_business_seconds = models.PositiveIntegerField(_("paused time (s)"), default=0)
    remaining_seconds = models.IntegerField(_("time left when paused (s)"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(
        _("time taken (s)"),
        null=True,
        blank=True,
        help_text=_("Counted on the target's clock, pauses excluded."),
    )
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    # A clock whose warning or breach could not be recorded waits until retry_at (growing back-off), so a
    # batch of clocks that keep failing cannot stay first in due order and hold up the others.
    sweep_attempts = models.PositiveSmallIntegerField(_("failed sweeps"), default=0, db_default=0)
    retry_at = models.DateTimeField(_("retry after"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["ticket", "started_at", "pk"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "cycle"], name="sla_clock_unique_cycle")
        ]
        indexes = [
            # The sweeper's two queries and the desk's "breaching soon" read only running clocks, so the
            # indexes hold only those: their size follows what is due, not what ever existed.
            models.Index(
                fields=["due_at"],
                condition=Q(breached_at__isnull=True, met_at__isnull=True),
                name="slaclock_due_running",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(warned_at__isnull=True, breached_at__isnull=True, met_at__isnull=True),
                name="slaclock_warn_running",
            ),
            models.Index(fields=["started_at"], name="slaclock_started"),
        ]

    def __str__(self) -> str:
        return _("%(name)s #%(cycle)s on ticket %(ticket)s") % {
            "name": self.name,
            "cycle": self.cycle,
            "ticket": self.ticket_id,
        }

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None and self.met_at is None

    @property
    def met_on_time(self) -> bool:
        return self.met_at is not None and self.due_at is not None and self.met_at <= self.due_at

    @property
    def is_wait(self) -> bool:
        """A customer wait (not a deadline for agents): due_at and met_at are both when it ends."""
        return self.kind == TargetKind.WAIT


class _Record(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    clock = models.ForeignKey(
        SlaClock,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("SLA clock"),
    )
    target = models.SlugField(_("target"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    cycle = models.PositiveIntegerField(_("cycle"))
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Escalation hears of the record from a task queued after commit (sla.tasks.hand_over_*), which stamps
    # handed_over_at. Until then handover_due_at says when the sweeper queues it again (broker down,
    # task lost or failed), with a growing back-off counted in handover_attempts.
    handed_over_at = models.DateTimeField(_("handed to escalation"), null=True, blank=True)
    handover_due_at = models.DateTimeField(_("hand over again at"), null=True, blank=True)
    handover_attempts = models.PositiveSmallIntegerField(_("handover attempts"), default=0, db_default=0)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("%(name)s #%(cycle)s on ticket %(ticket)s") % {
            "name": self.name,
            "cycle": self.cycle,
            "ticket": self.ticket_id,
        }


class SlaWarning(_Record):
    """A clock reached its warning time; at most one per ticket, target and cycle."""

    class Meta(_Record.Meta):
        verbose_name = _("SLA warning")
        verbose_name_plural = _("SLA warnings")
        constraints = [models.UniqueConstraint(fields=["ticket", "target", "cycle"], name="sla_warning_once")]
        indexes = [
            models.Index(
                fields=["handover_due_at"],
                condition=Q(handed_over_at__isnull=True),
                name="slawarning_handover_due",
            )
        ]


class SlaBreach(_Record):
    """A clock passed its due time unmet; at most one per ticket, target and cycle."""

    class Meta(_Record.Meta):
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [models.UniqueConstraint(fields=["ticket", "target", "cycle"], name="sla_breach_once")]
        indexes = [
            models.Index(
                fields=["handover_due_at"],
                condition=Q(handed_over_at__isnull=True),
                name="slabreach_handover_due",
            )
        ]
